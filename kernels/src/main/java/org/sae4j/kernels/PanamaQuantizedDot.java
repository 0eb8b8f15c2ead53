package org.sae4j.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarQuantizedDot}. Each step loads one float vector's worth of compressed weights
 * (half the bits for bf16, a quarter for int8), widens them to floats in registers and FMAs them with the query.
 * bf16 widens as {@code short → int << 16}, reinterpreted as float bits (exact); int8 by a lane-wise conversion
 * (exact: |q| ≤ 127). Two rows at a time, so two independent FMA chains hide the latency and two weight streams
 * are in flight. Lanes are summed by {@code reduceLanes(ADD)}, whose order the JIT may change from run to run (see
 * {@link PanamaVectorOps}): fine here, because these sums only screen — the rounding bound holds for every order and
 * the screened encoder's answer is recomputed in float32 — and it costs a few shuffles where an in-order lane sum
 * costs 2·lanes scalar operations per row (15 % of a 768-wide row). Needs 256-bit vectors or wider (for the
 * 64-bit int8 loads); narrower machines run the scalar twin's loops.
 */
final class PanamaQuantizedDot implements QuantizedDot {
    private static final VectorSpecies<Float> F = PanamaSpecies.FLOAT;
    private static final int L = F.length();
    private static final boolean WIDE = F.vectorBitSize() >= 256;
    private static final VectorSpecies<Short> H = WIDE
            ? VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2)) : null;
    private static final VectorSpecies<Integer> I = WIDE
            ? VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize())) : null;
    private static final VectorSpecies<Byte> Q = WIDE
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;
    private static final ScalarQuantizedDot SCALAR = new ScalarQuantizedDot();

    @Override
    public void bf16Dots(float[] x, short[] w, int row0, int rows, int len, float[] out, int outOff) {
        if (!WIDE || len < L) {
            SCALAR.bf16Dots(x, w, row0, rows, len, out, outOff);
            return;
        }
        int bound = F.loopBound(len);
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            int o0 = (row0 + r) * len;
            int o1 = o0 + len;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, i);
                a0 = xv.fma(bf16(w, o0 + i), a0);
                a1 = xv.fma(bf16(w, o1 + i), a1);
            }
            float s0 = sumLanes(a0);
            float s1 = sumLanes(a1);
            for (; i < len; i++) {
                s0 += x[i] * Float.intBitsToFloat(w[o0 + i] << 16);
                s1 += x[i] * Float.intBitsToFloat(w[o1 + i] << 16);
            }
            out[outOff + r] = s0;
            out[outOff + r + 1] = s1;
        }
        if (r < rows) {
            int o0 = (row0 + r) * len;
            FloatVector a0 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += L) {
                a0 = FloatVector.fromArray(F, x, i).fma(bf16(w, o0 + i), a0);
            }
            float s0 = sumLanes(a0);
            for (; i < len; i++) {
                s0 += x[i] * Float.intBitsToFloat(w[o0 + i] << 16);
            }
            out[outOff + r] = s0;
        }
    }

    @Override
    public void int8Dots(float[] x, byte[] q, float[] scale, int row0, int rows, int len, float[] out, int outOff) {
        if (!WIDE || len < L) {
            SCALAR.int8Dots(x, q, scale, row0, rows, len, out, outOff);
            return;
        }
        int bound = F.loopBound(len);
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            int o0 = (row0 + r) * len;
            int o1 = o0 + len;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += L) {
                FloatVector xv = FloatVector.fromArray(F, x, i);
                a0 = xv.fma(int8(q, o0 + i), a0);
                a1 = xv.fma(int8(q, o1 + i), a1);
            }
            float s0 = sumLanes(a0);
            float s1 = sumLanes(a1);
            for (; i < len; i++) {
                s0 += x[i] * q[o0 + i];
                s1 += x[i] * q[o1 + i];
            }
            out[outOff + r] = scale[row0 + r] * s0;
            out[outOff + r + 1] = scale[row0 + r + 1] * s1;
        }
        if (r < rows) {
            int o0 = (row0 + r) * len;
            FloatVector a0 = FloatVector.zero(F);
            int i = 0;
            for (; i < bound; i += L) {
                a0 = FloatVector.fromArray(F, x, i).fma(int8(q, o0 + i), a0);
            }
            float s0 = sumLanes(a0);
            for (; i < len; i++) {
                s0 += x[i] * q[o0 + i];
            }
            out[outOff + r] = scale[row0 + r] * s0;
        }
    }

    /** L bf16 weights from {@code w[off..]} as floats: the bits shifted into the top half of each int lane. */
    private static FloatVector bf16(short[] w, int off) {
        return ((IntVector) ShortVector.fromArray(H, w, off).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** L int8 weights from {@code q[off..]} as floats. */
    private static FloatVector int8(byte[] q, int off) {
        return (FloatVector) ByteVector.fromArray(Q, q, off).convertShape(VectorOperators.B2F, F, 0);
    }

    private static float sumLanes(FloatVector v) {
        return v.reduceLanes(VectorOperators.ADD);
    }
}
