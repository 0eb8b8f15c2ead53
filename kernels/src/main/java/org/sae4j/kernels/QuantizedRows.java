package org.sae4j.kernels;

/**
 * The two compressed row formats {@link QuantizedDot} reads, and their conversions from float rows.
 * <ul>
 *   <li>bf16: the top 16 bits of a float (8 exponent bits, 7 mantissa bits), rounded to nearest-even; relative
 *       error ≤ 2⁻⁹ per weight. A float whose rounding would overflow to infinity is truncated instead, so every
 *       stored weight is finite.</li>
 *   <li>int8 with a per-row scale: {@code q = round(w / s)} with {@code s = max|w| / 127}, so {@code |q| ≤ 127} and
 *       the error per weight is ≤ s/2. A row of zeros (or one whose scale underflows to 0) stores s = 0, q = 0.</li>
 * </ul>
 */
public final class QuantizedRows {
    private QuantizedRows() {
    }

    /** bf16 bits of {@code f} (finite), rounded to nearest-even, never to infinity. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        if (((rounded >>> 23) & 0xFF) == 0xFF) {
            rounded = bits; // would round to ±∞: truncate (toward zero) instead
        }
        return (short) (rounded >>> 16);
    }

    /** The float value of bf16 bits (exact). */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** bf16 copy of {@code w[off .. off + len)}. */
    public static short[] toBf16(float[] w, int off, int len) {
        short[] h = new short[len];
        for (int i = 0; i < len; i++) {
            h[i] = floatToBf16(w[off + i]);
        }
        return h;
    }

    /**
     * int8 copy of the {@code rows} rows of {@code len} at {@code w[0..]}: codes into {@code q} (rows·len) and each
     * row's scale into {@code scale} (rows).
     */
    public static void toInt8(float[] w, int rows, int len, byte[] q, float[] scale) {
        for (int j = 0; j < rows; j++) {
            int o = j * len;
            float max = 0f;
            for (int i = 0; i < len; i++) {
                max = Math.max(max, Math.abs(w[o + i]));
            }
            float s = max / 127f;
            scale[j] = s;
            for (int i = 0; i < len; i++) {
                // Rounded in double, clamped: w/s can exceed 127 by rounding of s.
                long v = s == 0f ? 0 : Math.round((double) w[o + i] / s);
                q[o + i] = (byte) Math.max(-127, Math.min(127, v));
            }
        }
    }
}
