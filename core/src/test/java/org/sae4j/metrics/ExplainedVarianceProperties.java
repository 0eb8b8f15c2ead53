package org.sae4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * The agreed explained variance, {@code 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²)} (SAELens PR #665): the streaming and
 * the batch forms equal a direct float64 computation, pooled over all rows whatever the batching, and do not move
 * when one constant vector is added to every x and x̂ (the denominator is the total variance, not E‖x‖²).
 */
class ExplainedVarianceProperties {

    /** Values on a 1/256 grid with small integer offsets: adding the offset is exact in float. */
    private static float[][] data(long seed, int rows, int d, int offset) {
        Random r = new Random(seed);
        float[] x = new float[rows * d];
        float[] xhat = new float[rows * d];
        float[] c = new float[d];
        for (int i = 0; i < d; i++) {
            c[i] = r.nextInt(2 * offset + 1) - offset;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (r.nextInt(2048) - 1024) / 256f;
            xhat[i] = x[i] + (r.nextInt(257) - 128) / 256f;
        }
        return new float[][] {x, xhat, c};
    }

    /** The formula as written, in double, from E‖x‖² and ‖E x‖² directly. */
    private static double direct(float[] x, float[] xhat, int rows, int d) {
        double err = 0;
        double sq = 0;
        double[] mean = new double[d];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                double v = x[b * d + i];
                double e = v - xhat[b * d + i];
                err += e * e;
                sq += v * v;
                mean[i] += v / rows;
            }
        }
        double meanSq = 0;
        for (double m : mean) {
            meanSq += m * m;
        }
        return 1 - (err / rows) / (sq / rows - meanSq);
    }

    private static StreamingMetrics streamed(float[] x, float[] xhat, int rows, int d, int batch) {
        StreamingMetrics m = new StreamingMetrics(d, 1);
        for (int start = 0; start < rows; start += batch) {
            int count = Math.min(batch, rows - start);
            float[] xb = java.util.Arrays.copyOfRange(x, start * d, (start + count) * d);
            float[] hb = java.util.Arrays.copyOfRange(xhat, start * d, (start + count) * d);
            m.observe(xb, hb, new float[count], count);
        }
        return m;
    }

    @Property(tries = 60)
    void equalsTheDirectFloat64Formula(@ForAll @LongRange(max = 1_000_000) long seed,
                                       @ForAll @IntRange(min = 2, max = 200) int rows,
                                       @ForAll @IntRange(min = 1, max = 24) int d,
                                       @ForAll @IntRange(min = 1, max = 64) int batch) {
        float[][] v = data(seed, rows, d, 0);
        double want = direct(v[0], v[1], rows, d);
        assertThat(streamed(v[0], v[1], rows, d, batch).explainedVariance()).isCloseTo(want, within(1e-9));
        assertThat(Metrics.explainedVarianceTotal(v[0], v[1], rows, d)).isCloseTo(want, within(1e-9));
        assertThat(Metrics.explainedVariance(v[0], v[1], rows, d)).isCloseTo(want, within(1e-9));
    }

    @Property(tries = 60)
    void invariantToAConstantVectorAddedToEveryRow(@ForAll @LongRange(max = 1_000_000) long seed,
                                                   @ForAll @IntRange(min = 2, max = 200) int rows,
                                                   @ForAll @IntRange(min = 1, max = 24) int d,
                                                   @ForAll @IntRange(min = 1, max = 64) int batch,
                                                   @ForAll @IntRange(min = 1, max = 4096) int offset) {
        float[][] v = data(seed, rows, d, offset);
        float[] x2 = v[0].clone();
        float[] h2 = v[1].clone();
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                x2[b * d + i] += v[2][i];
                h2[b * d + i] += v[2][i];
            }
        }
        double before = streamed(v[0], v[1], rows, d, batch).explainedVariance();
        // Moments about the first row keep the shift from cancelling the spread away.
        assertThat(streamed(x2, h2, rows, d, batch).explainedVariance()).isCloseTo(before, within(1e-9));
        assertThat(Metrics.explainedVarianceTotal(x2, h2, rows, d)).isCloseTo(before, within(1e-9));
    }

    @Property(tries = 40)
    void streamedR2AndCountsMatchTheTwoPassDatasetFigures(@ForAll @LongRange(max = 1_000_000) long seed,
                                                           @ForAll @IntRange(min = 2, max = 120) int rows,
                                                           @ForAll @IntRange(min = 1, max = 16) int d,
                                                           @ForAll @IntRange(min = 1, max = 40) int batch) {
        float[][] v = data(seed, rows, d, 50);
        int n = 7;
        Random r = new Random(seed + 1);
        float[] z = new float[rows * n];
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextInt(5) == 0 ? r.nextFloat() : 0;
        }
        DatasetMetrics two = new DatasetMetrics(d, n);
        two.observeMean(v[0], rows);
        two.observe(v[0], v[1], z, rows);
        StreamingMetrics one = new StreamingMetrics(d, n);
        for (int start = 0; start < rows; start += batch) {
            int count = Math.min(batch, rows - start);
            one.observe(java.util.Arrays.copyOfRange(v[0], start * d, (start + count) * d),
                    java.util.Arrays.copyOfRange(v[1], start * d, (start + count) * d),
                    java.util.Arrays.copyOfRange(z, start * n, (start + count) * n), count);
        }
        assertThat(one.r2ScalarMean()).isCloseTo(two.r2ScalarMean(), within(1e-9));
        assertThat(one.explainedVariance()).isCloseTo(two.explainedVariance(), within(1e-9));
        assertThat(one.l0()).isCloseTo(two.l0(), within(1e-12));
        assertThat(one.noFireFraction()).isEqualTo(two.deadFraction());
    }
}
