package org.sae4j.train;

/** Global-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: scale by {@code max/(norm + 1e-6)} when below 1. */
public final class GradientClipping {
    private GradientClipping() {
    }

    /**
     * The factor that multiplies every gradient: 1 when {@code maxNorm ≤ 0} (off) or when the norm is within bounds.
     */
    public static double scale(double globalNorm, double maxNorm) {
        if (maxNorm <= 0) {
            return 1.0;
        }
        return Math.min(1.0, maxNorm / (globalNorm + 1e-6));
    }
}
