package org.sae4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sae4j.BadInputException;
import org.sae4j.Sae;
import org.sae4j.SaeConfig;
import org.sae4j.metrics.DeadTracker;

/**
 * Trains an SAE over an in-memory dataset: epochs of seeded shuffled batches, one {@link TrainStep} per batch,
 * listeners for per-step and per-epoch figures. A trailing partial batch is dropped when at least one full batch
 * exists (so every step sees the same batch size); a dataset smaller than one batch trains on all its rows.
 */
public final class Trainer {

    /** Creates the step implementation for a model: the fused step by default, the reference for oracle runs. */
    @FunctionalInterface
    public interface StepFactory {
        TrainStep create(Sae sae, TrainConfig cfg, long totalSteps);
    }

    private final SaeConfig saeConfig;
    private final TrainConfig cfg;
    private final List<TrainListener> listeners = new ArrayList<>();
    private StepFactory stepFactory = FusedStep::new;
    private Sae sae;

    /** Trains a fresh model: parameters initialised from {@code saeConfig}, {@code b_dec} from the first batch. */
    public Trainer(SaeConfig saeConfig, TrainConfig cfg) {
        this.saeConfig = saeConfig;
        this.cfg = cfg;
    }

    /** Continues from existing weights (fine-tuning); {@code b_dec} is kept. */
    public Trainer(Sae sae, TrainConfig cfg) {
        this.saeConfig = sae.config();
        this.cfg = cfg;
        this.sae = sae;
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
     * Trains on {@code rows} rows of {@code data} (row-major, width {@code dim}).
     *
     * @throws BadInputException for a shape mismatch or a non-finite value (naming the row and column)
     */
    public Summary fit(float[] data, int rows) {
        int d = saeConfig.dim();
        if (rows <= 0 || data.length != (long) rows * d) {
            throw new BadInputException("data: have " + data.length + " values for " + rows + " rows; expected rows"
                    + " > 0 and rows × dim = " + rows + "×" + d);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new BadInputException("data: row " + i / d + " column " + i % d + " is " + data[i]
                        + "; expected finite values");
            }
        }
        int batch = Math.min(cfg.batchSize(), rows);
        long perEpoch = stepsPerEpoch(rows);
        long total = perEpoch * cfg.epochs();
        if (cfg.maxSteps() > 0) {
            total = Math.min(total, cfg.maxSteps());
        }
        int[] order = new int[rows];
        float[] x = new float[batch * d];
        long steps = 0;
        long tokens = 0;
        long start = System.nanoTime();
        EpochStats last = null;
        TrainStep step = null;
        try {
            DeadTracker tracker = new DeadTracker(saeConfig.latents());
            for (int epoch = 0; epoch < cfg.epochs() && steps < total; epoch++) {
                shuffle(order, epoch);
                tracker.reset();
                long epochStart = System.nanoTime();
                double lossSum = 0;
                double r2Sum = 0;
                double l0Sum = 0;
                int batches = 0;
                for (long bi = 0; bi < perEpoch && steps < total; bi++) {
                    for (int r = 0; r < batch; r++) {
                        System.arraycopy(data, order[(int) (bi * batch + r)] * d, x, r * d, d);
                    }
                    if (sae == null) {
                        sae = Sae.initialize(saeConfig);
                        sae.initDecoderBiasToMean(x, 0, batch);
                    }
                    if (step == null) {
                        step = stepFactory.create(sae, cfg, total);
                    }
                    StepStats s = step.step(x, 0, batch, epoch);
                    steps++;
                    tokens += batch;
                    batches++;
                    lossSum += s.loss();
                    r2Sum += s.r2();
                    l0Sum += s.l0();
                    tracker.observe(s.dead());
                    for (TrainListener l : listeners) {
                        l.onStep(s);
                    }
                }
                double secs = (System.nanoTime() - epochStart) / 1e9;
                last = new EpochStats(epoch + 1, cfg.epochs(), steps, lossSum / batches, r2Sum / batches,
                        l0Sum / batches, tracker.deadFraction(), secs, secs > 0 ? (double) batches * batch / secs : 0);
                for (TrainListener l : listeners) {
                    l.onEpoch(last);
                }
            }
        } finally {
            if (step != null) {
                step.close();
            }
        }
        return new Summary(sae, steps, tokens, (System.nanoTime() - start) / 1e9, last);
    }

    // Fisher-Yates with a generator derived from (seed, epoch): any epoch's order can be rebuilt on its own.
    private void shuffle(int[] order, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
