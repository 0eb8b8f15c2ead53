package org.sae4j.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * The real-data dead-latent study (issue 22, src/docs/dead-codes.md "On real activations"): regimes where latents
 * die, crossed with every remedy, each run judged on held-out rows. Regimes and remedies are data, plain
 * {@code sae4j train} arguments, so that a new remedy is one line in {@link #REMEDIES}; {@code sae4j experiment
 * dead-codes --data … --heldout …} runs them, this class only says what to run and renders what came back.
 */
public final class HeldOutStudy {
    /** Training tokens per latent a run gets by default: fewer, and death is hard to tell from overfitting. */
    public static final long MIN_TOKENS_PER_LATENT = 1000;

    /**
     * One regime: a code rule at {@code widthMultiple} × the input width and its train arguments (activation, k or
     * penalty, lr). {@code topk} says whether the batchtopk remedy applies.
     */
    public record Regime(String name, int widthMultiple, boolean topk, List<String> args) {
        public int latents(int dim) {
            return widthMultiple * dim;
        }
    }

    /** One remedy: extra train arguments, appended after the regime's (a later value of an option wins). */
    public record Remedy(String name, List<String> args, Applies applies, String what) {
        public boolean appliesTo(Regime r) {
            return switch (applies) {
                case ALL -> true;
                case TOPK -> r.topk();
                case JUMPRELU -> r.args().contains("jumprelu");
            };
        }
    }

    /** Which regimes a remedy is defined for: BatchTopK replaces TopK, the pre-activation loss needs θ. */
    public enum Applies { ALL, TOPK, JUMPRELU }

    private static final String HIGH_LR = "2e-3";

    /**
     * TopK at 8×, 16×, 32× (k 32, 8, 16), ReLU+L1 and JumpReLU at 16×, each at train's default lr (5e-4) and a high
     * one. The L1 coefficient and JumpReLU's initial θ aim at L0 ≈ 16–64 on MiniLM activations without
     * standardisation; check the held-out L0 column and adjust them here if a run lands elsewhere. JumpReLU's L0 is
     * set by where θ starts, not by {@code --l0}: Adam moves log θ by about lr a step (θ₀ 1e-3 leaves L0 ≈ 500 after
     * 500 steps at any --l0 from 0.1 to 0.3; θ₀ 0.3 gives 118, θ₀ 1 gives 18).
     */
    public static final List<Regime> REGIMES = regimes();

    private static List<Regime> regimes() {
        List<Regime> base = List.of(
                new Regime("topk8x-k32", 8, true, List.of("--activation", "topk", "--k", "32")),
                new Regime("topk16x-k8", 16, true, List.of("--activation", "topk", "--k", "8")),
                new Regime("topk32x-k16", 32, true, List.of("--activation", "topk", "--k", "16")),
                new Regime("relu16x-l1", 16, false, List.of("--activation", "relu", "--l1", "5e-3")),
                new Regime("jumprelu16x-l0", 16, false, List.of("--activation", "jumprelu", "--l0", "1e-2",
                        "--jumprelu-threshold", "0.5")));
        List<Regime> all = new ArrayList<>();
        for (Regime r : base) {
            all.add(r);
            List<String> hi = new ArrayList<>(r.args());
            hi.addAll(List.of("--lr", HIGH_LR));
            all.add(new Regime(r.name() + "-lr" + HIGH_LR, r.widthMultiple(), r.topk(), List.copyOf(hi)));
        }
        return List.copyOf(all);
    }

