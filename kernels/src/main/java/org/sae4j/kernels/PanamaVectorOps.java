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
    public void addScaledRows(float[] alpha, int[] xOff, int from, int to, float[] x, float[] y, int yOff, int len) {
        int s = from;
        // Four rows per sweep: enough loads in flight to hide a gather's latency (measured against one and eight
        // rows per sweep on 3 KB rows of a 50 MB matrix); each lane's FMAs keep the order of s, as axpy's would.
        for (; s + 4 <= to; s += 4) {
            addFourRows(alpha[s], xOff[s], alpha[s + 1], xOff[s + 1], alpha[s + 2], xOff[s + 2], alpha[s + 3],
                    xOff[s + 3], x, y, yOff, len);
        }
        if (s + 2 <= to) {
            addTwoRows(alpha[s], xOff[s], alpha[s + 1], xOff[s + 1], x, y, yOff, len);
            s += 2;
        }
        if (s < to) {
            axpy(alpha[s], x, xOff[s], y, yOff, len);
        }
    }

    private static void addTwoRows(float a0, int o0, float a1, int o1, float[] x, float[] y, int yOff, int len) {
        FloatVector v0 = FloatVector.broadcast(S, a0);
        FloatVector v1 = FloatVector.broadcast(S, a1);
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, y, yOff + i);
            acc = FloatVector.fromArray(S, x, o0 + i).fma(v0, acc);
            acc = FloatVector.fromArray(S, x, o1 + i).fma(v1, acc);
            acc.intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            float v = y[yOff + i];
            v += a0 * x[o0 + i];
            v += a1 * x[o1 + i];
            y[yOff + i] = v;
        }
    }

    private static void addFourRows(float a0, int o0, float a1, int o1, float a2, int o2, float a3, int o3,
                                    float[] x, float[] y, int yOff, int len) {
        FloatVector v0 = FloatVector.broadcast(S, a0);
        FloatVector v1 = FloatVector.broadcast(S, a1);
        FloatVector v2 = FloatVector.broadcast(S, a2);
        FloatVector v3 = FloatVector.broadcast(S, a3);
        int i = 0;
        int bound = S.loopBound(len);
        for (; i < bound; i += S.length()) {
            FloatVector acc = FloatVector.fromArray(S, y, yOff + i);
            acc = FloatVector.fromArray(S, x, o0 + i).fma(v0, acc);
            acc = FloatVector.fromArray(S, x, o1 + i).fma(v1, acc);
            acc = FloatVector.fromArray(S, x, o2 + i).fma(v2, acc);
            acc = FloatVector.fromArray(S, x, o3 + i).fma(v3, acc);
            acc.intoArray(y, yOff + i);
        }
        for (; i < len; i++) {
            // axpy's tail, one row after the other: mul then add, not fused.
            float v = y[yOff + i];
            v += a0 * x[o0 + i];
            v += a1 * x[o1 + i];
            v += a2 * x[o2 + i];
            v += a3 * x[o3 + i];
            y[yOff + i] = v;
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
