package org.sae4j.testkit;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;
import org.sae4j.train.DoubleParams;
import org.sae4j.train.FloatRoundingTies;
import org.sae4j.train.FusedStep;
import org.sae4j.train.NonFiniteLossException;
import org.sae4j.train.Optimizer;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.ReferenceStep;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainConfig;

/**
 * Runs N steps of the fused step (float32, what {@code Trainer} runs) and of the reference step (double) side by
 * side from the same model and compares the parameters after every step: per tensor
 * {@code ‖fused − reference‖ ≤ 1e-4·‖reference‖} (the largest it has been) plus, with Adam, 5 % of one learning-rate
 * step per element and step (Adam is scale-free: an element whose exact gradient cancels to ~0 moves by a fraction
 * of lr in float32 and not at all in double). A user term registered on the {@link TrainConfig} goes through both.
 *
 * <p>A step whose gates or selection cuts are within float32 rounding of flipping ({@link FloatRoundingTies}) is a
 * discontinuity, not an error: the run is skipped there (jqwik {@code Assume}), as are diverging runs.
 */
public final class FusedAgreement {
    private FusedAgreement() {
    }

    /**
     * One training run to compare: a model, its training configuration (user terms included) and 3 batches.
     *
     * @param densePath ReLU/JumpReLU: force the fused step's dense path (else its sparse one)
     */
    public record Run(SaeConfig cfg, Sae init, TrainConfig config, float[] data, int rows, boolean densePath) {

        /** This run with {@code tc} (e.g. {@code run.config().toBuilder().lossTerm(term, coef).build()}). */
        public Run withConfig(TrainConfig tc) {
            return new Run(cfg, init, tc, data, rows, densePath);
        }

        @Override
        public String toString() {
            return String.format("%s d=%d n=%d k=%d rows=%d seed=%d %s path, %s, %d threads", cfg.activation(),
                    cfg.dim(), cfg.latents(), cfg.k(), rows, cfg.seed(), densePath ? "dense" : "sparse",
                    config.optimizer(), config.threads());
        }
    }

    /**
     * Runs over every activation and both paths, d in [2, 24], n in [1, 48], B in [2, 12], 1–2 threads, Adam and
     * SGD, the re-animation term on (seed form) and an offset in the data that kills a few latents.
     */
    public static Arbitrary<Run> runs() {
        return Combinators.combine(Arbitraries.of(Activation.class), Arbitraries.integers().between(2, 24),
                        Arbitraries.integers().between(1, 48), Arbitraries.integers().between(2, 12),
                        Arbitraries.integers().between(1, 2), Arbitraries.of(Optimizer.class),
                        Arbitraries.of(true, false), Arbitraries.longs())
                .as(FusedAgreement::run);
    }

