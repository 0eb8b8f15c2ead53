package org.sae4j.kernels;

/** Scalar twin of {@link PanamaThresholdSelect}. */
public final class ScalarThresholdSelect implements ThresholdSelect {

    @Override
    public int above(float[] a, int off, int len, float threshold, int[] idx, int idxOff) {
        int c = idxOff;
        for (int i = 0; i < len; i++) {
            if (a[off + i] > threshold) {
                idx[c++] = i;
            }
        }
        return c - idxOff;
    }

    @Override
    public int aboveEach(float[] a, int off, int len, float[] thresholds, int tOff, int[] idx, int idxOff) {
        int c = idxOff;
        for (int i = 0; i < len; i++) {
            if (a[off + i] > thresholds[tOff + i]) {
                idx[c++] = i;
            }
        }
        return c - idxOff;
    }
}
