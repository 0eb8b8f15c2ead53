package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.Activation;
import org.sae4j.BadInputException;
import org.sae4j.SaeConfig;
import org.sae4j.formats.LoadedModel;
import org.sae4j.io.ActivationSource;
import org.sae4j.io.BatchOptions;
import org.sae4j.io.BatchStream;
import org.sae4j.io.Json;
import org.sae4j.io.NpyDataset;
import org.sae4j.io.Standardizer;
import org.sae4j.train.Checkpoint;
import org.sae4j.train.EpochAccumulator;
import org.sae4j.train.EpochStats;
import org.sae4j.train.NonFiniteLossException;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainListener;
import org.sae4j.train.TrainState;
import org.sae4j.train.Trainer;

/**
 * {@code sae4j train}: trains on a {@code .npy} file or a directory of shards, checkpointing into {@code --out}.
 *
 * <p>Three starts: fresh (architecture from the options, {@code b_dec} from the first batch), {@code --init DIR}
 * (that model's weights and standardisation, a fresh optimizer, the data from its start) and {@code --resume DIR}
 * (weights, optimizer, step, data position and settings from DIR's trainer state; {@code --steps}/{@code --epochs}
 * may extend the run, and {@code --out} defaults to DIR). {@code --steps S} and {@code --epochs E} count from the
 * start of the run, so {@code --steps 10} then {@code --resume --steps 20} equals {@code --steps 20}.
 *
 * <p>Nothing is written before the first checkpoint, so a run refused at the start leaves nothing behind; a run
 * stopped later by a non-finite loss or bad data row keeps its last good checkpoint.
 *
 * <p>The options and how they map onto the configs are {@link TrainOptions}, the resume rules {@link ResumeOptions},
 * the report's settings {@link TrainReport}; this class runs the command and prints its progress.
 */
final class Train {
    private Train() {
    }

    static void run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        Args a = TrainOptions.TABLE.parse(argv, 0);
        Path dataPath = Path.of(a.required("--data"));
        Path resumeDir = path(a, TrainOptions.RESUME);
        Path initDir = path(a, "--init");
        if (resumeDir != null) {
            ResumeOptions.checkNotWithResume(a);
        }
        Path outDir = path(a, "--out");
        if (outDir == null) {
            if (resumeDir == null) {
                throw new BadInputException("train: --out DIR is required (where checkpoints go)");
            }
            outDir = resumeDir;
        }
        if (a.given("--steps") && a.given("--epochs")) {
            throw new BadInputException("train: --steps and --epochs both given; expected one of them");
        }
        boolean json = a.flag("--json");
        boolean quiet = a.flag("--quiet");
        Path report = path(a, "--report");
        long checkpointEvery = a.longValue("--checkpoint-every");
        long logEvery = a.longValue("--log-every");
        if (checkpointEvery < 0) {
            throw new BadInputException("train --checkpoint-every " + checkpointEvery + ": expected ≥ 0 (0 = only at"
                    + " the end)");
        }
        if (logEvery <= 0) {
            throw new BadInputException("train --log-every " + logEvery + ": expected a positive number of steps");
        }
        Path evalPath = path(a, "--eval-data");
        Path targetPath = path(a, "--target");
        Path evalTargetPath = path(a, "--eval-target");
        if (evalTargetPath != null && (targetPath == null || evalPath == null)) {
            throw new BadInputException("train --eval-target: only with --target and --eval-data (a transcoder's"
                    + " held-out inputs and targets)");
        }
        if (targetPath != null && evalPath != null && evalTargetPath == null) {
            throw new BadInputException("train --eval-data " + evalPath + ": a transcoder's held-out rows need their"
                    + " targets; expected --eval-target PATH");
        }
        long evalEvery = a.longValue("--eval-every");
        long evalRows = a.longValue("--eval-rows");
        if (evalEvery < 0 || evalRows < 0) {
            throw new BadInputException("train --eval-" + (evalEvery < 0 ? "every " + evalEvery : "rows " + evalRows)
                    + ": expected ≥ 0 (0 = " + (evalEvery < 0 ? "only at the end)" : "all rows)"));
        }
        if (evalPath == null && (a.given("--eval-every") || a.given("--eval-rows"))) {
            throw new BadInputException("train: --eval-every and --eval-rows need --eval-data PATH (the held-out rows)");
        }
        boolean retrySaves = switch (a.string("--on-save-error")) {
            case "stop" -> false;
            case "retry" -> true;
            default -> throw new BadInputException("train --on-save-error " + a.string("--on-save-error")
                    + ": expected stop (end the run, exit 1) or retry (train on, try again at the next checkpoint)");
        };
        int threads = Models.threads(a);
        boolean sameDir = resumeDir != null && resumeDir.toAbsolutePath().normalize()
                .equals(outDir.toAbsolutePath().normalize());
        if (!sameDir) {
            checkOutDir(outDir, a.flag("--force"));
        }

