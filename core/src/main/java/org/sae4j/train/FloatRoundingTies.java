package org.sae4j.train;

import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;

/**
 * Finds the discrete decisions of one training step that the float32 fused step may take differently from the
 * double reference: a pre-activation within rounding of a gate (0 for ReLU/TopK/BatchTopK/GroupMax/AuxK, θ for
 * JumpReLU, and the straight-through band's edges θ ± ε/2), or two pre-activations within rounding of each other at
 * a selection's cut (TopK per row, GroupMax per group, BatchTopK over the batch, AuxK's window-dead latents per row).
 * Such a decision is a discontinuity: one side gets a code of size ≈ θ (or the cut's value) and the other none, so
 * the two trajectories part by a finite step that no relative tolerance covers. Equivalence tests skip those cases;
 * everything else must still agree to rounding.
 *
 * <p>A decision {@code v > c} is certain when the reference's margin {@code |v − c|} exceeds how far the fused step's
 * float value can be from it: the drift {@code |v_ref − v_fused|} between the two parameter sets (both evaluated
 * exactly here) plus the worst-case float32 error of the fused step's own dot product, {@code γ_{d+2}·S} with
 * {@code S = |b_enc[j]| + Σ_i |x̃_i·W_enc[j,i]|} and {@code γ_m = m·u/(1 − m·u)}, {@code u = 2⁻²⁴} (Higham's bound,
 * for any summation order, FMA or not; the 2 extra cover the bias and {@code x − b_dec}). θ adds its own float
 * rounding ({@code (float) exp(log θ)}). This is a bound, not an estimate, so a flagged case is only a possible flip.
 *
 * <p>In main rather than in the tests because it is shared: core's equivalence properties and the test kit's
 * {@code FusedAgreement} (module {@code testkit}) skip the same cases.
 */
public final class FloatRoundingTies {
    private static final double U = 0x1p-24;

    private FloatRoundingTies() {
    }

