package org.sae4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vector API twin of {@link ScalarVectorOps}. Tails by {@code loopBound} plus a scalar loop, no masks. */
final class PanamaVectorOps implements VectorOps {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int i = 0;
        float s = 0f;
        if (len >= 2 * S.length()) {
            // Two accumulators hide the FMA latency on long rows.
            FloatVector acc0 = FloatVector.zero(S);
            FloatVector acc1 = FloatVector.zero(S);
            int bound2 = len - len % (2 * S.length());
            for (; i < bound2; i += 2 * S.length()) {
                acc0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc0);
                acc1 = FloatVector.fromArray(S, a, aOff + i + S.length())
                        .fma(FloatVector.fromArray(S, b, bOff + i + S.length()), acc1);
            }
            s = sumLanes(acc0.add(acc1));
        }
        int bound = S.loopBound(len);
        if (i < bound) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < bound; i += S.length()) {
                acc = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), acc);
            }
            s += sumLanes(acc);
        }
        for (; i < len; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /**
     * Lanes summed in index order. {@code reduceLanes(ADD)} leaves the order unspecified, and in practice the
     * interpreter and the C2 intrinsic differ, so results changed with JIT timing from run to run: that broke
     * bit-for-bit reproducibility (and exact resume in a new process). Called once per dot product.
     */
    private static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int l = 0; l < S.length(); l++) {
            s += v.lane(l);
        }
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        FloatVector va = FloatVector.broadcast(S, alpha);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, x, xOff + i).fma(va, FloatVector.fromArray(S, y, yOff + i))
                    .intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public float sumSquares(float[] a, int off, int len) {
        return dot(a, off, a, off, len);
    }

    @Override
    public void scale(float alpha, float[] a, int off, int len) {
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, a, off + i).mul(alpha).intoArray(a, off + i);
        }
        for (; i < len; i++) {
            a[off + i] *= alpha;
        }
    }
}
