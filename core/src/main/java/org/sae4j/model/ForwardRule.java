package org.sae4j.model;

import org.sae4j.BadInputException;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.select.TopK;

/**
 * The parts of another library's forward pass that sae4j's own {@link Sae} does not have, kept as one explicit
 * collaborator of the model so that every encoder ({@link Sae#forward}, {@link SaeEncoder})
 * applies them in the same two places: an <em>input transform</em> per row before the encoder, and a <em>code
 * rule</em> per latent from the pre-activation {@code p = (x' [− b_dec])·W_encᵀ + b_enc} to the code.
 *
 * <ul>
 *   <li>{@link RowNorm}: SAELens {@code normalize_activations} {@code constant_norm_rescale} / {@code layer_norm}
 *       (SAELens {@code saes/sae.py} {@code _setup_activation_normalization}); reconstructions are mapped back with
 *       the same row's statistics, recomputed from the input.</li>
 *   <li>Exact JumpReLU thresholds: {@code z = relu(p)·[p > θ_j]} with θ as stored (SAELens
 *       {@code jumprelu_sae.py} {@code encode}; Gemma Scope). sae4j itself keeps {@code log θ}, and
 *       {@code (float) exp(log θ)} is not always the stored float, which would move codes near a threshold.</li>
 *   <li>Gated (SAELens {@code gated_sae.py} {@code encode}), with {@code b_enc = 0} in the model:
 *       {@code z = [p + b_gate > 0] · relu(p·exp(r_mag) + b_mag)}.</li>
 * </ul>
 * A rule that rewrites codes produces them directly; the model's activation must then be ReLU or JumpReLU (no TopK
 * selection follows). Immutable.
 */
public final class ForwardRule {
    /** Per-row input normalisation of SAELens; the inverse maps a reconstruction back to the input's units. */
    public enum RowNorm {
        NONE,
        /** {@code c = √d / ‖x‖}, {@code x' = c·x}, {@code x̂ = out / c}. */
        CONSTANT_NORM_RESCALE,
        /** {@code x' = (x − μ) / (σ + 1e-5)} with σ the unbiased std of the row; {@code x̂ = out·σ + μ}. */
        LAYER_NORM
    }

    private static final double LN_EPS = 1e-5;

    private final RowNorm norm;
    private final float[] threshold; // exact JumpReLU θ, or null
    private final float[] gateBias;  // gated: b_gate, exp(r_mag), b_mag; or null
    private final float[] magScale;
    private final float[] magBias;
    private final String origin;

    private ForwardRule(RowNorm norm, float[] threshold, float[] gateBias, float[] magScale, float[] magBias,
                        String origin) {
        this.norm = norm == null ? RowNorm.NONE : norm;
        this.threshold = threshold;
        this.gateBias = gateBias;
        this.magScale = magScale;
        this.magBias = magBias;
        this.origin = origin;
    }

    /** Only a row normalisation; codes as the model's own activation gives them. */
    public static ForwardRule rowNorm(RowNorm norm, String origin) {
        return new ForwardRule(norm, null, null, null, null, origin);
    }

    /** JumpReLU with the thresholds exactly as stored: {@code z = p} where {@code p > θ_j} and {@code p > 0}. */
    public static ForwardRule exactThresholds(float[] theta, RowNorm norm, String origin) {
        return new ForwardRule(norm, theta.clone(), null, null, null, origin);
    }

    /** Gated SAE: gate {@code p + b_gate > 0}, magnitude {@code relu(p·magScale + b_mag)}; the model's b_enc is 0. */
    public static ForwardRule gated(float[] gateBias, float[] magScale, float[] magBias, RowNorm norm,
                                    String origin) {
        if (gateBias.length != magScale.length || gateBias.length != magBias.length) {
            throw new IllegalArgumentException("gated: b_gate, r_mag and b_mag lengths differ");
        }
        return new ForwardRule(norm, null, gateBias.clone(), magScale.clone(), magBias.clone(), origin);
    }

    public RowNorm norm() {
        return norm;
    }

    /** Where the model came from, e.g. {@code "SAELens gated"}: for messages and {@code inspect}. */
    public String origin() {
        return origin;
    }

    /** Whether {@link #codes} replaces the model's activation. */
    public boolean rewritesCodes() {
        return threshold != null || gateBias != null;
    }

    public boolean gated() {
        return gateBias != null;
    }

    /** The exact JumpReLU thresholds (a copy), or {@code null}. */
    public float[] thresholds() {
        return threshold == null ? null : threshold.clone();
    }