    /**
     * Returns a description of the first decision of the coming step on rows {@code [off/d, off/d + rows)} of
     * {@code x} that float32 rounding may flip, or {@code null} when every decision is certain.
     *
     * @param ref        the reference step's parameters
     * @param fused      the fused step's parameters (the drift between the two counts against the margins)
     * @param windowDead the window-dead mask the step will use (AuxK's candidates)
     * @param w          the step's loss weights (AuxK on or off, k_aux)
     */
    public static String find(SaeConfig cfg, DoubleParams ref, DoubleParams fused, float[] x, int off, int rows,
                       boolean[] windowDead, LossWeights w) {
        int d = cfg.dim();
        int n = cfg.latents();
        double gamma = (d + 2) * U / (1 - (d + 2) * U);
        double[] preR = new double[rows * n];
        double[] slack = new double[rows * n]; // how far the fused float pre-activation may be from preR
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < n; j++) {
                double pr = ref.bEnc[j];
                double pf = fused.bEnc[j];
                double s = Math.abs(fused.bEnc[j]);
                for (int i = 0; i < d; i++) {
                    double xv = x[off + b * cfg.rowWidth() + i]; // a transcoder's rows also hold y
                    double xr = xv - (cfg.preEncoderBias() ? ref.bDec[i] : 0);
                    double xf = xv - (cfg.preEncoderBias() ? fused.bDec[i] : 0);
                    pr += xr * ref.wEnc[j * d + i];
                    pf += xf * fused.wEnc[j * d + i];
                    s += Math.abs(xf * fused.wEnc[j * d + i]);
                }
                preR[b * n + j] = pr;
                slack[b * n + j] = Math.abs(pr - pf) + gamma * s;
            }
        }
        Activation act = cfg.activation();
        boolean[] kept = new boolean[rows * n]; // selected by TopK/BatchTopK (every entry for ReLU/JumpReLU)
        java.util.Arrays.fill(kept, true);
        if (act == Activation.JUMPRELU) {
            double halfBand = 0.5 * cfg.jumpReluBandwidth();
            for (int j = 0; j < n; j++) {
                double thR = Math.exp(ref.logThreshold[j]);
                double thF = Math.exp(fused.logThreshold[j]);
                double thSlack = Math.abs(thR - thF) + U * thF;
                for (int b = 0; b < rows; b++) {
                    int at = b * n + j;
                    double m = slack[at] + thSlack;
                    if (Math.abs(preR[at] - thR) <= m) {
                        return String.format("JumpReLU gate: row %d, latent %d, pre − θ = %.3g within %.3g",
                                b, j, preR[at] - thR, m);
                    }
                    if (Math.abs(Math.abs(preR[at] - thR) - halfBand) <= m) {
                        return String.format("JumpReLU band edge: row %d, latent %d, |pre − θ| − ε/2 = %.3g within %.3g",
                                b, j, Math.abs(preR[at] - thR) - halfBand, m);
                    }
                }
            }
            return auxTies(cfg, preR, slack, rows, windowDead, w);
        }
        if (act == Activation.TOPK) {
            for (int b = 0; b < rows; b++) {
                String tie = cut(preR, slack, b * n, n, Math.min(cfg.k(), n), null, kept, "TopK, row " + b);
                if (tie != null) {
                    return tie;
                }
            }
        } else if (act == Activation.GROUPMAX) {
            int size = n / cfg.k();
            for (int b = 0; b < rows; b++) {
                for (int g = 0; g < cfg.k(); g++) {
                    String tie = cut(preR, slack, b * n + g * size, size, 1, null, kept,
                            "GroupMax, row " + b + " group " + g);
                    if (tie != null) {
                        return tie;
                    }
                }
            }
        } else if (act == Activation.BATCHTOPK) {
            String tie = cut(preR, slack, 0, rows * n, Math.min(rows * cfg.k(), rows * n), null, kept, "BatchTopK");
            if (tie != null) {
                return tie;
            }
        }
        for (int at = 0; at < rows * n; at++) {
            if (kept[at] && Math.abs(preR[at]) <= slack[at]) {
                return String.format("%s gate at 0: row %d, latent %d, pre = %.3g within %.3g", act, at / n,
                        at % n, preR[at], slack[at]);
            }
        }
        return auxTies(cfg, preR, slack, rows, windowDead, w);
    }

    /** AuxK: per row, the cut of the top-k_aux window-dead latents and their gate at 0. */
    private static String auxTies(SaeConfig cfg, double[] preR, double[] slack, int rows, boolean[] windowDead,
                                  LossWeights w) {
        int n = cfg.latents();
        int deadCount = 0;
        for (boolean b : windowDead) {
            deadCount += b ? 1 : 0;
        }
        if (w.auxkCoef() == 0 || deadCount == 0) {
            return null;
        }
        int nominal = w.auxkK() > 0 ? w.auxkK() : Math.max(1, cfg.dim() / 2);
        int kAux = Math.min(nominal, deadCount);
        boolean[] kept = new boolean[n];
        for (int b = 0; b < rows; b++) {
            String tie = cut(preR, slack, b * n, n, kAux, windowDead, kept, "AuxK, row " + b);
            if (tie != null) {
                return tie;
            }
            for (int j = 0; j < n; j++) {
                int at = b * n + j;
                if (kept[j] && Math.abs(preR[at]) <= slack[at]) {
                    return String.format("AuxK gate at 0: row %d, latent %d, pre = %.3g within %.3g", b, j,
                            preR[at], slack[at]);
                }
            }
        }
        return null;
    }

    /**
     * Marks in {@code kept} (indexed from {@code from}) the top {@code k} of {@code values[from, from + len)} among
     * the {@code eligible} ones (all when null), and reports a kept and a left-out entry whose order rounding may
     * swap. Exact ties (in the reference too) count: the two steps may break them differently.
     */
    private static String cut(double[] values, double[] slack, int from, int len, int k, boolean[] eligible,
                              boolean[] kept, String what) {
        Integer[] order = new Integer[len];
        int m = 0;
        for (int i = 0; i < len; i++) {
            if (eligible == null || eligible[i]) {
                order[m++] = i;
            }
        }
        Integer[] cand = java.util.Arrays.copyOf(order, m);
        java.util.Arrays.sort(cand, (p, q) -> Double.compare(values[from + q], values[from + p]));
        int base = eligible == null ? from : 0;
        java.util.Arrays.fill(kept, base, base + len, false);
        for (int r = 0; r < Math.min(k, m); r++) {
            kept[base + cand[r]] = true;
        }
        for (int r = 0; r < Math.min(k, m); r++) {
            int a = from + cand[r];
            for (int q = k; q < m; q++) {
                int o = from + cand[q];
                if (values[a] - values[o] <= slack[a] + slack[o]) {
                    return String.format("%s cut: kept %.6g and left out %.6g within %.3g", what, values[a],
                            values[o], slack[a] + slack[o]);
                }
            }
        }
        return null;
    }
}
