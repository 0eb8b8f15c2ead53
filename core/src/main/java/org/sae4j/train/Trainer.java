package org.sae4j.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchStream;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * Trains an SAE over an in-memory dataset: epochs of seeded shuffled batches, one {@link TrainStep} per batch,
 * listeners for per-step and per-epoch figures. A trailing partial batch is dropped when at least one full batch
 * exists (so every step sees the same batch size); a dataset smaller than one batch trains on all its rows.
 *
 * <p>{@link #fit(BatchStream)} trains over a {@code .npy} dataset instead, with periodic checkpoints
 * ({@link #checkpoints}) and exact resume ({@link #resumeFrom}). Both run one step loop over a {@link BatchSource}.
 */
public final class Trainer {

    /** Creates the step implementation for a model: the fused step by default, the reference for oracle runs. */
    @FunctionalInterface
    public interface StepFactory {
        TrainStep create(Sae sae, TrainConfig cfg, long totalSteps, OptimizerState state);
    }

    private final SaeConfig saeConfig;
    private final TrainConfig cfg;
    private final List<TrainListener> listeners = new ArrayList<>();
    private StepFactory stepFactory = FusedStep::new;
    private Sae sae;
    private TrainState resume;
    private long checkpointEvery;
    private Checkpointer checkpointer;
    private volatile boolean stopRequested;
    private boolean stopped;
    private boolean retryFailedSaves;

    /** Trains a fresh model: parameters initialised from {@code saeConfig}, {@code b_dec} from the first batch. */
    public Trainer(SaeConfig saeConfig, TrainConfig cfg) {
        this.saeConfig = saeConfig;
        this.cfg = cfg;
        UserTerm.requireRegistered(cfg.userTerms());
    }

    /** Continues from existing weights (fine-tuning); {@code b_dec} is kept. */
    public Trainer(Sae sae, TrainConfig cfg) {
        this.saeConfig = sae.config();
        this.cfg = cfg;
        this.sae = sae;
        UserTerm.requireRegistered(cfg.userTerms());
    }

    public Trainer addListener(TrainListener l) {
        listeners.add(l);
        return this;
    }

    public Trainer stepFactory(StepFactory f) {
        stepFactory = f;
        return this;
    }

    /** The model: {@code null} before {@link #fit} initialises a fresh one. */
    public Sae model() {
        return sae;
    }

    /** Result of a run. */
    public record Summary(Sae sae, long steps, long tokens, double seconds, EpochStats lastEpoch) {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    /** Number of steps one epoch over {@code rows} rows takes. */
    public long stepsPerEpoch(int rows) {
        return rows >= cfg.batchSize() ? rows / cfg.batchSize() : (rows > 0 ? 1 : 0);
    }

    /**
     * Trains on {@code rows} rows of {@code data} (row-major, width {@code SaeConfig.rowWidth()}: dim, or a
     * transcoder's input then target columns).
     *
     * @throws BadInputException for a shape mismatch or a non-finite value (naming the row and column)
     */
    public Summary fit(float[] data, int rows) {
        int d = saeConfig.rowWidth();
        if (rows <= 0 || data.length != (long) rows * d) {
            throw new BadInputException("data: have " + data.length + " values for " + rows + " rows; expected rows"
                    + " > 0 and rows × " + widthName() + " = " + rows + "×" + d);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new BadInputException("data: row " + i / d + " column " + i % d + " is " + data[i]
                        + "; expected finite values");
            }
        }
        int batch = Math.min(cfg.batchSize(), rows);
        long perEpoch = stepsPerEpoch(rows);
        BatchSource src = new BatchSource.Shuffled(data, rows, d, batch, perEpoch, cfg.seed());
        // An array run closes a maxSteps-cut epoch with its own line; it has nothing to checkpoint.
        return loop(src, totalSteps(perEpoch), null, TrainState.EpochProgress.start(saeConfig.latents()), null, true);
    }

    private long totalSteps(long perEpoch) {
        long total = perEpoch * cfg.epochs();
        return cfg.maxSteps() > 0 ? Math.min(total, cfg.maxSteps()) : total;
    }

    /**
     * Continues a stream run from {@code state} (from {@link Checkpoint#load}): its model, optimizer
     * moments, step, data position and epoch figures. {@link #fit(BatchStream)} then takes the same steps an
     * uninterrupted run would have taken, bit for bit. The trainer must have been built on {@code state.sae()}.
     */
    public Trainer resumeFrom(TrainState state) {
        if (state.sae() != sae) {
            throw new IllegalArgumentException("build the trainer with new Trainer(state.sae(), cfg) to resume");
        }
        UserTerm.requireSame(state.config().userTerms(), cfg.userTerms());
        resume = state;
        return this;
    }

    /**
     * Hands the state to {@code sink} every {@code everySteps} steps (0 = never) and once when a stream run ends or
     * stops. A run that fails (non-finite loss, bad data) saves nothing more, so the last checkpoint stays good.
     */
    public Trainer checkpoints(long everySteps, Checkpointer sink) {
        if (everySteps < 0) {
            throw new BadInputException("checkpoint every " + everySteps + " steps: expected ≥ 0 (0 = only at the end)");
        }
        checkpointEvery = everySteps;
        checkpointer = sink;
        return this;
    }

    /**
     * Asks {@code fit} to stop after the current step (a stream run saves a checkpoint there). Safe to call from
     * any thread (a signal handler, a listener) and before {@code fit} starts; {@link #stopped()} then says so.
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** True when the last {@code fit} ended early because of {@link #requestStop()}. */
    public boolean stopped() {
        return stopped;
    }

    /**
     * When {@code retry}, a periodic checkpoint that fails (disk full, I/O error) is reported to the listeners'
     * {@link TrainListener#onSaveFailed} and training goes on, trying again at the next checkpoint step. The final
     * save (end of run or stop) always throws. Default: every failed save stops the run.
     */
    public Trainer retryFailedSaves(boolean retry) {
        retryFailedSaves = retry;
        return this;
    }

    /**
     * Trains on batches from {@code data} (whose batch size must be the config's): {@code epochs ×
     * batchesPerEpoch} steps, at most {@code maxSteps} in all (counting steps taken before a resume). A fresh model is
     * initialised from the config with {@code b_dec} = the first batch's mean.
     *
     * @throws BadInputException       for a width mismatch or a NaN/Inf in the data (naming file and row)
     * @throws NonFiniteLossException  when the loss is NaN/Inf; the model is left as before that step, and no
     *                                 checkpoint is written
     * @throws UncheckedIOException    when the checkpointer fails (periodic saves only with
     *                                 {@link #retryFailedSaves} off); the previous checkpoint is then the last one
     */
    public Summary fit(BatchStream data) {
        int d = saeConfig.rowWidth();
        if (data.dim() != d) {
            throw new BadInputException("data: rows have " + data.dim() + " columns; expected the model's "
                    + widthName() + " " + d);
        }
        if (data.batchSize() != cfg.batchSize()) {
            throw new IllegalArgumentException("stream batch size " + data.batchSize() + " != config batch size "
                    + cfg.batchSize());
        }
        long total = totalSteps(data.batchesPerEpoch());
        OptimizerState opt = null;
        TrainState.EpochProgress progress = TrainState.EpochProgress.start(saeConfig.latents());
        if (resume != null) {
            if (resume.dataRows() != data.rows()) {
                throw new BadInputException(data.source() + ": " + data.rows() + " rows; expected the "
                        + resume.dataRows() + " rows the checkpoint was trained on, to resume the same run");
            }
            if (!resume.batches().equals(data.options())) {
                throw new IllegalArgumentException("resume with the checkpoint's batch options " + resume.batches()
                        + ", not " + data.options());
            }
            opt = resume.optimizer();
            data.seek(resume.next());
            if (resume.epoch() != null) {
                progress = resume.epoch();
            }
        }
        return loop(BatchSource.of(data), total, opt, progress, data, false);
    }

    /**
     * The step loop both {@code fit}s run: steps until {@code total} (counting the optimizer's earlier steps) or a
     * stop request, epoch lines, and checkpoints when {@code saved} (the stream behind {@code src}) is not null.
     * {@code closeCutEpoch}: whether an epoch cut short by the end of the run still gets its epoch line.
     */
    private Summary loop(BatchSource src, long total, OptimizerState opt, TrainState.EpochProgress progress,
            BatchStream saved, boolean closeCutEpoch) {
        EpochAccumulator acc = new EpochAccumulator(saeConfig.latents());
        acc.restore(progress);
        double epochSecondsBefore = progress.seconds();
        long epochStart = System.nanoTime();

        float[] x = new float[src.batchSize() * saeConfig.rowWidth()];
        long steps = 0;
        long tokens = 0;
        long start = System.nanoTime();
        long done = opt == null ? 0 : opt.step;
        long lastSaved = done;
        EpochStats last = null;
        TrainStep step = null;
        stopped = false;
        try {
            // The flag is read only between steps: a stop never splits a step, so the state saved is a real one.
            while (done < total && !stopRequested) {
                int epoch = (int) src.epoch();
                int rows = src.next(x);
                if (sae == null) {
                    sae = cfg.freshModel(saeConfig, x, rows);
                }
                if (opt == null) {
                    opt = new OptimizerState(sae);
                }
                if (step == null) {
                    step = stepFactory.create(sae, cfg, total, opt);
                }
                StepStats s = step.step(x, 0, rows, epoch);
                done = opt.step;
                steps++;
                tokens += rows;
                acc.add(s);
                for (TrainListener l : listeners) {
                    l.onStep(s);
                }
                if (src.epochEnded() || (closeCutEpoch && done >= total)) {
                    double secs = epochSecondsBefore + (System.nanoTime() - epochStart) / 1e9;
                    last = acc.stats(epoch + 1, cfg.epochs(), done, secs, src.batchSize());
                    for (TrainListener l : listeners) {
                        l.onEpoch(last);
                    }
                    acc.reset();
                    epochSecondsBefore = 0;
                    epochStart = System.nanoTime();
                }
                if (saved != null && checkpointer != null && checkpointEvery > 0 && done % checkpointEvery == 0
                        && done < total) {
                    if (save(opt, saved, total, acc.progress(epochSecondsBefore + (System.nanoTime() - epochStart)
                            / 1e9), retryFailedSaves)) {
                        lastSaved = done;
                    }
                }
            }
            stopped = stopRequested && done < total;
            stopRequested = false;
            if (saved != null && checkpointer != null && sae != null && opt != null && done != lastSaved) {
                save(opt, saved, total, acc.progress(epochSecondsBefore + (System.nanoTime() - epochStart) / 1e9),
                        false);
            }
        } finally {
            if (step != null) {
                step.close();
            }
        }
        return new Summary(sae, steps, tokens, (System.nanoTime() - start) / 1e9, last);
    }

    /** True when saved; false when it failed and {@code mayFail} (the failure then goes to the listeners). */
    private boolean save(OptimizerState opt, BatchStream data, long total, TrainState.EpochProgress epoch,
            boolean mayFail) {
        TrainState st = new TrainState(sae, opt, cfg, data.options(), data.position(), data.rows(), total, epoch);
        try {
            checkpointer.save(st);
            return true;
        } catch (IOException e) {
            if (!mayFail) {
                throw new UncheckedIOException(e);
            }
            for (TrainListener l : listeners) {
                l.onSaveFailed(st.step(), e);
            }
            return false;
        }
    }

    /** What a training row's width is called in messages. */
    private String widthName() {
        return saeConfig.transcoder() == null ? "dim" : "dim + d_out (input then target)";
    }
}
