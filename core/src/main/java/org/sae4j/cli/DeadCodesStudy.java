package org.sae4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.experiments.HeldOutStudy;
import org.sae4j.experiments.HeldOutStudy.Regime;
import org.sae4j.experiments.HeldOutStudy.Remedy;
import org.sae4j.experiments.HeldOutStudy.Run;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;

/**
 * {@code sae4j experiment dead-codes --data TRAIN --heldout HELD --out DIR}: every regime × remedy of
 * {@link HeldOutStudy}, each a {@code sae4j train} run in this process (the same code and options a user runs)
 * with {@code --eval-data HELD}, read back from its {@code --json} lines. Everything is checked before the first run;
 * DIR appears whole at the end or not at all.
 */
final class DeadCodesStudy {
    /** Files of DIR the study writes; an existing DIR holding anything else is refused, not replaced. */
    static final String RESULTS = "results.json";

    private DeadCodesStudy() {
    }

    /** The settings every run shares, from the options. */
    private record Plan(Path train, Path held, int dim, long trainRows, long heldRows, List<Regime> regimes,
                        List<Remedy> remedies, long steps, long tokensPerLatent, int batch, long deadWindow,
                        int evalPoints, long evalRows, long seed, int threads, boolean keepModels, boolean json) {
    }

    static void run(Args a, String[] argv, PrintStream out) throws IOException {
        String cmd = "experiment dead-codes --data";
        if (!a.given(Experiment.HELDOUT)) {
            throw new BadInputException(cmd + ": --heldout HELD is required (the rows every run is judged on)");
        }
        if (!a.given(Experiment.OUT)) {
            throw new BadInputException(cmd + ": --out DIR is required (a new directory for results.json, table.md"
                    + " and the plots)");
        }
        if (a.get(Experiment.QUICK)) {
            throw new BadInputException(cmd + " --quick: --quick is the synthetic experiment's; expected --steps or"
                    + " --tokens-per-latent to shorten the study");
        }
        if (a.given(Experiment.STEPS) && a.given(Experiment.TOKENS_PER_LATENT)) {
            throw new BadInputException(cmd + ": --steps and --tokens-per-latent both given; expected one of them");
        }
        Path outDir = a.get(Experiment.OUT).toAbsolutePath().normalize();
        checkOut(outDir);
        List<Regime> regimes = HeldOutStudy.regimes(names(a, Experiment.REGIMES));
        List<Remedy> remedies = HeldOutStudy.remedies(names(a, Experiment.REMEDIES));
        long steps = a.given(Experiment.STEPS) ? positive(a, Experiment.STEPS) : 0;
        long tpl = positive(a, Experiment.TOKENS_PER_LATENT);
        int batch = Models.positive(a, Experiment.BATCH);
        long window = a.given(Experiment.DEAD_WINDOW) ? positive(a, Experiment.DEAD_WINDOW) : 0;
        int evalPoints = Models.positive(a, Experiment.EVAL_POINTS);
        long evalRows = a.get(Experiment.EVAL_ROWS);
        if (evalRows < 0) {
            throw new BadInputException(cmd + " --eval-rows " + evalRows + ": expected ≥ 0 (0 = all)");
        }
        Path train = a.required(Experiment.DATA);
        Path held = a.get(Experiment.HELDOUT);
        Plan p;
        try (NpyDataset t = NpyDataset.open(train); NpyDataset h = NpyDataset.open(held)) {
            if (h.dim() != t.dim()) {
                throw new BadInputException("experiment dead-codes --heldout " + held + ": rows have " + h.dim()
                        + " columns; expected " + t.dim() + ", the width of --data " + train);
            }
            Models.checkRows(t);
            Models.checkRows(h);
            if (t.rows() < batch) {
                throw new BadInputException(train + ": " + t.rows() + " rows; expected at least --batch " + batch);
            }
            p = new Plan(train, held, t.dim(), t.rows(), h.rows(), regimes, remedies, steps, tpl, batch, window,
                    evalPoints, evalRows, a.get(Experiment.SEED), Models.threads(a), a.get(Experiment.KEEP_MODELS),
                    a.get(Experiment.JSON));
        }
        Plan plan = p;
        AtomicFiles.replaceDirectory(outDir, dir -> write(plan, argv, dir, out));
        if (!plan.json()) {
            out.println("wrote " + outDir + " (" + RESULTS + ", table.md, plots, command.txt)");
        }
    }

