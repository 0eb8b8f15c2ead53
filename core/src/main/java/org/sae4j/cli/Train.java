package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.io.json.Json;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.EpochAccumulator;
import org.sae4j.train.EpochStats;
import org.sae4j.train.NonFiniteLossException;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainListener;
import org.sae4j.train.Trainer;
import org.sae4j.train.checkpoint.Checkpoint;

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
 * <p>A run is parse ({@link TrainRequest}: the command line) → plan ({@link TrainPlan}: fresh, resume or init, and
 * what the data fixes) → {@link #train} → {@link #report}. The options and how they map onto the configs are
 * {@link TrainOptions}, the resume rules {@link ResumeOptions}, the report's settings {@link TrainReport}; this
 * class runs the trainer and prints its progress.
 */
final class Train {
    private Train() {
    }

    static void run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        TrainRequest request = TrainRequest.parse(argv);
        TrainPlan.Start start = TrainPlan.start(request);
        try (NpyDataset data = Models.openData(request.data(), request.target());
             NpyDataset held = request.evalData() == null ? null
                     : Models.openData(request.evalData(), request.evalTarget())) {
            TrainPlan plan = start.withData(data, held);
            Outcome outcome = train(request, plan, data, held, out, err);
            report(request, plan, data, held, outcome, out);
        }
    }

    /**
     * How the training loop ended: its summary, the progress and held-out figures, and the stop to report (a
     * signal or a stop request) or null.
     */
    private record Outcome(Trainer.Summary summary, Progress progress, HeldOut heldOut, CommandExit stop) {
    }

    /** Runs the trainer with its listeners, checkpoints and stop signals; a failure says what was kept. */
    private static Outcome train(TrainRequest r, TrainPlan p, NpyDataset data, NpyDataset held, PrintStream out,
                                 PrintStream err) {
        Trainer trainer = p.trainer();
        TrainConfig cfg = p.cfg();
        Progress progress = new Progress(p.sc().latents(), p.total(), p.startStep(), p.perEpoch(), cfg.batchSize(),
                r.logEvery(), r.json(), r.quiet(), out, err, cfg.deadWindowTokens());
        trainer.addListener(progress);
        HeldOut heldOut = held == null ? null : new HeldOut(trainer::model, held, p.std(), r.evalRows(),
                r.evalEvery(), r.threads(), progress::heldOut);
        if (heldOut != null) {
            trainer.addListener(heldOut);
        }
        long[] lastSaved = checkpoints(r, p, err);
        if (!r.quiet()) {
            err.println(startLine(r, p, data));
        }
        Trainer.Summary summary;
        StopSignals signals = StopSignals.install(trainer::requestStop, () -> StopSignals.say(err,
                "sae4j train: second stop signal, aborting at once; " + lastSavedText(lastSaved[0], r.out())));
        try (signals; heldOut) {
            summary = trainer.fit(p.stream());
            if (heldOut != null) {
                heldOut.finish(p.startStep() + summary.steps()); // the end of the run, however it ended
            }
        } catch (NonFiniteLossException | BadInputException e) {
            throw new BadInputException(e.getMessage() + "; training stopped, "
                    + lastSavedText(lastSaved[0], r.out()), e);
        } catch (UncheckedIOException e) {
            // A failed save (disk full, permission, I/O error): Checkpoint names the file and the cause.
            throw new CommandExit(1, "train: " + e.getCause().getMessage() + "; training stopped, "
                    + lastSavedText(lastSaved[0], r.out()), e.getCause());
        }
        CommandExit stop = null;
        if (trainer.stopped()) {
            sun.misc.Signal sig = signals.received();
            String by = sig == null ? "a stop request" : StopSignals.name(sig);
            long at = p.startStep() + summary.steps();
            stop = new CommandExit(sig == null ? 1 : StopSignals.exitCode(sig), "train: stopped by " + by
                    + (lastSaved[0] == at ? " after step " + at + "; checkpoint saved in " + r.out()
                            + " (continue with --resume " + r.out() + ")"
                            : " before the first step; " + lastSavedText(lastSaved[0], r.out())), null);
        }
        return new Outcome(summary, progress, heldOut, stop);
    }

    /**
     * Saves into {@code --out} every {@code --checkpoint-every} steps and at the end; a failed save ends the run or
     * (--on-save-error retry) is retried at the next checkpoint. Returns the step last saved, kept current (-1: none).
     */
    private static long[] checkpoints(TrainRequest r, TrainPlan p, PrintStream err) {
        Trainer trainer = p.trainer();
        long[] lastSaved = {r.sameDir() ? p.startStep() : -1};
        trainer.checkpoints(r.checkpointEvery(), st -> {
            Checkpoint.save(r.out(), st, p.std(), p.source());
            lastSaved[0] = st.step();
        });
        trainer.retryFailedSaves(r.retrySaves());
        trainer.addListener(new TrainListener() {
            @Override
            public void onSaveFailed(long step, IOException cause) {
                err.println("sae4j train: " + cause.getMessage() + "; training on, retrying at step "
                        + Math.min(step + r.checkpointEvery(), p.total()) + " (--on-save-error retry)");
            }
        });
        return lastSaved;
    }

    /** The run's first line on stderr: the data, the model, the optimizer and where it goes. */
    private static String startLine(TrainRequest r, TrainPlan p, NpyDataset data) {
        SaeConfig sc = p.sc();
        TrainConfig cfg = p.cfg();
        return String.format(Locale.ROOT, "sae4j train: %s (%d rows × %s%s), %s %s n=%d%s, %s lr %s, batch %d, %d steps"
                        + "%s -> %s", r.data(), data.rows(), sc.transcoder() == null ? data.dim()
                        : sc.dim() + " → " + sc.outDim() + " of " + r.target(),
                p.std() == null ? "" : ", " + p.std(),
                sc.activation().id(), sc.transcoder() == null ? "SAE" : sc.skip() ? "skip transcoder"
                        : "transcoder", sc.latents(),
                sc.activation().usesK() ? " k=" + sc.k() : "", cfg.optimizer().id(), cfg.lr(),
                cfg.batchSize(), p.total(), p.startStep() > 0 ? " (resuming at step " + p.startStep() + ")" : "",
                r.out());
    }

    /** The summary (a line, or JSON), the {@code --report} page, then the stop if the run was stopped. */
    private static void report(TrainRequest r, TrainPlan p, NpyDataset data, NpyDataset held, Outcome o,
                               PrintStream out) throws IOException {
        Trainer.Summary summary = o.summary();
        Progress progress = o.progress();
        HeldOut heldOut = o.heldOut();
        if (r.json()) {
            out.println(Json.write(progress.summary(summary, r.out())));
        } else if (o.stop() != null) {
            // The stop line (stderr, from Main) says what happened.
        } else if (summary.steps() == 0) {
            out.printf(Locale.ROOT, "nothing to do: the run in %s is already at step %d of %d (extend it with"
                    + " --steps or --epochs)%n", r.out(), p.startStep(), p.total());
        } else {
            out.printf(Locale.ROOT, "trained %d steps (to step %d) in %.1f s, %.0f tokens/s; last window: loss"
                            + " %.5g, R2 %.4f, L0 %.2f, dead %.1f%%; %s%s; model in %s%n", summary.steps(),
                    p.startStep() + summary.steps(), summary.seconds(), summary.tokensPerSecond(), progress.lastLoss,
                    progress.lastR2, progress.lastL0, 100 * progress.lastDead, progress.windowText(),
                    heldOut == null || heldOut.last() == null ? "" : "; " + heldOut.last().line(), r.out());
        }
        if (r.report() != null) {
            Map<String, Object> settings = TrainReport.settings(r.argv(), r.data(), data, p.std(), p.sc(), p.cfg());
            if (held != null) {
                settings.put("held-out data", r.evalData() + " (" + held.rows() + " rows; " + (r.evalRows() == 0
                        ? "all" : "the first " + Math.min(r.evalRows(), held.rows())) + " used, every "
                        + (r.evalEvery() == 0 ? "run's end only" : r.evalEvery() + " steps and at the end") + ")");
            }
            Report.Density density = summary.steps() == 0 ? null
                    : TrainReport.density(summary, p.std(), data, p.cfg().batchSize());
            Report.write(r.report(), "sae4j train: " + r.data().getFileName() + " → " + r.out().getFileName(),
                    progress.reportRows(summary, density, heldOut == null ? null : heldOut.last()), settings,
                    progress.points, progress.deadWindow(), density,
                    heldOut == null ? List.of() : heldOut.points());
        }
        if (o.stop() != null) {
            throw o.stop();
        }
    }

    private static String lastSavedText(long step, Path dir) {
        return step >= 0 ? "the last good checkpoint (step " + step + ") is kept in " + dir : "nothing was written";
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
