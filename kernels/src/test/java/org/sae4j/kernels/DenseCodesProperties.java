package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link PanamaDenseCodes} against its twin {@link ScalarDenseCodes}: the same floats and sums, bit for bit. */
class DenseCodesProperties {
    private final DenseCodes scalar = new ScalarDenseCodes();
    private final DenseCodes panama = new PanamaDenseCodes();

    /** Per-latent thresholds: often exactly 0 (ReLU), else a few repeated values so pre can tie them. */
    private static float[] thresholds(Random r, int len) {
        float[] t = new float[len];
        for (int i = 0; i < len; i++) {
            t[i] = switch (r.nextInt(4)) {
                case 0 -> 0f;
                case 1 -> 0.5f;
                default -> (float) Math.abs(r.nextGaussian());
            };
        }
        return t;
    }

    /** Pre-activations with exact ties to the threshold and values on and near the band's edges (θ ± eps/2). */
    private static float[] pre(Random r, int rows, int stride, int off, float[] t, int col, int len, double eps) {
        float[] a = new float[off + rows * stride];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < len; i++) {
                float th = t[col + i];
                a[off + b * stride + i] = switch (r.nextInt(6)) {
                    case 0 -> th;
                    case 1 -> 0f;
                    case 2 -> (float) (th + (r.nextBoolean() ? 0.5 : -0.5) * eps);
                    case 3 -> Math.nextUp(th);
                    default -> (float) r.nextGaussian();
                };
            }
        }
        return a;
    }

    private static float[] gaussian(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    private static DenseCodes.Sums sums(Random r, int latents) {
        DenseCodes.Sums s = new DenseCodes.Sums(latents);
        for (int j = 0; j < latents; j++) {
            s.active[j] = r.nextInt(5);
            s.pre[j] = r.nextGaussian();
            s.z[j] = r.nextGaussian();
            s.grad[j] = r.nextGaussian();
            s.theta[j] = r.nextGaussian();
        }
        return s;
    }

    private static DenseCodes.Sums copy(DenseCodes.Sums s) {
        DenseCodes.Sums c = new DenseCodes.Sums(s.active.length);
        System.arraycopy(s.active, 0, c.active, 0, s.active.length);
        System.arraycopy(s.pre, 0, c.pre, 0, s.pre.length);
        System.arraycopy(s.z, 0, c.z, 0, s.z.length);
        System.arraycopy(s.grad, 0, c.grad, 0, s.grad.length);
        System.arraycopy(s.theta, 0, c.theta, 0, s.theta.length);
        return c;
    }

    private static void assertBitEqual(float[] expected, float[] actual) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(Float.floatToRawIntBits(actual[i])).as("index %d", i)
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
    }

    private static void assertBitEqual(double[] expected, double[] actual) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(Double.doubleToRawLongBits(actual[i])).as("latent %d", i)
                    .isEqualTo(Double.doubleToRawLongBits(expected[i]));
        }
    }

    @Property(tries = 300)
    void codesMatchScalar(@ForAll @IntRange(min = 0, max = 1100) int len,
                          @ForAll @IntRange(min = 0, max = 17) int off,
                          @ForAll @IntRange(min = 0, max = 17) int col, @ForAll long seed) {
        Random r = new Random(seed);
        float[] t = thresholds(r, col + len);
        float[] scale = gaussian(r, col + len);
        float[] p = pre(r, 1, len, off, t, col, len, 0.25);
        float[] o1 = gaussian(r, off + len);
        float[] o2 = o1.clone();
        scalar.codes(p, o1, off, len, t, scale, col);
        panama.codes(p, o2, off, len, t, scale, col);
        assertBitEqual(o1, o2);
    }

    /** Several rows (as a caller feeds them), with or without the added constant and the θ band. */
    @Property(tries = 300)
    void gradientAndSumsMatchScalar(@ForAll @IntRange(min = 0, max = 300) int len,
                                    @ForAll @IntRange(min = 1, max = 11) int rows,
                                    @ForAll @IntRange(min = 0, max = 17) int off,
                                    @ForAll @IntRange(min = 0, max = 17) int col,
                                    @ForAll boolean withAdd, @ForAll boolean jump, @ForAll boolean oneCall,
                                    @ForAll long seed) {
        Random r = new Random(seed);
        int stride = len + r.nextInt(3);
        double eps = r.nextBoolean() ? 0.25 : 1e-3 + r.nextDouble();
        double[] l0 = null; // per latent, or none
        if (r.nextBoolean()) {
            l0 = new double[col + len];
            for (int j = 0; j < l0.length; j++) {
                l0[j] = r.nextDouble() * 1e-2;
            }
        }
        float[] t = thresholds(r, col + len);
        float[] scale = gaussian(r, col + len);
        float[] add = withAdd ? gaussian(r, col + len) : null;
        float[] p = pre(r, rows, stride, off, t, col, len, eps);
        float[] g1 = gaussian(r, off + rows * stride);
        float[] g2 = g1.clone();
        DenseCodes.Sums s1 = sums(r, col + len);
        DenseCodes.Sums s2 = copy(s1);
        // Scalar row by row (the definition); Panama in one call over all rows, or in two calls.
        for (int b = 0; b < rows; b++) {
            int o = off + b * stride;
            if (jump) {
                scalar.jumpGradient(p, g1, o, stride, 1, len, t, scale, add, col, eps, l0, s1);
            } else {
                scalar.gradient(p, g1, o, stride, 1, len, t, scale, add, col, s1);
            }
        }
        int split = oneCall ? rows : r.nextInt(rows + 1);
        for (int[] part : new int[][] {{0, split}, {split, rows}}) {
            int o = off + part[0] * stride;
            int n = part[1] - part[0];
            if (jump) {
                panama.jumpGradient(p, g2, o, stride, n, len, t, scale, add, col, eps, l0, s2);
            } else {
                panama.gradient(p, g2, o, stride, n, len, t, scale, add, col, s2);
            }
        }
        assertBitEqual(g1, g2);
        assertThat(s2.active).containsExactly(s1.active);
        assertBitEqual(s1.pre, s2.pre);
        assertBitEqual(s1.z, s2.z);
        assertBitEqual(s1.grad, s2.grad);
        assertBitEqual(s1.theta, s2.theta);
    }
}
