package org.sae4j.train;

import org.sae4j.Sae;

/**
 * SAE parameters (or their gradients) in double precision: the reference computes in double so that it can serve
 * as the oracle for float kernels and for finite differences. Same shapes and layout as {@link Sae}.
 */
public final class DoubleParams {
    public final int dim;
    public final int latents;
    public final double[] wEnc;
    public final double[] bEnc;
    public final double[] wDec;
    public final double[] bDec;
    /** JumpReLU log-thresholds, {@code null} for other activations. */
    public final double[] logThreshold;

    public DoubleParams(int dim, int latents, boolean withThreshold) {
        this.dim = dim;
        this.latents = latents;
        this.wEnc = new double[latents * dim];
        this.bEnc = new double[latents];
        this.wDec = new double[latents * dim];
        this.bDec = new double[dim];
        this.logThreshold = withThreshold ? new double[latents] : null;
    }

    public static DoubleParams of(Sae sae) {
        DoubleParams p = new DoubleParams(sae.dim(), sae.latents(), sae.logThreshold() != null);
        copy(sae.wEnc(), p.wEnc);
        copy(sae.bEnc(), p.bEnc);
        copy(sae.wDec(), p.wDec);
        copy(sae.bDec(), p.bDec);
        if (p.logThreshold != null) {
            copy(sae.logThreshold(), p.logThreshold);
        }
        return p;
    }

    public DoubleParams zerosLike() {
        return new DoubleParams(dim, latents, logThreshold != null);
    }

    /** The parameter tensors in a fixed order: W_enc, b_enc, W_dec, b_dec[, log_threshold], as {@link Sae#tensors()}. */
    public double[][] tensors() {
        return logThreshold == null
                ? new double[][] {wEnc, bEnc, wDec, bDec}
                : new double[][] {wEnc, bEnc, wDec, bDec, logThreshold};
    }

    /** Squared L2 norm over all tensors. */
    public double squaredNorm() {
        double s = 0;
        for (double[] t : tensors()) {
            for (double v : t) {
                s += v * v;
            }
        }
        return s;
    }

    /** Multiplies every entry by {@code c}. */
    public void scale(double c) {
        for (double[] t : tensors()) {
            for (int i = 0; i < t.length; i++) {
                t[i] *= c;
            }
        }
    }

    private static void copy(float[] src, double[] dst) {
        for (int i = 0; i < src.length; i++) {
            dst[i] = src[i];
        }
    }
}
