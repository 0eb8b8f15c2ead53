package org.sae4j.train.fused;

/**
 * Where the update pass finds latent j's finished gradient rows ∂W_enc[j] and ∂W_dec[j]: the dense path stores
 * all of them (n×d); the sparse path rebuilds each from its codes into a per-thread row when asked.
 */
interface GradientRows {
    /**
     * Makes latent j's rows ready for thread t; returns their row index r in {@link #encoderRows} and
     * {@link #decoderRows}: the rows start at r·d_in and r·d_out (the widths of W_enc's and W_dec's rows).
     */
    int rowsFor(int t, int j);

    float[] encoderRows(int t);

    float[] decoderRows(int t);
}
