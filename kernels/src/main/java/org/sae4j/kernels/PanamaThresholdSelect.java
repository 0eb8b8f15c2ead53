package org.sae4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarThresholdSelect}: one compare per vector, and the (rare) set lanes are read off
 * the mask's bits. Tail by a scalar loop.
 */
final class PanamaThresholdSelect implements ThresholdSelect {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;

    @Override
    public int above(float[] a, int off, int len, float threshold, int[] idx, int idxOff) {
        int c = idxOff;
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            VectorMask<Float> m = FloatVector.fromArray(S, a, off + i).compare(VectorOperators.GT, threshold);
            c = drain(m.toLong(), i, idx, c);
        }
        for (; i < len; i++) {
            if (a[off + i] > threshold) {
                idx[c++] = i;
            }
        }
        return c - idxOff;
    }

    @Override
    public int aboveEach(float[] a, int off, int len, float[] thresholds, int tOff, int[] idx, int idxOff) {
        int c = idxOff;
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            VectorMask<Float> m = FloatVector.fromArray(S, a, off + i)
                    .compare(VectorOperators.GT, FloatVector.fromArray(S, thresholds, tOff + i));
            c = drain(m.toLong(), i, idx, c);
        }
        for (; i < len; i++) {
            if (a[off + i] > thresholds[tOff + i]) {
                idx[c++] = i;
            }
        }
        return c - idxOff;
    }

    private static int drain(long bits, int base, int[] idx, int c) {
        while (bits != 0) {
            idx[c++] = base + Long.numberOfTrailingZeros(bits);
            bits &= bits - 1;
        }
        return c;
    }
}
