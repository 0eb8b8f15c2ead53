package org.sae4j.kernels;

/**
 * Dot products of one float query against many compressed rows: the screening pass of an encoder that keeps a
 * second, smaller copy of {@code W_enc} (see {@link QuantizedRows} for the two formats). Reading 2 bytes (bf16) or
 * 1 byte (int8) per weight instead of 4 is the point: a single-vector encode is bound by memory bandwidth.
 *
 * <p>Rows are {@code len} wide and stored back to back ({@code row j} at {@code j·len}). Sums run in float in an
 * unspecified order (FMA allowed), like {@link VectorOps#dot}; what callers may rely on, and what
 * {@code QuantizedDotProperties} checks for both twins, is the rounding bound of any such order:
 * {@code |computed − exact| ≤ γ_m · Σ_i |x_i · ŵ_i|} with {@code γ_m = m·u/(1 − m·u)}, {@code u = 2⁻²⁴},
 * {@code m = len + 160} (the depth of the summation tree of either implementation plus the scale's rounding;
 * generous), plus {@code m·2⁻¹⁴⁹} for underflow. {@code ŵ} is the row's exact value ({@link QuantizedRows#bf16ToFloat}
 * of each element, or {@code scale · q}).
 */
public interface QuantizedDot {

    /** {@code out[outOff + r] = Σ_i x[i] · bf16(w[(row0 + r)·len + i])} for {@code r < rows}, {@code i < len}. */
    void bf16Dots(float[] x, short[] w, int row0, int rows, int len, float[] out, int outOff);

    /**
     * {@code out[outOff + r] = scale[row0 + r] · Σ_i x[i] · q[(row0 + r)·len + i]} for {@code r < rows}: the sum in
     * float over the integer weights, then one multiply by the row's scale.
     */
    void int8Dots(float[] x, byte[] q, float[] scale, int row0, int rows, int len, float[] out, int outOff);

    /** The summation depth {@code m} the class comment's bound uses for rows of {@code len}. */
    static int roundingDepth(int len) {
        return len + 160;
    }
}