    private static void checkOut(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException(dir + ": exists and is not a directory; expected a directory for the study");
        }
        if (!AtomicFiles.isAbsentOrEmpty(dir) && !Files.exists(dir.resolve(RESULTS))) {
            throw new BadInputException(dir + ": exists and holds files that are not a dead-codes study; expected a"
                    + " new or empty directory (the study replaces the whole directory)");
        }
    }

    private static List<String> names(Args a, Opt<String> option) {
        return a.given(option) ? Arrays.stream(a.get(option).split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).toList() : null;
    }

    private static long positive(Args a, Opt<Long> option) {
        long v = a.get(option);
        if (v <= 0) {
            throw new BadInputException("experiment dead-codes " + option.name() + " " + v + ": expected a positive"
                    + " number");
        }
        return v;
    }

    /** Runs every regime × remedy and writes the outputs into {@code dir} (the directory being built). */
    private static void write(Plan p, String[] argv, Path dir, PrintStream out) throws IOException {
        List<Run> runs = new ArrayList<>();
        for (Regime regime : p.regimes()) {
            for (Remedy remedy : p.remedies()) {
                if (!remedy.appliesTo(regime)) {
                    continue;
                }
                Run r = runOne(p, regime, remedy, dir.resolve("models").resolve(regime.name() + "--" + remedy.name()));
                runs.add(r);
                out.println(p.json() ? Json.write(r.json()) : line(r));
            }
        }
        if (!p.keepModels()) {
            AtomicFiles.deleteTree(dir.resolve("models"));
        }
        Map<String, Object> results = new java.util.LinkedHashMap<>();
        results.put("command", command(argv));
        results.put("train", p.train().toString());
        results.put("train_rows", p.trainRows());
        results.put("heldout", p.held().toString());
        results.put("heldout_rows", p.heldRows());
        results.put("dim", (long) p.dim());
        results.put("runs", runs.stream().map(r -> (Object) r.json()).toList());
        Files.writeString(dir.resolve(RESULTS), Json.writePretty(results) + "\n");
        Files.writeString(dir.resolve("table.md"), HeldOutStudy.table(runs));
        for (Map.Entry<String, String> e : HeldOutStudy.plots(runs).entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
        Files.writeString(dir.resolve("command.txt"), command(argv) + "\n");
    }

    /** The command as typed ({@code argv} from "dead-codes" on), each word quoted where the shell needs it. */
    static String command(String[] argv) {
        StringBuilder s = new StringBuilder("./sae4j experiment");
        for (String w : argv) {
            s.append(' ').append(w.matches("[A-Za-z0-9_./=:,+@%-]+") ? w : "'" + w.replace("'", "'\\''") + "'");
        }
        return s.toString();
    }

    private static String line(Run r) {
        if (r.error() != null) {
            return r.regime() + " / " + r.remedy() + ": failed: " + r.error();
        }
        return String.format(Locale.ROOT, "%s / %s: window dead %.1f%% (%s), held-out EV %.4f R2 %.4f L0 %.1f"
                        + " no-fire %.1f%% dense %.1f%%, %,d tokens (%.0f per latent), %,.0f tok/s", r.regime(),
                r.remedy(), 100 * r.windowDead(), r.windowFilled() ? "window filled" : "window NOT filled",
                r.heldOutEv(), r.heldOutR2(), r.heldOutL0(), 100 * r.heldOutNoFire(), 100 * r.heldOutDense(),
                r.tokens(), r.tokensPerLatent(), r.tokensPerSecond());
    }

    /** The train arguments of one run: the shared settings, then the regime's, then the remedy's (later wins). */
    private static List<String> trainArgs(Plan p, Regime regime, Remedy remedy, Path model) {
        int latents = regime.latents(p.dim());
        long steps = p.steps() > 0 ? p.steps() : (p.tokensPerLatent() * latents + p.batch() - 1) / p.batch();
        // A window the run fills (a quarter of its tokens), at most train's default.
        long window = p.deadWindow() > 0 ? p.deadWindow() : Math.min(10_000_000L, Math.max(p.batch(),
                steps * p.batch() / 4));
        List<String> a = new ArrayList<>(List.of("--data", p.train().toString(), "--out", model.toString(),
                "--latents", Integer.toString(latents), "--batch", Integer.toString(p.batch()), "--steps",
                Long.toString(steps), "--seed", Long.toString(p.seed()), "--threads", Integer.toString(p.threads()),
                "--dead-window", Long.toString(window), "--checkpoint-every", "0",
                "--log-every", Long.toString(Math.max(1, steps / 100)),
                "--eval-data", p.held().toString(), "--eval-every", Long.toString(Math.max(1, steps / p.evalPoints())),
                "--eval-rows", Long.toString(p.evalRows()), "--json", "--quiet"));
        a.addAll(regime.args());
        a.addAll(remedy.args());
        return a;
    }

    @SuppressWarnings("unchecked")
    private static Run runOne(Plan p, Regime regime, Remedy remedy, Path model) throws IOException {
        List<String> args = trainArgs(p, regime, remedy, model);
        int latents = regime.latents(p.dim());
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            Train.run(args.toArray(String[]::new), new PrintStream(o, true, StandardCharsets.UTF_8),
                    new PrintStream(e, true, StandardCharsets.UTF_8));
        } catch (BadInputException | CommandExit ex) {
            // One run refused or stopped (a non-finite loss at the high lr, say): the study records it and goes on.
            return failed(regime, remedy, latents, args, ex.getMessage());
        }
        List<Double> dead = new ArrayList<>();
        List<Long> evalSteps = new ArrayList<>();
        List<Double> ev = new ArrayList<>();
        Map<String, Object> sum = null;
        double evalSeconds = 0;
        for (String l : o.toString(StandardCharsets.UTF_8).split("\n")) {
            if (l.isBlank()) {
                continue;
            }
            Map<String, Object> m = (Map<String, Object>) Json.parse(l);
            if (Boolean.TRUE.equals(m.get("summary"))) {
                sum = m;
            } else if (Boolean.TRUE.equals(m.get("heldout"))) {
                evalSteps.add(((Number) m.get("step")).longValue());
                ev.add(num(m, "explained_variance"));
                evalSeconds += num(m, "seconds");
            } else {
                dead.add(num(m, "window_dead_fraction"));
            }
        }
        if (sum == null || !sum.containsKey("heldout")) {
            return failed(regime, remedy, latents, args, "train printed no summary with held-out figures");
        }
        Map<String, Object> h = (Map<String, Object>) sum.get("heldout");
        return new Run(regime.name(), remedy.name(), latents, args, ((Number) sum.get("step")).longValue(),
                ((Number) sum.get("tokens")).longValue(), num(sum, "window_dead_fraction"),
                ((Number) sum.get("dead_window_tokens")).longValue(), Boolean.TRUE.equals(sum.get("dead_window_filled")),
                num(h, "r2"), num(h, "explained_variance"), num(h, "l0"), num(h, "no_fire_fraction"),
                num(h, "dense_fraction"), ((Number) h.get("rows")).longValue(), num(sum, "tokens_per_s"),
                num(sum, "seconds"), evalSeconds, doubles(dead),
                evalSteps.stream().mapToLong(Long::longValue).toArray(), doubles(ev), null);
    }

    private static Run failed(Regime regime, Remedy remedy, int latents, List<String> args, String why) {
        double nan = Double.NaN;
        return new Run(regime.name(), remedy.name(), latents, args, 0, 0, nan, 0, false, nan, nan, nan, nan, nan, 0,
                nan, nan, nan, new double[0], new long[0], new double[0], why);
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static double[] doubles(List<Double> l) {
        return l.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
