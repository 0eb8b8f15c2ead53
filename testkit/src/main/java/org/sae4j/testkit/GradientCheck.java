package org.sae4j.testkit;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import net.jqwik.api.Assume;
import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.LossWeights;
import org.sae4j.train.ReferenceLoss;
import org.sae4j.train.ReferenceLoss.Term;

/**
 * Checks the gradient of the reference loss ({@link ReferenceLoss}, double precision) of one {@link SaeCase}
 * against central finite differences, for every coordinate of W_enc, b_enc, W_dec and b_dec (JumpReLU's log θ has a
 * straight-through pseudo-gradient, not a derivative, so it is left out: a term's ∂L/∂count reaches only log θ and
 * is therefore not checked here). The user terms of the case's weights always
 * count; {@link #terms} chooses the built-in ones.
 *
 * <p>Scale-aware: the case's scale {@code s} is the power of ten nearest the batch's RMS; biases are perturbed by
 * {@code h = 1e-5·s} (weights by 1e-5), a point within {@code 1e-3·s} of a kink (a gate, a selection's cut, AuxK's
 * cut, a near-zero decoder row) is not differentiable and is skipped, and coordinate i passes when
 * <pre>
 *   |analytic − numeric| ≤ 1e-5·max(|analytic|, |numeric|) + 1e-7·max(M, s²)/s_i + 16·u·(M₊ + M₋)/(2h_i)
 * </pre>
 * with {@code M} the sum of the enabled terms' magnitudes (M₊, M₋ at ±h), {@code s_i} the tensor's scale ({@code s}
 * for biases, 1 for weights) and {@code u = 2⁻⁵³}: a relative part, a floor in the loss's own units, and the finite
 * difference's rounding (which dominates only when a term is huge, e.g. AuxK on two rows of width 1).
 *
 * <p>AuxK's residual target is detached in the loss; the check holds it fixed while parameters move, so the finite
 * difference sees the function the gradient describes.
 */
public final class GradientCheck {
    private static final double H = 1e-5;
    private static final double MARGIN = 1e-3;
    private static final double U = 0x1p-53;
    /**
     * Units of roundoff of the term magnitudes (at +h plus at −h) the central difference may be off by: the largest
     * seen over 20,000 tries with d ≤ 2 and 2–3 rows (where AuxK gets huge) was 3; 16 leaves a margin.
     */
    private static final double ROUNDING_ULPS = 16;

    private final SaeCase c;
    private Set<Term> terms = ReferenceLoss.ALL_TERMS;

    private GradientCheck(SaeCase c) {
        this.c = c;
    }

    /** A check of {@code c} with every built-in term and the case's user terms. */
    public static GradientCheck of(SaeCase c) {
        return new GradientCheck(c);
    }

    /** Which built-in terms count (user terms always do). */
    public GradientCheck terms(Set<Term> builtIns) {
        terms = builtIns.isEmpty() ? EnumSet.noneOf(Term.class) : EnumSet.copyOf(builtIns);
        return this;
    }

    /** The user terms alone: no built-in term. */
    public GradientCheck userTermsOnly() {
        return terms(EnumSet.noneOf(Term.class));
    }

    /**
     * The outcome: the coordinate with the largest |analytic − numeric| relative to its tolerance.
     *
     * @param skipped    why the point is not differentiable (null when it was checked)
     * @param coordinate the worst coordinate, e.g. {@code b_enc[17]} or {@code W_dec[3,5]} (row, column)
     * @param analytic   the hand-derived gradient there
     * @param numeric    the central difference there
     * @param tolerance  the allowed |analytic − numeric| there
     * @param checked    coordinates checked
     * @param magnitude  M, the sum of the enabled terms' magnitudes
     * @param what       the case and the terms, for the message
     */
    public record Report(String skipped, String coordinate, double analytic, double numeric, double tolerance,
                         int checked, double magnitude, String what) {

        /** Whether every coordinate was within its tolerance (false when skipped). */
        public boolean agrees() {
            return skipped == null && !(Math.abs(analytic - numeric) > tolerance);
        }

        /** Passes, fails with this report as the message, or (not differentiable here) aborts the try (jqwik Assume). */
        public Report assertAgrees() {
            Assume.that(skipped == null);
            if (!agrees()) {
                throw new AssertionError(toString());
            }
            return this;
        }

        @Override
        public String toString() {
            if (skipped != null) {
                return "gradient check skipped (" + skipped + "): " + what;
            }
            return String.format("gradient check %s at %s: analytic %.9g, numeric %.9g, |difference| %.3g, "
                            + "tolerance %.3g; %d coordinates checked; %s", agrees() ? "passed, worst" : "FAILED",
                    coordinate, analytic, numeric, Math.abs(analytic - numeric), tolerance, checked, what);
        }
    }