        // Everything from the checkpoint (resume, init) or the options (fresh) that does not need the data.
        Checkpoint.Loaded loaded = null;
        if (resumeDir != null) {
            loaded = Checkpoint.load(resumeDir);
            if (loaded.state() == null) {
                throw new BadInputException(resumeDir.resolve(Checkpoint.STATE) + ": missing; expected a checkpoint"
                        + " with trainer state to resume (use --init to start a new run from these weights)");
            }
            ResumeOptions.check(a, resumeDir, loaded.sae().config(), loaded.standardizer(), loaded.state().config());
        } else if (initDir != null) {
            loaded = initFrom(a, initDir);
        }
        Activation act = null;
        if (a.given("--activation") || loaded == null) {
            act = Activation.parse(a.string("--activation"));
        }
        TrainConfig.Builder tb = resumeDir != null ? loaded.state().config().toBuilder()
                : TrainOptions.hyperParameters(a, act);
        if (resumeDir != null) { // the recorded --loss-term texts build the same terms again
            tb.lossTerms(LossTermSpec.rebuild(loaded.state().config().userTerms()));
        }
        tb.threads(threads);
        tb.build(); // refuses impossible values (negative lr, …) before any data is read

        try (NpyDataset data = Models.openData(dataPath, targetPath);
             NpyDataset held = evalPath == null ? null : Models.openData(evalPath, evalTargetPath)) {
            if (held != null && held.dim() != data.dim()) {
                throw new BadInputException("train --eval-data " + evalPath + ": rows have " + held.dim()
                        + " columns; expected " + data.dim() + ", the width of --data " + dataPath);
            }
            ActivationSource source = source(loaded, resumeDir, dataPath, evalPath);
            SaeConfig sc;
            if (loaded != null) {
                sc = loaded.sae().config();
                TrainOptions.checkSameArchitecture(a, act, sc, resumeDir != null ? resumeDir : initDir);
                Models.checkWidth(data, loaded.sae(), resumeDir != null ? resumeDir : initDir);
            } else {
                sc = TrainOptions.freshConfig(a, act, data);
            }
            Standardizer std; // null: inputs used as they are
            if (resumeDir == null && (a.given("--standardize") || loaded == null)) { // resume: the run's own (checked)
                Standardizer.Mode sm = TrainOptions.standardizeMode(a.string("--standardize"));
                std = sm == Standardizer.Mode.NONE ? null : Standardizer.fit(data, sm);
            } else {
                std = loaded.standardizer();
            }
            if (std != null && sc.transcoder() != null) {
                // One standardizer cannot map the input and the target, which live in two spaces.
                throw new BadInputException("train --standardize " + a.string("--standardize") + ": a transcoder"
                        + " uses its inputs and targets as given; expected --standardize none");
            }
            if (resumeDir != null && loaded.state().dataRows() != data.rows()) {
                throw new BadInputException(dataPath + ": " + data.rows() + " rows; expected the "
                        + loaded.state().dataRows() + " rows the checkpoint in " + resumeDir + " was trained on, to"
                        + " resume the same run");
            }
            BatchOptions bo = resumeDir != null ? loaded.state().batches()
                    : BatchOptions.of(tb.build().batchSize(), tb.build().seed());
            BatchStream stream = data.batches(bo, std);
            long perEpoch = stream.batchesPerEpoch();
            if (a.given("--steps")) {
                long s = a.longValue("--steps");
                if (s <= 0) {
                    throw new BadInputException("train --steps " + s + ": expected a positive number of steps");
                }
                long e = (s + perEpoch - 1) / perEpoch;
                if (e > Integer.MAX_VALUE) {
                    throw new BadInputException("train --steps " + s + ": more than 2^31 epochs of " + perEpoch
                            + " batches; expected fewer steps");
                }
                tb.maxSteps(s).epochs((int) e);
            } else if (a.given("--epochs")) {
                tb.epochs(a.integer("--epochs")).maxSteps(0);
            }
            TrainConfig cfg = tb.build();

            Trainer trainer;
            if (resumeDir != null) {
                TrainState st = loaded.state();
                trainer = new Trainer(st.sae(), cfg).resumeFrom(st);
            } else if (loaded != null) {
                trainer = new Trainer(loaded.sae(), cfg);
            } else {
                trainer = new Trainer(sc, cfg);
            }
            long total = Math.min(perEpoch * cfg.epochs(), cfg.maxSteps() > 0 ? cfg.maxSteps() : Long.MAX_VALUE);
            long startStep = resumeDir != null ? loaded.state().step() : 0;
            Progress progress = new Progress(sc.latents(), total, startStep, perEpoch, cfg.batchSize(), logEvery, json,
                    quiet, out, err, cfg.deadWindowTokens());
            trainer.addListener(progress);
            HeldOut heldOut = held == null ? null : new HeldOut(trainer::model, held, std, evalRows, evalEvery, threads,
                    progress::heldOut);
            if (heldOut != null) {
                trainer.addListener(heldOut);
            }
            Path target = outDir;
            Standardizer saveStd = std;
            long[] lastSaved = {sameDir ? startStep : -1};
            trainer.checkpoints(checkpointEvery, st -> {
                Checkpoint.save(target, st, saveStd, source);
                lastSaved[0] = st.step();
            });
            trainer.retryFailedSaves(retrySaves);
            trainer.addListener(new TrainListener() {
                @Override
                public void onSaveFailed(long step, IOException cause) {
                    err.println("sae4j train: " + cause.getMessage() + "; training on, retrying at step "
                            + Math.min(step + checkpointEvery, total) + " (--on-save-error retry)");
                }
            });
            if (!quiet) {
                err.printf(Locale.ROOT, "sae4j train: %s (%d rows × %s%s), %s %s n=%d%s, %s lr %s, batch %d, %d steps"
                                + "%s -> %s%n", dataPath, data.rows(), sc.transcoder() == null ? data.dim()
                                : sc.dim() + " → " + sc.outDim() + " of " + targetPath,
                        std == null ? "" : ", " + std,
                        sc.activation().id(), sc.transcoder() == null ? "SAE" : sc.skip() ? "skip transcoder"
                                : "transcoder", sc.latents(),
                        sc.activation().usesK() ? " k=" + sc.k() : "", cfg.optimizer().id(), cfg.lr(),
                        cfg.batchSize(), total, startStep > 0 ? " (resuming at step " + startStep + ")" : "",
                        outDir);
            }
            Trainer.Summary summary;
            StopSignals signals = StopSignals.install(trainer::requestStop, () -> StopSignals.say(err,
                    "sae4j train: second stop signal, aborting at once; " + lastSavedText(lastSaved[0], target)));
            try (signals; heldOut) {
                summary = trainer.fit(stream);
                if (heldOut != null) {
                    heldOut.finish(startStep + summary.steps()); // the end of the run, however it ended
                }
            } catch (NonFiniteLossException | BadInputException e) {
                throw new BadInputException(e.getMessage() + "; training stopped, "
                        + lastSavedText(lastSaved[0], outDir), e);
            } catch (UncheckedIOException e) {
                // A failed save (disk full, permission, I/O error): Checkpoint names the file and the cause.
                throw new CommandExit(1, "train: " + e.getCause().getMessage() + "; training stopped, "
                        + lastSavedText(lastSaved[0], outDir), e.getCause());
            }
            CommandExit stop = null;
            if (trainer.stopped()) {
                sun.misc.Signal sig = signals.received();
                String by = sig == null ? "a stop request" : StopSignals.name(sig);
                long at = startStep + summary.steps();
                stop = new CommandExit(sig == null ? 1 : StopSignals.exitCode(sig), "train: stopped by " + by
                        + (lastSaved[0] == at ? " after step " + at + "; checkpoint saved in " + outDir
                                + " (continue with --resume " + outDir + ")"
                                : " before the first step; " + lastSavedText(lastSaved[0], outDir)), null);
            }
            Map<String, Object> sum = progress.summary(summary, outDir);
            if (json) {
                out.println(Json.write(sum));
            } else if (stop != null) {
                // The stop line (stderr, from Main) says what happened.
            } else if (summary.steps() == 0) {
                out.printf(Locale.ROOT, "nothing to do: the run in %s is already at step %d of %d (extend it with"
                        + " --steps or --epochs)%n", outDir, startStep, total);
            } else {
                out.printf(Locale.ROOT, "trained %d steps (to step %d) in %.1f s, %.0f tokens/s; last window: loss"
                                + " %.5g, R2 %.4f, L0 %.2f, dead %.1f%%; %s%s; model in %s%n", summary.steps(),
                        startStep + summary.steps(), summary.seconds(), summary.tokensPerSecond(), progress.lastLoss,
                        progress.lastR2, progress.lastL0, 100 * progress.lastDead, progress.windowText(),
                        heldOut == null || heldOut.last() == null ? "" : "; " + heldOut.last().line(), outDir);
            }
            if (report != null) {
                Map<String, Object> settings = TrainReport.settings(argv, dataPath, data, std, sc, cfg);
                if (held != null) {
                    settings.put("held-out data", evalPath + " (" + held.rows() + " rows; " + (evalRows == 0
                            ? "all" : "the first " + Math.min(evalRows, held.rows())) + " used, every "
                            + (evalEvery == 0 ? "run's end only" : evalEvery + " steps and at the end") + ")");
                }
                Report.Density density = summary.steps() == 0 ? null
                        : TrainReport.density(summary, std, data, cfg.batchSize());
                Report.write(report, "sae4j train: " + dataPath.getFileName() + " → " + outDir.getFileName(),
                        progress.reportRows(summary, density, heldOut == null ? null : heldOut.last()), settings,
                        progress.points, progress.deadWindow(), density,
                        heldOut == null ? List.of() : heldOut.points());
            }
            if (stop != null) {
                throw stop;
            }
        }
    }

    private static String lastSavedText(long step, Path dir) {
        return step >= 0 ? "the last good checkpoint (step " + step + ") is kept in " + dir : "nothing was written";
    }

    private static Path path(Args a, String option) {
        String v = a.string(option, null);
        if (v != null && v.isBlank()) {
            throw new BadInputException("train " + option + ": expected a path, got an empty string");
        }
        return v == null ? null : Path.of(v);
    }

    /** The out dir must be new, empty, or (with --force) a sae4j model; never a stranger's files. */
    static void checkOutDir(Path dir, boolean force) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": exists and is not a directory; expected a directory for the model");
        }
        if (Checkpoint.exists(dir)) {
            if (!force) {
                throw new BadInputException(dir + ": already holds a sae4j model; expected a new directory (pass"
                        + " --force to replace it, or --resume " + dir + " to continue it)");
            }
        } else if (!Checkpoint.isAbsentOrEmpty(dir)) {
            throw new BadInputException(dir + ": exists and holds files that are not a sae4j model; expected a new or"
                    + " empty directory (sae4j replaces the whole directory at each checkpoint)");
        }
    }

    /**
     * What the training rows are, for cfg.json: --data's own record, else (a copy of the same rows) the checkpoint's;
     * a resume on rows of another tensor, or --eval-data of another tensor than --data, is refused.
     */
    private static ActivationSource source(Checkpoint.Loaded loaded, Path resumeDir, Path dataPath, Path evalPath)
            throws IOException {
        ActivationSource data = ActivationSource.of(dataPath);
        ActivationSource recorded = loaded == null ? null : loaded.source();
        if (resumeDir != null) {
            ActivationSource.check(recorded, data, "train --data " + dataPath, "the run in " + resumeDir
                    + " trains on", null);
        }
        ActivationSource src = data != null ? data : recorded;
        if (evalPath != null) {
            ActivationSource.check(src, ActivationSource.of(evalPath), "train --eval-data " + evalPath,
                    "the training rows are", null);
        }
        return src;
    }

    /**
     * The model {@code --init} starts from, in any format; an imported model whose forward pass sae4j's trainer
     * cannot express (gated, per-row input normalisation) is refused with the reason, and exact JumpReLU thresholds
     * continue as sae4j's {@code log θ}.
     */
    private static Checkpoint.Loaded initFrom(Args a, Path initDir) throws IOException {
        LoadedModel m = Models.load(a, initDir);
        if (m.sae().rule() != null) {
            String why = m.sae().rule().trainingRefusal();
            if (why != null) {
                throw new BadInputException("train --init " + initDir + ": " + why + "; expected a model sae4j can"
                        + " train (standard, topk or jumprelu without input normalisation)");
            }
            m.sae().withRule(null);
        }
        return new Checkpoint.Loaded(m.sae(), m.standardizer(), null, m.source());
    }

    /**
     * Progress for humans (stderr) and machines (--json) every {@code logEvery} steps, and about 200 points for the
     * report whatever the log interval. Figures are window means; the dead fraction is over the window's batches
     * (a single batch's is noisy when batches are small).
     */
    static final class Progress implements TrainListener {
        private final long total;
        private final long startStep;
        private final long perEpoch;
        private final int batch;
        private final long logEvery;
        private final long pointEvery;
        private final boolean json;
        private final boolean quiet;
        private final PrintStream out;
        private final PrintStream err;
        private final EpochAccumulator log;
        private final EpochAccumulator chart;
        private long logStart = System.nanoTime();
        private final long t0 = System.nanoTime();
        final List<Report.Point> points = new ArrayList<>();
        double lastLoss = Double.NaN;
        double lastR2 = Double.NaN;
        double lastL0 = Double.NaN;
        double lastDead = Double.NaN;
        private EpochStats lastEpoch;
        private final long deadWindowTokens;
        private double lastWindowDead = Double.NaN; // StepStats.windowDeadFraction of the last step
        private long lastDone;
        private HeldOut.Figures lastHeldOut;
        // The report's dead fraction: latents that fired in none of the last windowSteps batches, a window the run
        // fills (the --dead-window, or a tenth of the run when that is longer than the run).
        private final long windowSteps;
        private final long[] lastFired;

        Progress(int latents, long total, long startStep, long perEpoch, int batch, long logEvery, boolean json,
                 boolean quiet, PrintStream out, PrintStream err, long deadWindowTokens) {
            this.total = total;
            this.startStep = startStep;
            this.perEpoch = perEpoch;
            this.batch = batch;
            this.logEvery = logEvery;
            this.pointEvery = Math.max(1, (total - startStep) / 200);
            this.json = json;
            this.quiet = quiet;
            this.out = out;
            this.err = err;
            this.log = new EpochAccumulator(latents);
            this.chart = new EpochAccumulator(latents);
            long runTokens = Math.max(1, total - startStep) * batch;
            long windowTokens = Math.min(deadWindowTokens, Math.max(batch, runTokens / 10));
            this.windowSteps = Math.max(1, (windowTokens + batch - 1) / batch);
            this.deadWindowTokens = deadWindowTokens;
            this.lastFired = new long[latents];
            java.util.Arrays.fill(lastFired, startStep);
        }

        Report.DeadWindow deadWindow() {
            return new Report.DeadWindow(windowSteps * batch, windowSteps);
        }

        /** Fraction of latents not fired in the last windowSteps batches; NaN until the run has run that long. */
        private double windowDead(long done) {
            if (done - startStep < windowSteps) {
                return Double.NaN;
            }
            int dead = 0;
            for (long f : lastFired) {
                if (done - f >= windowSteps) {
                    dead++;
                }
            }
            return (double) dead / lastFired.length;
        }

        @Override
        public void onStep(StepStats s) {
            log.add(s);
            chart.add(s);
            long done = s.step() + 1;
            lastDone = done;
            lastWindowDead = s.windowDeadFraction();
            long now = System.nanoTime();
            boolean[] dead = s.dead();
            for (int j = 0; j < lastFired.length; j++) {
                if (!dead[j]) {
                    lastFired[j] = done;
                }
            }
            if (done % pointEvery == 0 || done == total) {
                points.add(new Report.Point(done, chart.meanLoss(), chart.meanR2(), chart.meanL0(), windowDead(done),
                        s.reanimationCoef(), s.terms()));
                chart.reset();
            }
            if (done % logEvery != 0 && done != total) {
                return;
            }
            double logSeconds = (now - logStart) / 1e9;
            double tps = logSeconds > 0 ? log.rows() / logSeconds : 0;
            double elapsed = (now - t0) / 1e9;
            double eta = done > startStep ? elapsed / (done - startStep) * (total - done) : 0;
            lastLoss = log.meanLoss();
            lastR2 = log.meanR2();
            lastL0 = log.meanL0();
            lastDead = log.deadFraction();
            long epoch = s.epoch() + 1;
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("step", done);
                m.put("epoch", epoch);
                m.put("loss", lastLoss);
                m.put("mse", log.meanMse());
                m.put("r2", lastR2);
                m.put("explained_variance", log.meanExplainedVariance());
                m.put("l0", lastL0);
                m.put("dead_fraction", lastDead);
                m.put("window_dead_fraction", s.windowDeadFraction()); // not fired within --dead-window tokens
                m.put("tokens_per_s", tps);
                m.put("reanimation_coef", s.reanimationCoef());
                m.put("auxk", s.auxk()); // AuxK's normalised error before its coefficient, 0 when off
                m.putAll(s.terms()); // user loss terms by name: value before the coefficient, this step's
                m.put("lr", s.lr());
                out.println(Json.write(m));
            }
            if (!quiet) {
                err.printf(Locale.ROOT, "step %d/%d  epoch %d/%d  %.0f tok/s  loss %.5g  R2 %.4f  L0 %.2f  dead %.1f%%"
                                + "  ETA %s%n", done, total, epoch, (total + perEpoch - 1) / perEpoch, tps, lastLoss,
                        lastR2, lastL0, 100 * lastDead, clock(eta));
            }
            log.reset();
            logStart = now;
        }

        /** One held-out evaluation: its line on stderr, its object on stdout with --json. */
        void heldOut(HeldOut.Figures f) {
            lastHeldOut = f;
            if (json) {
                out.println(Json.write(f.json()));
            }
            if (!quiet) {
                err.println(f.line());
            }
        }

        /**
         * Whether the run has trained on a whole --dead-window of tokens since step 0: before that no latent can
         * be window-dead, so the windowed dead fraction reads 0 and says nothing.
         */
        boolean windowFilled() {
            return lastDone * batch >= deadWindowTokens;
        }

        /** The windowed dead fraction as the summary line states it. */
        String windowText() {
            return String.format(Locale.ROOT, "window dead %.1f%% over the last %s tokens (%s)", 100 * lastWindowDead,
                    Report.group(deadWindowTokens), windowFilled() ? "window filled"
                            : "window not filled: " + Report.group(lastDone * batch) + " tokens trained");
        }

        @Override
        public void onEpoch(EpochStats e) {
            lastEpoch = e;
            if (!quiet) {
                err.println(e.line());
            }
        }

        Map<String, Object> summary(Trainer.Summary s, Path outDir) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("summary", true);
            m.put("step", startStep + s.steps());
            m.put("steps_this_run", s.steps());
            m.put("total_steps", total);
            m.put("tokens", s.tokens());
            m.put("seconds", s.seconds());
            m.put("tokens_per_s", s.tokensPerSecond());
            if (!points.isEmpty()) {
                m.put("loss", lastLoss);
                m.put("r2", lastR2);
                m.put("l0", lastL0);
                m.put("dead_fraction", lastDead);
            }
            if (lastDone > 0) { // not fired within --dead-window tokens, after the last step
                m.put("window_dead_fraction", lastWindowDead);
                m.put("dead_window_tokens", deadWindowTokens);
                m.put("dead_window_filled", windowFilled());
            }
            if (lastHeldOut != null) {
                Map<String, Object> h = new LinkedHashMap<>(lastHeldOut.json());
                h.remove("heldout");
                m.put("heldout", h);
            }
            if (lastEpoch != null) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("epoch", (long) lastEpoch.epoch());
                e.put("loss", lastEpoch.loss());
                e.put("r2", lastEpoch.r2());
                e.put("l0", lastEpoch.l0());
                e.put("dead_fraction", lastEpoch.deadFraction());
                m.put("last_epoch", e);
            }
            m.put("batch_size", (long) batch);
            m.put("out", outDir.toString());
            return m;
        }

        /** The report's summary table: what a user looks for first. */
        List<Report.Row> reportRows(Trainer.Summary s, Report.Density d, HeldOut.Figures h) {
            List<Report.Row> r = new ArrayList<>();
            if (h != null) {
                String on = "final model on " + Report.group(h.rows()) + " held-out rows (--eval-data)";
                r.add(new Report.Row("held-out EV", String.format(Locale.ROOT, "%.4f", h.explainedVariance()),
                        "1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²), float64; " + on));
                r.add(new Report.Row("held-out R²", String.format(Locale.ROOT, "%.4f", h.r2()),
                        "1 − mse / variance of all entries (the train log's form); " + on));
                r.add(new Report.Row("held-out L0", String.format(Locale.ROOT, "%.2f", h.l0()), on));
                r.add(new Report.Row("held-out no-fire", String.format(Locale.ROOT, "%.1f %%",
                        100 * h.noFireFraction()), "latents with a positive code on no held-out row"));
                r.add(new Report.Row("held-out dense", String.format(Locale.ROOT, "%.1f %%", 100 * h.denseFraction()),
                        "latents firing on more than " + Report.fmt(100 * HeldOut.DENSE_THRESHOLD)
                                + " % of held-out rows"));
            }
            if (lastDone > 0) {
                r.add(new Report.Row("window dead", String.format(Locale.ROOT, "%.1f %%", 100 * lastWindowDead),
                        "latents not fired within the last " + Report.group(deadWindowTokens) + " tokens (--dead-window)"
                                + (windowFilled() ? "" : "; window not filled: the run trained on "
                                + Report.group(lastDone * batch) + " tokens")));
            }
            if (d != null) {
                String on = "final model on " + (d.rows() < d.dataRows() ? "the first " : "all ")
                        + Report.group(d.rows()) + " rows";
                r.add(new Report.Row("R²", String.format(Locale.ROOT, "%.4f", d.r2()),
                        "1 − mse / variance of all entries (overcomplete's); " + on));
                r.add(new Report.Row("explained variance", String.format(Locale.ROOT, "%.4f", d.explainedVariance()),
                        "1 − FVU, per feature (SAELens, sparsify); " + on));
                r.add(new Report.Row("L0", String.format(Locale.ROOT, "%.2f", d.l0()), "active latents per row; " + on));
                int n = d.frequency().length;
                r.add(new Report.Row("dead", String.format(Locale.ROOT, "%.1f %% (%d of %d)", 100.0 * d.dead() / n,
                        d.dead(), n), "latents that fire on none of those rows"));
                r.add(new Report.Row("dense", String.format(Locale.ROOT, "%.1f %% (%d of %d)", 100.0 * d.dense() / n,
                        d.dense(), n), "latents that fire on more than " + Report.fmt(100 * d.denseThreshold())
                        + " % of those rows"));
            }
            if (!points.isEmpty()) {
                r.add(new Report.Row("loss", Report.fmt(lastLoss), "training loss, mean of the last log window"));
            }
            r.add(new Report.Row("tokens/s", String.format(Locale.ROOT, "%,.0f", s.tokensPerSecond()),
                    "training rows per second"));
            r.add(new Report.Row("wall time", clock(s.seconds()), "training, this run"));
            r.add(new Report.Row("steps", String.format(Locale.ROOT, "%,d (to step %,d of %,d)", s.steps(),
                    startStep + s.steps(), total), batch + " rows per step"));
            r.add(new Report.Row("tokens", String.format(Locale.ROOT, "%,d", s.tokens()), "rows trained on, this run"));
            return r;
        }

        private static String clock(double seconds) {
            long s = Math.round(seconds);
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
    }
}
