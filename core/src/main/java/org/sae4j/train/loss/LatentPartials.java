package org.sae4j.train.loss;

import java.util.Arrays;

/**
 * The per-latent gradient coefficients the {@link LossTerm}s of one step add up, each the partial of the loss with
 * respect to one per-latent aggregate (coefficients included). One buffer per step, reused; terms add in a fixed
 * order (built-ins, then user terms in registration order), so every step sums them the same way.
 * <ul>
 *   <li>{@link #addSumPre}: ∂L/∂(Σ_b pre_bj), added to ∂L/∂pre at every row of latent j, fired or not.</li>
 *   <li>{@link #addSumZ}: ∂L/∂(Σ_b z_bj), added to ∂L/∂z at every kept entry of latent j; only from
 *       {@link LossTerm#codeGradient}, before the forward pass.</li>
 *   <li>{@link #addDecoderNorm}: ∂L/∂‖W_dec[j]‖, added to ∂L/∂W_dec[j] as {@code g·W_dec[j]/‖W_dec[j]‖}.</li>
 *   <li>{@link #addCount}: ∂L/∂count_j (JumpReLU only: it reaches θ_j through the straight-through estimate,
 *       {@code −g/ε} per entry within ε/2 of θ_j; for the other activations a count has no gradient); only from
 *       {@link LossTerm#codeGradient}.</li>
 * </ul>
 */
public final class LatentPartials {
    private final double[] dSumPre;
    private final double[] dSumZ;
    private final double[] dDecNorm;
    private final double[] dCount;
    private boolean pre;
    private boolean count;
    private boolean z;
    private boolean norm;

    public LatentPartials(int latents) {
        dSumPre = new double[latents];
        dSumZ = new double[latents];
        dDecNorm = new double[latents];
        dCount = new double[latents];
    }

    /** Adds {@code v} to ∂L/∂count_j (in {@link LossTerm#codeGradient} only; JumpReLU only). */
    public void addCount(int j, double v) {
        dCount[j] += v;
        count = true;
    }

    /** ∂L/∂count_j, or null when no term added any. */
    public double[] count() {
        return count ? dCount : null;
    }

    /** Adds {@code v} to ∂L/∂(Σ_b pre_bj). */
    public void addSumPre(int j, double v) {
        dSumPre[j] += v;
        pre = true;
    }

    /** Adds {@code v} to ∂L/∂(Σ_b z_bj) (in {@link LossTerm#codeGradient} only). */
    public void addSumZ(int j, double v) {
        dSumZ[j] += v;
        z = true;
    }

    /** Adds {@code v} to ∂L/∂‖W_dec[j]‖. */
    public void addDecoderNorm(int j, double v) {
        dDecNorm[j] += v;
        norm = true;
    }

    /** ∂L/∂(Σ_b pre_bj), or null when no term added any (the step then skips them entirely). */
    public double[] sumPre() {
        return pre ? dSumPre : null;
    }

    /** ∂L/∂(Σ_b z_bj), or null when no term added any. */
    public double[] sumZ() {
        return z ? dSumZ : null;
    }

    /** ∂L/∂‖W_dec[j]‖, or null when no term added any. */
    public double[] decoderNorm() {
        return norm ? dDecNorm : null;
    }

    /** Clears for the next step. */
    public void clear() {
        if (pre) {
            Arrays.fill(dSumPre, 0);
            pre = false;
        }
        if (z) {
            Arrays.fill(dSumZ, 0);
            z = false;
        }
        if (norm) {
            Arrays.fill(dDecNorm, 0);
            norm = false;
        }
        if (count) {
            Arrays.fill(dCount, 0);
            count = false;
        }
    }
}
