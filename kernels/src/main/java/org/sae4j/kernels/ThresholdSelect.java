package org.sae4j.kernels;

/**
 * Finds the positions whose value exceeds a threshold: the compare-and-compress at the heart of the activation
 * epilogues (TopK's running k-th value, ReLU's 0, JumpReLU's per-latent θ). Most values fail the test once a row's
 * TopK heap is full, so the scan is the cost; the few survivors are handled by scalar code.
 */
public interface ThresholdSelect {

    /**
     * Writes to {@code idx[idxOff..]}, in increasing order, every {@code i < len} with
     * {@code a[off + i] > threshold}; returns how many. {@code idx} needs room for {@code len} entries.
     */
    int above(float[] a, int off, int len, float threshold, int[] idx, int idxOff);

    /** As {@link #above} with a threshold per position: {@code a[off + i] > thresholds[tOff + i]}. */
    int aboveEach(float[] a, int off, int len, float[] thresholds, int tOff, int[] idx, int idxOff);
}
