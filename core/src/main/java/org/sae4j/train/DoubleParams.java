package org.sae4j.train;

import org.sae4j.model.Sae;

/**
 * SAE parameters (or their gradients) in double precision: the reference computes in double so that it can serve
 * as the oracle for float kernels and for finite differences. Same shapes and layout as {@link Sae}.
 */
public final class DoubleParams {
    public final int dim;
    /** Width of the output: dim for an autoencoder, d_out for a transcoder. */
    public final int outDim;
    public final int latents;
    public final double[] wEnc;
    public final double[] bEnc;
    public final double[] wDec;
    public final double[] bDec;
    /** JumpReLU log-thresholds, {@code null} for other activations. */
    public final double[] logThreshold;
    /** A skip transcoder's W_skip (outDim×dim), {@code null} otherwise. */
    public final double[] wSkip;

    public DoubleParams(int dim, int latents, boolean withThreshold) {
        this(dim, dim, latents, withThreshold, false);
    }

    /** Shapes of a transcoder reading width {@code dim} and writing {@code outDim} (W_skip with {@code withSkip}). */
    public DoubleParams(int dim, int outDim, int latents, boolean withThreshold, boolean withSkip) {
        this.dim = dim;
        this.outDim = outDim;
        this.latents = latents;
        this.wEnc = new double[latents * dim];
        this.bEnc = new double[latents];
        this.wDec = new double[latents * outDim];
        this.bDec = new double[outDim];
        this.logThreshold = withThreshold ? new double[latents] : null;
        this.wSkip = withSkip ? new double[outDim * dim] : null;
    }

    public static DoubleParams of(Sae sae) {
        DoubleParams p = new DoubleParams(sae.dim(), sae.outDim(), sae.latents(), sae.logThreshold() != null,
                sae.wSkip() != null);
        if (p.wSkip != null) {
            copy(sae.wSkip(), p.wSkip);
        }
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
        return new DoubleParams(dim, outDim, latents, logThreshold != null, wSkip != null);
    }

    /**
     * The parameter tensors in a fixed order: W_enc, b_enc, W_dec, b_dec[, log_threshold][, W_skip], as
     * {@link Sae#tensors()}.
     */
    public double[][] tensors() {
        java.util.List<double[]> t = new java.util.ArrayList<>(java.util.List.of(wEnc, bEnc, wDec, bDec));
        if (logThreshold != null) {
            t.add(logThreshold);
        }
        if (wSkip != null) {
            t.add(wSkip);
        }
        return t.toArray(new double[0][]);
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
