package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link PanamaQuantizedDot} and its scalar twin {@link ScalarQuantizedDot} both stay within the rounding bound the
 * screened encoder relies on ({@link QuantizedDot}'s class comment), and {@link QuantizedRows}' conversions stay
 * within their stated errors — over lengths with odd tails, odd row counts, and scales from subnormal to 2¹⁰⁰.
 */
class QuantizedDotProperties {
    private static final double U = 0x1p-24;
    private final QuantizedDot scalar = new ScalarQuantizedDot();
    private final QuantizedDot panama = new PanamaQuantizedDot();

    private static float[] random(Random r, int len, float scale) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = r.nextInt(8) == 0 ? 0f : (float) r.nextGaussian() * scale;
        }
        return a;
    }

    private static float scale(Random r) {
        // Tiny (products underflow into subnormals), ordinary, and huge (still far from overflow).
        return switch (r.nextInt(4)) {
            case 0 -> 0x1p-70f;
            case 1 -> 0x1p50f;
            default -> 1f;
        };
    }

    private static void assertWithinBound(float got, double exact, double absSum, int len, String what) {
        int m = QuantizedDot.roundingDepth(len);
        double gamma = m * U / (1 - m * U);
        // Plus the double reference's own rounding (≈ len·2⁻⁵³, covered by 1e-12) and the underflow allowance.
        double bound = (gamma + 1e-12) * absSum + m * 0x1p-149;
        assertThat(Math.abs(got - exact)).as("%s: %s vs exact %s (bound %s)", what, got, exact, bound)
                .isLessThanOrEqualTo(bound);
    }

    @Property(tries = 150)
    void bf16DotsStayWithinTheRoundingBound(@ForAll @IntRange(min = 1, max = 900) int len,
                                            @ForAll @IntRange(min = 1, max = 7) int rows,
                                            @ForAll @IntRange(min = 0, max = 3) int row0, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = random(r, len, scale(r));
        short[] w = QuantizedRows.toBf16(random(r, (row0 + rows) * len, scale(r)), 0, (row0 + rows) * len);
        for (QuantizedDot k : new QuantizedDot[] {scalar, panama}) {
            float[] out = new float[rows + 2];
            k.bf16Dots(x, w, row0, rows, len, out, 2);
            for (int j = 0; j < rows; j++) {
                double exact = 0;
                double abs = 0;
                for (int i = 0; i < len; i++) {
                    double p = (double) x[i] * QuantizedRows.bf16ToFloat(w[(row0 + j) * len + i]);
                    exact += p;
                    abs += Math.abs(p);
                }
                assertWithinBound(out[2 + j], exact, abs, len, k.getClass().getSimpleName() + " row " + j);
            }
        }
    }

    @Property(tries = 150)
    void int8DotsStayWithinTheRoundingBound(@ForAll @IntRange(min = 1, max = 900) int len,
                                            @ForAll @IntRange(min = 1, max = 7) int rows,
                                            @ForAll @IntRange(min = 0, max = 3) int row0, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = random(r, len, scale(r));
        int total = row0 + rows;
        float[] wf = random(r, total * len, scale(r));
        byte[] q = new byte[total * len];
        float[] s = new float[total];
        QuantizedRows.toInt8(wf, total, len, q, s);
        for (QuantizedDot k : new QuantizedDot[] {scalar, panama}) {
            float[] out = new float[rows];
            k.int8Dots(x, q, s, row0, rows, len, out, 0);
            for (int j = 0; j < rows; j++) {
                double exact = 0;
                double abs = 0;
                for (int i = 0; i < len; i++) {
                    double p = (double) x[i] * ((double) s[row0 + j] * q[(row0 + j) * len + i]);
                    exact += p;
                    abs += Math.abs(p);
                }
                assertWithinBound(out[j], exact, abs, len, k.getClass().getSimpleName() + " row " + j);
            }
        }
    }

    @Property(tries = 300)
    void bf16IsNearestAndNeverInfinite(@ForAll float f) {
        if (!Float.isFinite(f)) {
            return;
        }
        float h = QuantizedRows.bf16ToFloat(QuantizedRows.floatToBf16(f));
        assertThat(Float.isFinite(h)).isTrue();
        // Half a bf16 ulp: relative 2⁻⁸ of the binade, i.e. ≤ 2⁻⁸·|f|; subnormals: ≤ 2⁻¹³³ absolute.
        assertThat(Math.abs((double) h - f)).isLessThanOrEqualTo(Math.max(0x1p-8 * Math.abs(f), 0x1p-133));
        // Idempotent: a bf16 value converts to itself.
        assertThat(QuantizedRows.bf16ToFloat(QuantizedRows.floatToBf16(h))).isEqualTo(h);
    }

    @Property(tries = 100)
    void int8ErrorIsAtMostHalfAStep(@ForAll @IntRange(min = 1, max = 300) int len, @ForAll long seed) {
        Random r = new Random(seed);
        float[] w = random(r, 2 * len, scale(r));
        if (r.nextBoolean()) {
            java.util.Arrays.fill(w, len, 2 * len, 0f); // a zero row
        }
        byte[] q = new byte[2 * len];
        float[] s = new float[2];
        QuantizedRows.toInt8(w, 2, len, q, s);
        for (int j = 0; j < 2; j++) {
            for (int i = 0; i < len; i++) {
                double err = Math.abs((double) s[j] * q[j * len + i] - w[j * len + i]);
                assertThat(q[j * len + i]).isBetween((byte) -127, (byte) 127);
                assertThat(err).isLessThanOrEqualTo(s[j] * (0.5 + 1e-5));
            }
        }
    }
}
