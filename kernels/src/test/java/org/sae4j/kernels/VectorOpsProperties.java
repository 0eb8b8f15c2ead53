package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link PanamaVectorOps} against its scalar twin {@link ScalarVectorOps} over lengths with odd tails. */
class VectorOpsProperties {
    private final VectorOps scalar = new ScalarVectorOps();
    private final VectorOps panama = new PanamaVectorOps();

    private static float[] random(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    // Unordered lane sums: error grows ~ eps · len · max|term|.
    private static double tol(int len) {
        return 1e-5 * (len + 1) * 4;
    }

    @Property(tries = 200)
    void dotMatchesScalar(@ForAll @IntRange(min = 0, max = 1100) int len,
                          @ForAll @IntRange(min = 0, max = 17) int off, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = random(r, len + off);
        float[] b = random(r, len + 3);
        assertThat(panama.dot(a, off, b, 3, len)).isCloseTo(scalar.dot(a, off, b, 3, len), within((float) tol(len)));
        assertThat(panama.sumSquares(a, off, len))
                .isCloseTo(scalar.sumSquares(a, off, len), within((float) tol(len)));
    }

    @Property(tries = 200)
    void axpyAndScaleMatchScalar(@ForAll @IntRange(min = 0, max = 1100) int len,
                                 @ForAll @IntRange(min = 0, max = 17) int off, @ForAll long seed) {
        Random r = new Random(seed);
        float[] x = random(r, len + off);
        float[] y1 = random(r, len + 5);
        float[] y2 = y1.clone();
        float alpha = (float) r.nextGaussian();
        scalar.axpy(alpha, x, off, y1, 5, len);
        panama.axpy(alpha, x, off, y2, 5, len);
        scalar.scale(alpha, y1, 0, len);
        panama.scale(alpha, y2, 0, len);
        for (int i = 0; i < y1.length; i++) {
            // FMA rounds once, the scalar loop twice: a few ulps apart at most.
            assertThat(y2[i]).as("index %d", i).isCloseTo(y1[i], within(1e-5f * (1 + Math.abs(y1[i]))));
        }
    }

    /**
     * The Panama dot product is one fixed sequence of float operations (FMA per lane, lanes summed in index order),
     * whatever the JIT does: the same inputs give the same bits in every run, which exact resume relies on.
     */
    @Property(tries = 200)
    void panamaDotIsAFixedOrderSum(@ForAll @IntRange(min = 0, max = 1100) int len, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = random(r, len);
        float[] b = random(r, len);
        int lanes = PanamaSpecies.FLOAT.length(); // the width the kernels use (narrowed with -Dsae4j.vectorsize)
        float s = 0f;
        int i = 0;
        if (len >= 2 * lanes) {
            float[] acc0 = new float[lanes];
            float[] acc1 = new float[lanes];
            for (; i + 2 * lanes <= len; i += 2 * lanes) {
                for (int l = 0; l < lanes; l++) {
                    acc0[l] = Math.fma(a[i + l], b[i + l], acc0[l]);
                    acc1[l] = Math.fma(a[i + lanes + l], b[i + lanes + l], acc1[l]);
                }
            }
            for (int l = 0; l < lanes; l++) {
                s += acc0[l] + acc1[l];
            }
        }
        if (i + lanes <= len) {
            float[] acc = new float[lanes];
            for (; i + lanes <= len; i += lanes) {
                for (int l = 0; l < lanes; l++) {
                    acc[l] = Math.fma(a[i + l], b[i + l], acc[l]);
                }
            }
            float t = 0f;
            for (int l = 0; l < lanes; l++) {
                t += acc[l];
            }
            s += t;
        }
        for (; i < len; i++) {
            s += a[i] * b[i];
        }
        // Repeated calls too: by now the JIT has compiled dot, which is where reduceLanes used to change order.
        for (int rep = 0; rep < 3; rep++) {
            assertThat(Float.floatToIntBits(panama.dot(a, 0, b, 0, len))).isEqualTo(Float.floatToIntBits(s));
        }
    }

    /** addScaledRows is axpy once per row, in order, bit for bit, in each twin (the fused step's digests rely on it). */
    @Property(tries = 300)
    void addScaledRowsIsOneAxpyPerRow(@ForAll @IntRange(min = 0, max = 300) int len,
                                      @ForAll @IntRange(min = 0, max = 11) int count,
                                      @ForAll @IntRange(min = 0, max = 3) int from, @ForAll long seed) {
        Random r = new Random(seed);
        int rows = 13;
        float[] x = random(r, rows * len + 7);
        float[] alpha = new float[count + from];
        int[] off = new int[count + from];
        for (int s = 0; s < alpha.length; s++) {
            alpha[s] = (float) r.nextGaussian();
            off[s] = r.nextInt(rows) * len + r.nextInt(8); // rows may repeat and need not be aligned
        }
        float[] y0 = random(r, len + 4);
        for (VectorOps ops : new VectorOps[] {scalar, panama}) {
            float[] expected = y0.clone();
            for (int s = from; s < from + count; s++) {
                ops.axpy(alpha[s], x, off[s], expected, 4, len);
            }
            float[] actual = y0.clone();
            ops.addScaledRows(alpha, off, from, from + count, x, actual, 4, len);
            for (int i = 0; i < actual.length; i++) {
                assertThat(Float.floatToIntBits(actual[i])).as("%s, index %d", ops.getClass().getSimpleName(), i)
                        .isEqualTo(Float.floatToIntBits(expected[i]));
            }
        }
    }
}