    /** Runs the check (the case's parameters are perturbed and restored). */
    public Report run() {
        SaeConfig cfg = c.cfg();
        LossWeights w = c.weights();
        String what = c + ", terms " + terms + " + user " + userTermNames(w);
        try (ReferenceLoss loss = new ReferenceLoss(cfg, 1)) {
            ReferenceLoss.Result base = loss.evaluate(c.params(), c.x(), 0, c.rows(), w, terms, false, c.aux(null));
            ReferenceLoss.Aux aux = c.aux(base.auxResidual);
            ReferenceLoss.Result r = loss.evaluate(c.params(), c.x(), 0, c.rows(), w, terms, true, aux);
            double s = scale(c.x());
            String kink = kink(r, s);
            if (kink != null) {
                return new Report(kink, null, 0, 0, 0, 0, 0, what);
            }
            double m = magnitude(r, w, terms);
            double[][] params = c.params().tensors();
            double[][] grads = r.grad.tensors();
            // W_enc, b_enc, W_dec, b_dec and a skip transcoder's W_skip (the last tensor, after any log θ).
            String[] names = {"W_enc", "b_enc", "W_dec", "b_dec", "W_skip"};
            int[] index = {0, 1, 2, 3, params.length - 1};
            int[] width = {cfg.dim(), 1, cfg.outDim(), 1, cfg.dim()};
            int tensors = c.params().wSkip != null ? 5 : 4;
            String worst = null;
            double worstRatio = -1;
            double wa = 0;
            double wn = 0;
            double wt = 0;
            int checked = 0;
            for (int k = 0; k < tensors; k++) {
                int t = index[k];
                boolean bias = k == 1 || k == 3;
                double st = bias ? s : 1;
                double h = H * st;
                for (int i = 0; i < params[t].length; i++) {
                    double saved = params[t][i];
                    params[t][i] = saved + h;
                    ReferenceLoss.Result up = loss.evaluate(c.params(), c.x(), 0, c.rows(), w, terms, false, aux);
                    params[t][i] = saved - h;
                    ReferenceLoss.Result down = loss.evaluate(c.params(), c.x(), 0, c.rows(), w, terms, false, aux);
                    params[t][i] = saved;
                    double fd = (up.loss - down.loss) / (2 * h);
                    double an = grads[t][i];
                    double tol = 1e-5 * Math.max(Math.abs(an), Math.abs(fd)) + 1e-7 * Math.max(m, s * s) / st
                            + ROUNDING_ULPS * U * (magnitude(up, w, terms) + magnitude(down, w, terms)) / (2 * h);
                    double ratio = Double.isNaN(an - fd) ? Double.POSITIVE_INFINITY : Math.abs(an - fd) / tol;
                    checked++;
                    if (ratio > worstRatio) {
                        worstRatio = ratio;
                        worst = bias ? names[k] + "[" + i + "]"
                                : names[k] + "[" + i / width[k] + "," + i % width[k] + "]";
                        wa = an;
                        wn = fd;
                        wt = tol;
                    }
                }
            }
            return new Report(null, worst, wa, wn, wt, checked, m, what);
        }
    }

    private static String userTermNames(LossWeights w) {
        StringBuilder b = new StringBuilder("[");
        for (LossWeights.Weighted t : w.userTerms()) {
            b.append(b.length() > 1 ? ", " : "").append(t.term().name()).append(" × ").append(t.coef());
        }
        return b.append(']').toString();
    }

    /** The power of ten nearest the batch's RMS (1 for an all-zero batch). */
    static double scale(float[] x) {
        double ss = 0;
        for (float v : x) {
            ss += (double) v * v;
        }
        double rms = Math.sqrt(ss / Math.max(1, x.length));
        return rms > 0 ? Math.pow(10, Math.round(Math.log10(rms))) : 1;
    }

