package org.sae4j.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MetricsTest {
    // Two rows, two features: feature means 1 and 10, scalar mean 5.5.
    private final float[] x = {0, 9, 2, 11};
    private final float[] xhat = {0.5f, 9, 1.5f, 11};

    @Test
    void mseAndBothR2FormsByHand() {
        assertThat(Metrics.mse(x, xhat, 2, 2)).isCloseTo(0.125, within(1e-12));
        // overcomplete: ss_tot = mean((x − 5.5)²) = (30.25 + 12.25 + 12.25 + 30.25)/4 = 21.25.
        assertThat(Metrics.r2ScalarMean(x, xhat, 2, 2)).isCloseTo(1 - 0.125 / (21.25 + 1e-6), within(1e-12));
        // per-feature: Σ(x − μ)² = 1 + 1 + 1 + 1 = 4; Σ residual² = 0.5.
        assertThat(Metrics.explainedVariance(x, xhat, 2, 2)).isCloseTo(1 - 0.5 / 4, within(1e-12));
    }

    @Test
    void momentFormsAgreeWithTheDirectOnes() {
        java.util.Random r = new java.util.Random(3);
        int rows = 57;
        int d = 13;
        float[] xs = new float[rows * d];
        float[] xh = new float[rows * d];
        double[] sum = new double[d];
        double[] sumSq = new double[d];
        double sse = 0;
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                float v = (float) (r.nextGaussian() * (1 + i) + 3 * i); // uneven feature means and scales
                xs[b * d + i] = v;
                xh[b * d + i] = v + (float) (0.3 * r.nextGaussian());
                sum[i] += v;
                sumSq[i] += (double) v * v;
                double e = xs[b * d + i] - xh[b * d + i];
                sse += e * e;
            }
        }
        double[] both = Metrics.r2FromMoments(sum, sumSq, d, rows, sse);
        assertThat(both[0]).isCloseTo(Metrics.r2ScalarMean(xs, xh, rows, d), within(1e-12));
        assertThat(both[1]).isCloseTo(Metrics.explainedVariance(xs, xh, rows, d), within(1e-12));
        assertThat(Metrics.r2FromMoments(new double[2], new double[2], 2, 0, 0)).containsExactly(0, 0);
    }

    @Test
    void sparsityMeasures() {
        float[] z = {0, 2, 0, 0, /* row 2 */ 1, 1, 1, 1};
        assertThat(Metrics.l0(z, 2, 4)).isEqualTo(2.5);
        assertThat(Metrics.deadMask(z, 2, 4)).containsExactly(false, false, false, false);
        assertThat(Metrics.deadMask(new float[] {0, 3, 0, -1}, 1, 4)).containsExactly(true, false, true, true);
        // Hoyer: one-hot → ~1, flat → 0.
        assertThat(Metrics.hoyer(z, 2, 4)).isCloseTo((1.0 + 0.0) / 2, within(1e-5));
        // κ₄: one-hot → 1, flat → 1/n.
        assertThat(Metrics.kappa4(z, 2, 4)).isCloseTo((1.0 + 0.25) / 2, within(1e-12));
    }

    @Test
    void collinearityOfOrthogonalAndParallelAtoms() {
        float[] dict = {1, 0, 0, 2, 3, 0}; // atoms e1, 2·e2, 3·e1
        Metrics.Collinearity c = Metrics.dictionaryCollinearity(dict, 3, 2);
        assertThat(c.max()).isCloseTo(1.0, within(1e-5));
        assertThat(c.mean()).isCloseTo(1.0 / 3, within(1e-5));
    }

    @Test
    void deadTrackerCountsLatentsThatNeverFiredSinceReset() {
        DeadTracker t = new DeadTracker(4);
        t.observe(new boolean[] {true, false, true, true});
        t.observe(new boolean[] {true, true, false, true});
        assertThat(t.deadFraction()).isEqualTo(0.5);
        t.reset();
        assertThat(t.deadFraction()).isEqualTo(1.0);
    }
}
