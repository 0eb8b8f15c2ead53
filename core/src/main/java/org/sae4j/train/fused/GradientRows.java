package org.sae4j.train.fused;

/**
 * Where the update pass finds latent j's finished gradient rows ∂W_enc[j] and ∂W_dec[j]: the dense path stores
 * all of them (n×d); the sparse path rebuilds them from the codes into per-thread rows when asked.
 */
interface GradientRows {
    /**
     * Makes latent j's rows ready for thread t; returns their row index r in {@link #encoderRows} and
     * {@link #decoderRows}: the rows start at r·d_in and r·d_out (the widths of W_enc's and W_dec's rows).
     */
    int rowsFor(int t, int j);

    /**
     * Makes the rows of latents [j0, j1) (at most {@link PackedEncoder#PACK_GROUP}) ready for thread t at once, one
     * after the other: latent j's at row r + (j − j0) for the r returned. By default, for sources whose rows are
     * already stored in latent order.
     */
    default int rowsFor(int t, int j0, int j1) {
        int r = rowsFor(t, j0);
        for (int j = j0 + 1; j < j1; j++) {
            if (rowsFor(t, j) != r + (j - j0)) {
                throw new IllegalStateException("gradient rows of latents " + j0 + ".." + j1 + " are not contiguous");
            }
        }
        return r;
    }

    float[] encoderRows(int t);

    float[] decoderRows(int t);
}