    /**
     * The sum of the enabled terms' magnitudes: a loss evaluation's rounding error is a few units of roundoff of
     * this (not of the loss, whose terms can cancel), and the central difference divides that by 2h.
     */
    static double magnitude(ReferenceLoss.Result r, LossWeights w, Set<Term> terms) {
        double m = (terms.contains(Term.MSE) ? Math.abs(r.reconstructionLoss) : 0)
                + (terms.contains(Term.REANIMATION) ? Math.abs(w.reanimationCoef() * r.reanimation) : 0)
                + (terms.contains(Term.L1) ? Math.abs(w.l1Coef() * r.l1) : 0)
                + (terms.contains(Term.L0) ? Math.abs(w.l0Coef() * r.l0) : 0)
                + (terms.contains(Term.AUXK) ? Math.abs(w.auxkCoef() * r.auxk) : 0)
                + (terms.contains(Term.PREACT) ? Math.abs(w.preActCoef() * r.preAct) : 0);
        for (LossWeights.Weighted t : w.userTerms()) {
            Double v = r.terms.get(t.term().name());
            m += v == null ? 0 : Math.abs(t.term().loss(t.coef(), v));
        }
        return m;
    }

    /** Why the loss is not differentiable at this point (within 1e-3·s of a kink), or null. */
    private String kink(ReferenceLoss.Result r, double s) {
        SaeConfig cfg = c.cfg();
        int n = cfg.latents();
        int d = cfg.outDim();
        double margin = MARGIN * s;
        for (int j = 0; j < n; j++) {
            double n2 = 0;
            for (int i = 0; i < d; i++) {
                n2 += c.params().wDec[j * d + i] * c.params().wDec[j * d + i];
            }
            if (n2 < 0.01) {
                return "‖W_dec[" + j + "]‖ < 0.1: 1/‖W_dec‖ blows up the curvature";
            }
        }
        if (cfg.activation() == Activation.BATCHTOPK
                && !gapAtK(r.pre.clone(), Math.min(c.rows() * cfg.k(), r.pre.length), margin)) {
            return "BatchTopK's cut within the margin";
        }
        for (int b = 0; b < c.rows(); b++) {
            double[] row = Arrays.copyOfRange(r.pre, b * n, (b + 1) * n);
            for (int j = 0; j < n; j++) {
                double gate = cfg.activation() == Activation.JUMPRELU ? Math.exp(c.params().logThreshold[j]) : 0;
                if (Math.abs(row[j] - gate) < margin) {
                    return "row " + b + " latent " + j + " within the margin of its gate";
                }
            }
            if (cfg.activation() == Activation.TOPK && !gapAtK(row.clone(), cfg.k(), margin)) {
                return "TopK's cut in row " + b + " within the margin";
            }
            if (cfg.activation() == Activation.GROUPMAX) {
                int size = n / cfg.k();
                for (int g = 0; g < cfg.k(); g++) {
                    if (!gapAtK(Arrays.copyOfRange(row, g * size, (g + 1) * size), 1, margin)) {
                        return "GroupMax's maximum of group " + g + " in row " + b + " within the margin";
                    }
                }
            }
            if (!terms.contains(Term.AUXK) || c.weights().auxkCoef() == 0) {
                continue;
            }
            double[] deadPre = new double[n];
            int nd = 0;
            for (int j = 0; j < n; j++) {
                if (c.windowDead()[j]) {
                    deadPre[nd++] = row[j];
                    if (Math.abs(row[j]) < margin) {
                        return "AuxK: row " + b + " latent " + j + " within the margin of 0";
                    }
                }
            }
            if (!gapAtK(Arrays.copyOf(deadPre, nd), Math.min(c.weights().auxkK(), nd), margin)) {
                return "AuxK's cut in row " + b + " within the margin";
            }
        }
        return null;
    }

    /** Whether the k-th and (k+1)-th largest values are at least {@code margin} apart (true when k ≥ length). */
    private static boolean gapAtK(double[] v, int k, double margin) {
        if (k >= v.length || k <= 0) {
            return true;
        }
        Arrays.sort(v);
        return v[v.length - k] - v[v.length - k - 1] >= margin;
    }
}