    /** Each remedy alone (the others off), and sae4j's defaults as they ship. */
    public static final List<Remedy> REMEDIES = List.of(
            new Remedy("none", List.of("--reanimation", "0"), Applies.ALL, "no remedy at all"),
            new Remedy("default", List.of(), Applies.ALL, "sae4j's defaults: the seed's term 1e-3, batch mask"),
            new Remedy("seed-window", List.of("--reanimation-mask", "window"), Applies.ALL,
                    "the seed's term 1e-3, pushing latents not fired within --dead-window"),
            new Remedy("overcomplete", List.of("--reanimation-form", "overcomplete"), Applies.ALL,
                    "overcomplete's per-dead-latent form at 1e-3"),
            new Remedy("overcomplete-1e-6", List.of("--reanimation-form", "overcomplete", "--reanimation", "1e-6"),
                    Applies.ALL, "overcomplete's form at the strength of the seed's 1e-3 (dead-codes.md)"),
            new Remedy("auxk", List.of("--reanimation", "0", "--auxk", "0.03125"), Applies.ALL, "AuxK 1/32 alone"),
            new Remedy("default-auxk", List.of("--auxk", "0.03125"), Applies.ALL,
                    "the defaults and AuxK 1/32 together: revived latents also learn the residual"),
            new Remedy("batchtopk", List.of("--activation", "batchtopk", "--reanimation", "0"), Applies.TOPK,
                    "BatchTopK (k on average over the batch) alone, TopK regimes only"),
            new Remedy("resample", List.of("--reanimation", "0", "--resample-every", "250"), Applies.ALL,
                    "resampling (Anthropic 2023) of the latents dead over --dead-window, every 250 steps"),
            new Remedy("preact", List.of("--reanimation", "0", "--preact-loss", "3e-6"), Applies.JUMPRELU,
                    "the JumpReLU pre-activation loss (Anthropic, Jan 2025) at SAELens's 3e-6 (1e-3 costs 0.015 EV)"),
            new Remedy("center", List.of("--reanimation", "0", "--standardize", "center"), Applies.ALL,
                    "the input centred on the training mean, nothing else")
    );

    /** What one run ended with; {@code error} non-null when training refused or failed (the rest then NaN). */
    public record Run(String regime, String remedy, int latents, List<String> trainArgs, long steps, long tokens,
                      double windowDead, long deadWindowTokens, boolean windowFilled, double heldOutR2,
                      double heldOutEv, double heldOutL0, double heldOutNoFire, double heldOutDense, long heldOutRows,
                      double tokensPerSecond, double seconds, double evalSeconds, double[] deadCurve,
                      long[] evalSteps, double[] evCurve, String error) {
        public double tokensPerLatent() {
            return (double) tokens / latents;
        }

        /** The results.json object. */
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("regime", regime);
            m.put("remedy", remedy);
            m.put("latents", (long) latents);
            m.put("train_args", trainArgs);
            m.put("steps", steps);
            m.put("training_tokens", tokens);
            m.put("tokens_per_latent", finite(tokensPerLatent()));
            m.put("window_dead_fraction", finite(windowDead));
            m.put("dead_window_tokens", deadWindowTokens);
            m.put("dead_window_filled", windowFilled);
            m.put("heldout_r2", finite(heldOutR2));
            m.put("heldout_explained_variance", finite(heldOutEv));
            m.put("heldout_l0", finite(heldOutL0));
            m.put("heldout_no_fire_fraction", finite(heldOutNoFire));
            m.put("heldout_dense_fraction", finite(heldOutDense));
            m.put("heldout_rows", heldOutRows);
            m.put("tokens_per_s", finite(tokensPerSecond));
            m.put("seconds", finite(seconds));
            m.put("eval_seconds", finite(evalSeconds));
            m.put("window_dead_curve", list(deadCurve));
            List<Object> es = new ArrayList<>();
            for (long s : evalSteps) {
                es.add(s);
            }
            m.put("heldout_steps", es);
            m.put("heldout_ev_curve", list(evCurve));
            if (error != null) {
                m.put("error", error);
            }
            return m;
        }

        private static List<Object> list(double[] v) {
            List<Object> l = new ArrayList<>();
            for (double x : v) {
                l.add(finite(x));
            }
            return l;
        }