    /** Gated parameters (copies): {@code b_gate}, {@code exp(r_mag)}, {@code b_mag}; {@code null} unless gated. */
    public float[][] gateParameters() {
        return gateBias == null ? null : new float[][] {gateBias.clone(), magScale.clone(), magBias.clone()};
    }

    /** Latent count the rule was built for, or −1 when it holds no per-latent parameters. */
    int latents() {
        return threshold != null ? threshold.length : gateBias != null ? gateBias.length : -1;
    }

    /**
     * Why sae4j's trainer cannot continue from this model, or {@code null} when it can (then the rule is dropped:
     * exact thresholds become the model's {@code log θ}).
     */
    public String trainingRefusal() {
        if (gateBias != null) {
            return "a gated SAE (" + origin + ") has no sae4j training counterpart";
        }
        if (norm != RowNorm.NONE) {
            return "its per-row input normalisation " + norm.name().toLowerCase(java.util.Locale.ROOT) + " ("
                    + origin + ") is not part of sae4j's training";
        }
        return null;
    }

    /** Rewrites pre-activations {@code pre[off .. off + cols)} of latents {@code col0 ..} into codes, in place. */
    public void codes(float[] pre, int off, int cols, int col0) {
        if (threshold != null) {
            for (int c = 0; c < cols; c++) {
                float p = pre[off + c];
                pre[off + c] = p > threshold[col0 + c] && p > 0f ? p : 0f;
            }
        } else if (gateBias != null) {
            for (int c = 0; c < cols; c++) {
                int j = col0 + c;
                float p = pre[off + c];
                // Same float operations as SAELens: the gate adds b_gate to x·W_enc; the magnitude adds b_mag to
                // x·(W_enc·exp(r_mag)), here as (x·W_enc)·exp(r_mag), equal up to rounding.
                pre[off + c] = p + gateBias[j] > 0f ? Math.max(p * magScale[j] + magBias[j], 0f) : 0f;
            }
        }
    }

    /** Normalises {@code rows} rows of width {@code d} in place ({@link RowNorm#NONE}: nothing). */
    public void normalize(float[] x, int off, int rows, int d) {
        for (int b = 0; b < rows; b++) {
            int o = off + b * d;
            switch (norm) {
                case NONE -> {
                    return;
                }
                case CONSTANT_NORM_RESCALE -> {
                    float c = constantNormCoefficient(x, o, d);
                    for (int i = 0; i < d; i++) {
                        x[o + i] *= c;
                    }
                }
                case LAYER_NORM -> {
                    float[] ms = meanStd(x, o, d);
                    float den = (float) (ms[1] + LN_EPS);
                    for (int i = 0; i < d; i++) {
                        x[o + i] = (x[o + i] - ms[0]) / den;
                    }
                }
            }
        }
    }

    /**
     * Maps {@code rows} reconstructions at {@code out[outOff..]} back to the units of the inputs they came from
     * ({@code x[xOff..]}, the inputs before {@link #normalize}), in place.
     */
    public void denormalize(float[] out, int outOff, float[] x, int xOff, int rows, int d) {
        for (int b = 0; b < rows; b++) {
            int o = outOff + b * d;
            int xo = xOff + b * d;
            switch (norm) {
                case NONE -> {
                    return;
                }
                case CONSTANT_NORM_RESCALE -> {
                    float c = constantNormCoefficient(x, xo, d);
                    for (int i = 0; i < d; i++) {
                        out[o + i] /= c;
                    }
                }
                case LAYER_NORM -> {
                    float[] ms = meanStd(x, xo, d);
                    for (int i = 0; i < d; i++) {
                        out[o + i] = out[o + i] * ms[1] + ms[0];
                    }
                }
            }
        }
    }

    // Statistics in double, rounded once to float: within float rounding of torch's float32 reductions.
    private static float constantNormCoefficient(float[] x, int o, int d) {
        double ss = 0;
        for (int i = 0; i < d; i++) {
            ss += (double) x[o + i] * x[o + i];
        }
        if (ss == 0) {
            throw new BadInputException("input row is all zeros; constant_norm_rescale divides by its norm");
        }
        return (float) (Math.sqrt(d) / Math.sqrt(ss));
    }

    private static float[] meanStd(float[] x, int o, int d) {
        double s = 0;
        for (int i = 0; i < d; i++) {
            s += x[o + i];
        }
        double mu = s / d;
        double ss = 0;
        for (int i = 0; i < d; i++) {
            double c = x[o + i] - (double) (float) mu;
            ss += c * c;
        }
        double sd = d > 1 ? Math.sqrt(ss / (d - 1)) : 0;
        return new float[] {(float) mu, (float) sd};
    }
}
