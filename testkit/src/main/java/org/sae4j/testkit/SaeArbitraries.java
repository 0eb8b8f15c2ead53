package org.sae4j.testkit;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;
import org.sae4j.train.DoubleParams;
import org.sae4j.train.LossWeights;
import org.sae4j.train.ReanimationForm;

/**
 * jqwik arbitraries for loss evaluations ({@link SaeCase}): every activation, small odd shapes, both decoder and
 * pre-encoder-bias settings, both re-animation forms, and the hard cases ({@link SaeCase.Hard}) mixed in at about
 * one case in three: a single row, latents dead in the batch, pre-activations at a gate, ties at the k-th value
 * (GroupMax: at a group's maximum), huge and tiny scales. Every case is a pure function of its shape and seed
 * ({@link #build}), so a failure reproduces from the values jqwik prints.
 *
 * <pre>{@code
 * @Property(tries = 200)
 * void myTermsGradient(@ForAll("cases") SaeCase c) {
 *     GradientCheck.of(c.withTerm(new MyTerm(), 0.5)).run().assertAgrees();
 * }
 * @Provide Arbitrary<SaeCase> cases() { return SaeArbitraries.cases(); }
 * }</pre>
 */
public final class SaeArbitraries {
    private SaeArbitraries() {
    }

    /** Cases of every activation with d ≤ 8, n ≤ 16, B ≤ 6. */
    public static Arbitrary<SaeCase> cases() {
        return cases(Arbitraries.of(Activation.class), 8, 16, 6);
    }

    /** Cases of one activation with d ≤ 8, n ≤ 16, B ≤ 6. */
    public static Arbitrary<SaeCase> cases(Activation act) {
        return cases(Arbitraries.just(act), 8, 16, 6);
    }

    /** Cases with the given activations and size bounds. */
    public static Arbitrary<SaeCase> cases(Arbitrary<Activation> acts, int maxDim, int maxLatents, int maxRows) {
        return Combinators.combine(acts, Arbitraries.integers().between(1, maxDim),
                        Arbitraries.integers().between(1, maxLatents), Arbitraries.integers().between(1, maxRows),
                        Arbitraries.integers().between(1, maxLatents), Arbitraries.integers().between(0, 15),
                        Arbitraries.longs(), hardCases())
                .as(SaeArbitraries::build);
    }