        /** JSON has no NaN: a figure a failed run never measured is null. */
        private static Double finite(double v) {
            return Double.isFinite(v) ? v : null;
        }
    }

    private HeldOutStudy() {
    }

    /** The named entries of {@code all}, in the order given; every name when {@code names} is null. */
    public static List<Regime> regimes(List<String> names) {
        return pick(names, REGIMES, Regime::name, "--regimes");
    }

    public static List<Remedy> remedies(List<String> names) {
        return pick(names, REMEDIES, Remedy::name, "--remedies");
    }

    private static <T> List<T> pick(List<String> names, List<T> all, java.util.function.Function<T, String> name,
                                    String option) {
        if (names == null) {
            return all;
        }
        List<T> out = new ArrayList<>();
        for (String n : names) {
            T found = all.stream().filter(t -> name.apply(t).equals(n)).findFirst().orElseThrow(() ->
                    new BadInputException("experiment dead-codes " + option + " '" + n + "': expected some of "
                            + String.join(",", all.stream().map(name).toList())));
            out.add(found);
        }
        if (out.isEmpty()) {
            throw new BadInputException("experiment dead-codes " + option + ": expected at least one name");
        }
        return out;
    }

    /** The Markdown table: one row per run, the figures the issue asks for. */
    public static String table(List<Run> runs) {
        StringBuilder t = new StringBuilder();
        t.append("| regime | remedy | window dead % | dense % | held-out EV | held-out R² | held-out L0 |"
                + " no-fire held-out % | tokens | tokens/latent | tokens/s |\n");
        t.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            if (r.error() != null) {
                t.append("| ").append(r.regime()).append(" | ").append(r.remedy()).append(" | failed: ")
                        .append(r.error().replace("|", "\\|")).append(" | | | | | | | | |\n");
                continue;
            }
            t.append(String.format(Locale.ROOT, "| %s | %s | %.1f%s | %.1f | %.4f | %.4f | %.1f | %.1f | %,d | %.0f%s |"
                            + " %,.0f |%n", r.regime(), r.remedy(), 100 * r.windowDead(),
                    r.windowFilled() ? "" : " (window not filled)", 100 * r.heldOutDense(), r.heldOutEv(),
                    r.heldOutR2(), r.heldOutL0(), 100 * r.heldOutNoFire(), r.tokens(), r.tokensPerLatent(),
                    r.tokensPerLatent() < MIN_TOKENS_PER_LATENT ? " (< " + MIN_TOKENS_PER_LATENT + ")" : "",
                    r.tokensPerSecond()));
        }
        return t.toString();
    }

    /**
     * The SVG plots, file name → contents: per regime, the windowed dead % over training and the held-out EV at
     * each evaluation, one line per remedy.
     */
    public static Map<String, String> plots(List<Run> runs) {
        Map<String, String> files = new LinkedHashMap<>();
        List<String> regimes = runs.stream().map(Run::regime).distinct().toList();
        for (String regime : regimes) {
            List<Run> rs = runs.stream().filter(r -> r.regime().equals(regime) && r.error() == null).toList();
            if (rs.isEmpty()) {
                continue;
            }
            List<LineChart.Series> dead = new ArrayList<>();
            double deadMax = 0;
            for (Run r : rs) {
                double[] pct = r.deadCurve().clone();
                for (int i = 0; i < pct.length; i++) {
                    pct[i] *= 100;
                    deadMax = Math.max(deadMax, pct[i]);
                }
                dead.add(new LineChart.Series(r.remedy(), pct));
            }
            String window = String.format(Locale.ROOT, "%,d", rs.get(0).deadWindowTokens());
            // The axis up to the next 10 % above the worst run, so 15 % dead is not a line along the floor.
            files.put("dead-" + regime + ".svg", LineChart.svg(regime + ": latents not fired within the last "
                    + window + " tokens (%) over training", "log point", dead, 0,
                    Math.min(100, Math.max(10, Math.ceil(deadMax / 10 + 1e-9) * 10)), 900, 360));
            files.put("heldout-ev-" + regime + ".svg", evChart(regime, rs));
        }
        return files;
    }

    /** How far below the median final EV a run may end and still set the EV axis. */
    static final double EV_OFF_SCALE = 0.1;

    /**
     * Held-out EV at each evaluation. The axis spans the runs that end within {@value #EV_OFF_SCALE} of the median
     * final EV, so one broken run (EV −11) does not flatten the others into one line; it is drawn at the floor and
     * its legend says where it ended.
     */
    static String evChart(String regime, List<Run> rs) {
        double[] finals = rs.stream().mapToDouble(r -> last(r.evCurve())).filter(Double::isFinite).sorted().toArray();
        double median = finals.length == 0 ? 0 : finals[finals.length / 2];
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Run r : rs) {
            if (last(r.evCurve()) >= median - EV_OFF_SCALE) {
                for (double v : r.evCurve()) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (!(lo <= hi)) {
            lo = 0;
            hi = 1;
        }
        lo = Math.max(-1, Math.floor(lo * 20) / 20);
        hi = Math.max(lo + 0.05, Math.ceil(hi * 20) / 20);
        List<LineChart.Series> ev = new ArrayList<>();
        for (Run r : rs) {
            double end = last(r.evCurve());
            ev.add(new LineChart.Series(end < lo ? String.format(Locale.ROOT, "%s (off scale: ends at %.2f)",
                    r.remedy(), end) : r.remedy(), r.evCurve()));
        }
        return LineChart.svg(regime + ": held-out explained variance at each evaluation", "evaluation", ev, lo, hi,
                900, 360);
    }

    private static double last(double[] y) {
        return y.length == 0 ? Double.NaN : y[y.length - 1];
    }
}