    /** One run (a pure function of its arguments). */
    public static Run run(Activation act, int d, int n, int rows, int threads, Optimizer optimizer,
                          boolean densePath, long seed) {
        int k = act == Activation.GROUPMAX ? GroupMax.groupsAtMost(n, n / 5) : Math.max(1, n / 5);
        SaeConfig cfg = new SaeConfig(d, n, act, k, true, false, 0.05, 0.05, seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[3 * rows * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (Gaussian.next(r) + (i % d == 0 ? 2 : 0)); // an offset kills a few latents
        }
        Sae init = Sae.initialize(cfg);
        init.initDecoderBiasToMean(data, 0, rows);
        for (int j = 0; j < n; j++) {
            init.bEnc()[j] = (float) (0.1 * Gaussian.next(r));
        }
        TrainConfig tc = TrainConfig.builder().batchSize(rows).lr(optimizer == Optimizer.ADAM ? 1e-3 : 1e-2)
                .optimizer(optimizer).clipGrad(0).reanimation(0.5).deadWindowTokens(2L * rows).threads(threads)
                .build();
        return new Run(cfg, init, tc, data, rows, densePath);
    }

    /**
     * The outcome after the steps that ran.
     *
     * @param tensor   the tensor with the largest ‖fused − reference‖ relative to its tolerance
     * @param step     the step after which it was measured
     * @param distance that ‖fused − reference‖
     * @param tolerance its tolerance
     */
    public record Report(String tensor, int step, double distance, double tolerance, String what) {
        public boolean agrees() {
            return !(distance > tolerance);
        }

        public Report assertAgrees() {
            if (!agrees()) {
                throw new AssertionError(toString());
            }
            return this;
        }

        @Override
        public String toString() {
            return String.format("fused and reference steps %s: ‖fused − reference‖ of %s after step %d is %.3g,"
                    + " tolerance %.3g; %s", agrees() ? "agree" : "DISAGREE", tensor, step, distance, tolerance, what);
        }
    }

    /** Runs {@code steps} steps of both and compares after each; stops at the first disagreement. */
    public static Report check(Run run, int steps) {
        Sae ref = run.init().copy();
        Sae fused = run.init().copy();
        TrainConfig tc = run.config();
        double[] scale = norms(run.init(), null);
        Report worst = new Report("-", -1, 0, 0, run.toString());
        double worstRatio = -1;
        try (ReferenceStep a = new ReferenceStep(ref, tc, steps);
             FusedStep b = new FusedStep(fused, tc, steps, new OptimizerState(fused), run.densePath() ? -1 : 2)) {
            for (int s = 0; s < steps; s++) {
                int off = (s % 3) * run.rows() * run.cfg().dim();
                boolean[] windowDead = new boolean[run.cfg().latents()];
                a.state().windowDead(tc.deadWindowTokens(), windowDead);
                Assume.that(FloatRoundingTies.find(run.cfg(), DoubleParams.of(ref), DoubleParams.of(fused),
                        run.data(), off, run.rows(), windowDead, tc.weights(a.state())) == null);
                StepStats sa;
                try {
                    sa = a.step(run.data(), off, run.rows(), 0);
                } catch (NonFiniteLossException diverged) {
                    Assume.that(false);
                    return worst;
                }
                Assume.that(sa.loss() < 1e6);
                // No code active in Adam's first step: b_dec's gradient is rounding noise, and Adam's sign-like
                // first step moves it by ≈ lr in whichever direction the rounding picks.
                Assume.that(!(s == 0 && tc.optimizer() == Optimizer.ADAM && sa.l0() == 0));
                b.step(run.data(), off, run.rows(), 0);
                norms(ref, scale);
                float[][] pr = ref.tensors();
                float[][] pf = fused.tensors();
                String[] names = ref.tensorNames();
                for (int t = 0; t < pr.length; t++) {
                    double diff2 = 0;
                    for (int i = 0; i < pr[t].length; i++) {
                        diff2 += Math.pow(pf[t][i] - pr[t][i], 2);
                    }
                    double adamSlack = tc.optimizer() == Optimizer.ADAM
                            ? 0.05 * tc.lr() * steps * Math.sqrt(pr[t].length) : 0;
                    double tol = 1e-4 * scale[t] + adamSlack;
                    double dist = Math.sqrt(diff2);
                    double ratio = tol > 0 ? dist / tol : (dist > 0 ? Double.POSITIVE_INFINITY : 0);
                    if (!(ratio <= worstRatio)) {
                        worstRatio = ratio;
                        worst = new Report(names[t], s, dist, tol, run.toString());
                    }
                }
                if (!worst.agrees()) {
                    return worst;
                }
            }
        }
        return worst;
    }

    /** Per tensor, the largest norm it has had, kept in {@code max} (null: a new array). */
    private static double[] norms(Sae sae, double[] max) {
        float[][] p = sae.tensors();
        double[] out = max != null ? max : new double[p.length];
        for (int t = 0; t < p.length; t++) {
            double ss = 0;
            for (float v : p[t]) {
                ss += (double) v * v;
            }
            out[t] = Math.max(out[t], Math.sqrt(ss));
        }
        return out;
    }
}