    /**
     * Matryoshka nestings of a dictionary of {@code latents}: any subset of the inner cut points (so one prefix,
     * the plain dictionary's loss, too), summed or averaged.
     */
    public static Arbitrary<org.sae4j.model.Matryoshka> matryoshka(int latents) {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.of(org.sae4j.model.Matryoshka.Loss.class))
                .as((seed, loss) -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    java.util.List<Integer> widths = new java.util.ArrayList<>();
                    for (int w = 1; w < latents; w++) {
                        if (r.nextInt(3) == 0) {
                            widths.add(w);
                        }
                    }
                    widths.add(latents);
                    return new org.sae4j.model.Matryoshka(widths, loss);
                });
    }

    /** TopK and BatchTopK cases with Matryoshka prefixes ({@link #matryoshka}). */
    public static Arbitrary<SaeCase> matryoshkaCases() {
        return cases(Arbitraries.of(Activation.TOPK, Activation.BATCHTOPK), 8, 16, 6)
                .flatMap(c -> matryoshka(c.cfg().latents()).map(m -> c.withConfig(c.cfg().withMatryoshka(m))));
    }

    /**
     * Transcoder cases of every activation: x of width d ≤ 8 reconstructs a target y of width d_out ≤ 8 (rows of
     * {@code x} hold x then y), half of them skip transcoders; no pre-encoder bias (a transcoder has none).
     */
    public static Arbitrary<SaeCase> transcoderCases() {
        return Combinators.combine(Arbitraries.of(Activation.class), Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(1, 8), Arbitraries.integers().between(1, 16),
                        Arbitraries.integers().between(1, 6), Arbitraries.integers().between(1, 16),
                        Arbitraries.integers().between(0, 15), Arbitraries.longs())
                .as((act, d, dOut, n, rows, k, flags, seed) -> transcoderCase(act, d, dOut, n, rows, k,
                        (flags & 2) != 0, flags, seed));
    }

    /**
     * One transcoder case, drawn as {@link #randomCase} draws an autoencoder's ({@code flags} bit 0 unit-norm, bit 2
     * weighted L1, bit 3 overcomplete re-animation), with W_skip Gaussian / √d when {@code skip}; the targets are a
     * fixed random linear map of the inputs plus noise, so the batch has structure to reconstruct.
     */
    public static SaeCase transcoderCase(Activation act, int d, int dOut, int n, int rows, int k, boolean skip,
                                         int flags, long seed) {
        SaeConfig cfg = new SaeConfig(d, n, act, fitK(act, n, k), (flags & 1) != 0, false, 1e-3, 0.1, seed)
                .withTranscoder(new org.sae4j.model.Transcoding(dOut, skip));
        SplittableRandom r = new SplittableRandom(seed);
        DoubleParams p = new DoubleParams(d, dOut, n, act == Activation.JUMPRELU, skip);
        for (int i = 0; i < p.wEnc.length; i++) {
            p.wEnc[i] = Gaussian.next(r) / Math.sqrt(d);
        }
        for (int i = 0; i < p.wDec.length; i++) {
            p.wDec[i] = Gaussian.next(r) / Math.sqrt(dOut);
        }
        if (skip) {
            for (int i = 0; i < p.wSkip.length; i++) {
                p.wSkip[i] = Gaussian.next(r) / Math.sqrt(d);
            }
        }
        for (int j = 0; j < n; j++) {
            p.bEnc[j] = 0.3 * Gaussian.next(r);
            if (p.logThreshold != null) {
                p.logThreshold[j] = Math.log(0.05 + 0.4 * r.nextDouble());
            }
        }
        for (int i = 0; i < dOut; i++) {
            p.bDec[i] = 0.2 * Gaussian.next(r);
        }
        double[] map = new double[dOut * d];
        for (int i = 0; i < map.length; i++) {
            map[i] = Gaussian.next(r) / Math.sqrt(d);
        }
        int w = d + dOut;
        float[] x = new float[rows * w];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                x[b * w + i] = (float) Gaussian.next(r);
            }
            for (int o = 0; o < dOut; o++) {
                double y = 0.3 * Gaussian.next(r);
                for (int i = 0; i < d; i++) {
                    y += map[o * d + i] * x[b * w + i];
                }
                x[b * w + d + o] = (float) y;
            }
        }
        LossWeights lw = new LossWeights(0.3, (flags & 8) != 0 ? ReanimationForm.OVERCOMPLETE : ReanimationForm.SEED,
                0.2, (flags & 4) != 0, 0.25, 0.4, Math.max(1, n / 4));
        boolean[] windowDead = new boolean[n];
        for (int j = 0; j < n; j++) {
            windowDead[j] = r.nextBoolean();
        }
        return new SaeCase(cfg, p, x, rows, lw, windowDead, r.nextBoolean(), SaeCase.Hard.NONE);
    }

    /** The hard cases, {@link SaeCase.Hard#NONE} twice as often as all others together. */
    public static Arbitrary<SaeCase.Hard> hardCases() {
        return Arbitraries.frequency(Tuple.of(12, SaeCase.Hard.NONE), Tuple.of(1, SaeCase.Hard.SINGLE_ROW),
                Tuple.of(1, SaeCase.Hard.DEAD_LATENTS), Tuple.of(1, SaeCase.Hard.AT_THRESHOLD),
                Tuple.of(1, SaeCase.Hard.TIE_AT_K), Tuple.of(1, SaeCase.Hard.HUGE_SCALE),
                Tuple.of(1, SaeCase.Hard.TINY_SCALE));
    }

    /** SAE configurations: every activation, d ≤ 8, n ≤ 16, both decoder and pre-encoder-bias settings. */
    public static Arbitrary<SaeConfig> configs() {
        return Combinators.combine(Arbitraries.of(Activation.class), Arbitraries.integers().between(1, 8),
                        Arbitraries.integers().between(1, 16), Arbitraries.integers().between(1, 16),
                        Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.longs())
                .as((act, d, n, k, unit, pre, seed) -> new SaeConfig(d, n, act, fitK(act, n, k), unit, pre, 1e-3,
                        0.1, seed));
    }

    /** k as drawn, at most n; for GroupMax the largest divisor of n up to it (the number of groups divides n). */
    static int fitK(Activation act, int n, int k) {
        return act == Activation.GROUPMAX ? GroupMax.groupsAtMost(n, k) : Math.min(k, n);
    }

    /**
     * One case. {@code flags}: bit 0 unit-norm decoder, bit 1 pre-encoder bias, bit 2 decoder-norm-weighted L1,
     * bit 3 the overcomplete re-animation form.
     */
    public static SaeCase build(Activation act, int d, int n, int rows, int k, int flags, long seed,
                                SaeCase.Hard hard) {
        int b = hard == SaeCase.Hard.SINGLE_ROW ? 1 : rows;
        SaeCase c = randomCase(act, d, n, b, k, (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0,
                (flags & 8) != 0 ? ReanimationForm.OVERCOMPLETE : ReanimationForm.SEED, 1e-3, seed);
        return harden(c, hard, new SplittableRandom(seed ^ 0x5DEECE66DL));
    }

    /**
     * The plain random case the project's own gradient properties have always used: Gaussian parameters scaled by
     * 1/√d, biases around 0, log θ for θ in [0.05, 0.45], a standard normal batch, coefficients re-animation 0.3,
     * L1 0.2, L0 0.25, AuxK 0.4 with k_aux = n/4, and a random window mask.
     */
    public static SaeCase randomCase(Activation act, int d, int n, int rows, int k, boolean unitNorm, boolean preEnc,
                                     boolean weightedL1, ReanimationForm form, double bandwidth, long seed) {
        SaeConfig cfg = new SaeConfig(d, n, act, fitK(act, n, k), unitNorm, preEnc, bandwidth, 0.1, seed);
        SplittableRandom r = new SplittableRandom(seed);
        DoubleParams p = new DoubleParams(d, n, act == Activation.JUMPRELU);
        for (int i = 0; i < p.wEnc.length; i++) {
            p.wEnc[i] = Gaussian.next(r) / Math.sqrt(d);
            p.wDec[i] = Gaussian.next(r) / Math.sqrt(d);
        }
        for (int j = 0; j < n; j++) {
            p.bEnc[j] = 0.3 * Gaussian.next(r);
            if (p.logThreshold != null) {
                p.logThreshold[j] = Math.log(0.05 + 0.4 * r.nextDouble());
            }
        }
        for (int i = 0; i < d; i++) {
            p.bDec[i] = 0.2 * Gaussian.next(r);
        }
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        LossWeights w = new LossWeights(0.3, form, 0.2, weightedL1, 0.25, 0.4, Math.max(1, n / 4));
        boolean[] windowDead = new boolean[n]; // any subset, independent of this batch
        for (int j = 0; j < n; j++) {
            windowDead[j] = r.nextBoolean();
        }
        return new SaeCase(cfg, p, x, rows, w, windowDead, r.nextBoolean(), SaeCase.Hard.NONE);
    }

    private static SaeCase harden(SaeCase c, SaeCase.Hard hard, SplittableRandom r) {
        SaeConfig cfg = c.cfg();
        DoubleParams p = c.params();
        int n = cfg.latents();
        boolean[] windowDead = c.windowDead().clone();
        switch (hard) {
            case DEAD_LATENTS -> {
                double[] pre = pre(c);
                for (int j = r.nextInt(3); j < n; j += 3) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int b = 0; b < c.rows(); b++) {
                        max = Math.max(max, pre[b * n + j]);
                    }
                    p.bEnc[j] -= max + 0.5; // every pre-activation of j at most −0.5: it fires nowhere
                    windowDead[j] = true;
                }
            }
            case AT_THRESHOLD -> atThreshold(c, r.nextInt(n));
            case TIE_AT_K -> {
                if (cfg.activation() == Activation.TOPK || cfg.activation() == Activation.BATCHTOPK) {
                    tieAtK(c);
                } else if (cfg.activation() == Activation.GROUPMAX && n / cfg.k() > 1) {
                    tieInGroup(c, r.nextInt(cfg.k()));
                } else {
                    atThreshold(c, r.nextInt(n));
                }
            }
            case HUGE_SCALE, TINY_SCALE -> {
                double s = hard == SaeCase.Hard.HUGE_SCALE ? 1e3 : 1e-3;
                float[] x = c.x();
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (x[i] * s);
                }
                for (int j = 0; j < n; j++) {
                    p.bEnc[j] *= s;
                    if (p.logThreshold != null) {
                        p.logThreshold[j] += Math.log(s);
                    }
                }
                for (int i = 0; i < p.bDec.length; i++) {
                    p.bDec[i] *= s;
                }
            }
            default -> {
            }
        }
        return new SaeCase(cfg, p, c.x(), c.rows(), c.weights(), windowDead, c.reanimationOnWindow(), hard);
    }

    /** Moves latent j's gate onto row 0's pre-activation: θ_j = pre (JumpReLU) or b_enc so that pre ≈ 0. */
    private static void atThreshold(SaeCase c, int j) {
        DoubleParams p = c.params();
        double pre = pre(c)[j];
        if (p.logThreshold != null && pre > 0) {
            p.logThreshold[j] = Math.log(pre);
        } else if (p.logThreshold != null) {
            p.bEnc[j] += Math.exp(p.logThreshold[j]) - pre;
        } else {
            p.bEnc[j] -= pre;
        }
    }

    /** Makes the k-th and (k+1)-th largest pre-activations equal: of row 0 (TopK) or of the batch (BatchTopK). */
    private static void tieAtK(SaeCase c) {
        int n = c.cfg().latents();
        boolean batch = c.cfg().activation() == Activation.BATCHTOPK;
        double[] pre = pre(c);
        int len = batch ? c.rows() * n : n;
        int k = batch ? c.rows() * c.cfg().k() : c.cfg().k();
        if (k >= len) {
            return;
        }
        Integer[] order = new Integer[len];
        for (int i = 0; i < len; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(pre[b], pre[a]));
        int kept = order[k - 1];
        int out = order[k];
        if (kept % n != out % n) {
            c.params().bEnc[out % n] += pre[kept] - pre[out];
        }
    }

    /**
     * Makes the largest and second-largest pre-activations of row 0 in GroupMax group g equal (by moving the second's
     * bias): the group's maximum is then a tie, which goes to the lower index.
     */
    private static void tieInGroup(SaeCase c, int g) {
        int n = c.cfg().latents();
        int size = n / c.cfg().k();
        double[] pre = pre(c);
        int first = g * size;
        int second = -1;
        for (int j = g * size + 1; j < (g + 1) * size; j++) {
            if (pre[j] > pre[first]) {
                second = first;
                first = j;
            } else if (second < 0 || pre[j] > pre[second]) {
                second = j;
            }
        }
        c.params().bEnc[second] += pre[first] - pre[second];
    }

    /** The pre-activations of the case's batch in double, B×n. */
    static double[] pre(SaeCase c) {
        SaeConfig cfg = c.cfg();
        DoubleParams p = c.params();
        int d = cfg.dim();
        int n = cfg.latents();
        double[] pre = new double[c.rows() * n];
        for (int b = 0; b < c.rows(); b++) {
            for (int j = 0; j < n; j++) {
                double s = p.bEnc[j];
                for (int i = 0; i < d; i++) {
                    s += (c.x()[b * d + i] - (cfg.preEncoderBias() ? p.bDec[i] : 0)) * p.wEnc[j * d + i];
                }
                pre[b * n + j] = s;
            }
        }
        return pre;
    }
}
