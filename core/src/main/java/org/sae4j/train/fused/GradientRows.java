package org.sae4j.train.fused;

/**
 * Where the update pass finds latent j's finished gradient rows ∂W_enc[j] and ∂W_dec[j]: the dense path stores
 * all of them (n×d); the sparse path rebuilds each from its codes into a per-thread row when asked.
 */
interface GradientRows {
    /** Makes latent j's rows ready for thread t; returns their offset in {@link #encoderRows}/{@link #decoderRows}. */
    int rowsFor(int t, int j);

    float[] encoderRows(int t);

    float[] decoderRows(int t);
}
