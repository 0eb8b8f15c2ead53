package org.sae4j.train.loss;

import java.util.Arrays;

/**
 * The per-latent gradient coefficients the {@link LossTerm}s of one step add up: {@code ∂L/∂(Σ_b pre_bj)}, which the
 * step adds to ∂L/∂pre at every row of latent j. One buffer per step, reused; terms add in registration order.
 */
public final class LatentPartials {
    private final double[] dSumPre;
    private boolean touched;

    public LatentPartials(int latents) {
        dSumPre = new double[latents];
    }

    /** Adds {@code v} to ∂L/∂(Σ_b pre_bj). */
    public void addSumPre(int j, double v) {
        dSumPre[j] += v;
        touched = true;
    }

    /** The coefficients, or null when no term added any (the step then skips them entirely). */
    public double[] sumPre() {
        return touched ? dSumPre : null;
    }

    /** Clears for the next step. */
    public void clear() {
        if (touched) {
            Arrays.fill(dSumPre, 0);
            touched = false;
        }
    }
}
