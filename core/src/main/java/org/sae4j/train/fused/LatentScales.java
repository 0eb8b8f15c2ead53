package org.sae4j.train.fused;

import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Activation;

/**
 * Per-latent quantities every phase reads (n entries each): the decoder norms and decode scales, and JumpReLU's
 * thresholds. The update pass measures the norms of each row it writes, so the next step need not.
 */
public final class LatentScales {
    /** ‖W_dec[j]‖ (weights the L1 term when asked). */
    final float[] norm;
    /** The decode scale: 1/‖W_dec[j]‖ with a unit-norm dictionary, else 1. */
    final float[] invNorm;
    /** JumpReLU θ_j; stays 0 for ReLU, so {@code pre > theta[j]} is either activation's test. */
    final float[] theta;
    /** JumpReLU: the selection keeps entries with pre > θ_j − ε/2 (a little wider). */
    final float[] keepAbove;
    /** norm/invNorm were measured on the current W_dec by the update pass. */
    boolean decoderNormsFresh;

    private final boolean jump;
    private final boolean unitNorm;
    private final int d;
    private final VectorOps ops;

    /** @param d the decoder's row width (the output's) */
    LatentScales(int n, int d, Activation act, boolean unitNormDecoder, VectorOps ops) {
        this.norm = new float[n];
        this.invNorm = new float[n];
        this.theta = new float[n];
        this.keepAbove = new float[n];
        this.jump = act == Activation.JUMPRELU;
        this.unitNorm = unitNormDecoder;
        this.d = d;
        this.ops = ops;
    }

    /** Whether an entry with pre-activation {@code pre} of latent j is active (z ≠ 0). */
    boolean isActive(float pre, int j) {
        return jump ? pre > theta[j] : pre > 0;
    }

    /** ‖W_dec[j]‖ and the decode scale; the update pass calls it on each row it just wrote, while it is in cache. */
    void setDecoderNorm(int j, float[] wDec) {
        norm[j] = (float) Math.sqrt(ops.sumSquares(wDec, j * d, d));
        invNorm[j] = unitNorm ? 1f / norm[j] : 1f;
    }

    /** θ_j = exp(log θ_j) and the selection's slightly wider cut θ_j − ε/2. */
    void setThreshold(int j, float logTheta, double halfBand) {
        theta[j] = (float) Math.exp(logTheta);
        // A hair wider than the band: entries outside it are filtered exactly later.
        keepAbove[j] = (float) ((Math.exp(logTheta) - halfBand) * (1 - 1e-5) - 1e-12);
    }
}
