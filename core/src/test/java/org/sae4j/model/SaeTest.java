package org.sae4j.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;
import org.sae4j.random.Gaussian;
import org.sae4j.train.DoubleParams;
import org.sae4j.train.LossWeights;
import org.sae4j.train.ReferenceLoss;

class SaeTest {

    @Test
    void initialisationIsTiedUnitNormSeededAndCentred() {
        SaeConfig cfg = SaeConfig.topK(7, 11, 3).withSeed(42);
        Sae a = Sae.initialize(cfg);
        Sae b = Sae.initialize(cfg);
        assertThat(a.wDec()).containsExactly(b.wDec());
        assertThat(a.wEnc()).containsExactly(a.wDec());
        assertThat(a.bEnc()).containsOnly(0f);
        for (int j = 0; j < 11; j++) {
            double ss = 0;
            for (int i = 0; i < 7; i++) {
                ss += a.wDec()[j * 7 + i] * a.wDec()[j * 7 + i];
            }
            assertThat(ss).isCloseTo(1.0, within(1e-5));
        }
        assertThat(Sae.initialize(cfg.withSeed(43)).wDec()).isNotEqualTo(a.wDec());
        a.initDecoderBiasToMean(new float[] {1, 2, 3, 4, 5, 6, 7, 3, 4, 5, 6, 7, 8, 9}, 0, 2);
        assertThat(a.bDec()).containsExactly(2, 3, 4, 5, 6, 7, 8);
    }

    @Test
    void geometricMedianIgnoresOutliersWhereTheMeanDoesNot() {
        // Five points around (1, 1) and one far outlier: the mean moves, the geometric median stays near (1, 1).
        float[] x = {1, 1, 1.1f, 1, 0.9f, 1, 1, 1.1f, 1, 0.9f, 100, 100};
        Sae sae = Sae.initialize(SaeConfig.topK(2, 3, 1));
        sae.initDecoderBiasToMean(x, 0, 6);
        assertThat(sae.bDec()[0]).isGreaterThan(10f);
        sae.initDecoderBiasToGeometricMedian(x, 0, 6, 200);
        assertThat(sae.bDec()[0]).isCloseTo(1f, within(0.05f));
        assertThat(sae.bDec()[1]).isCloseTo(1f, within(0.05f));
        // Collinear symmetric points: the median is the middle one.
        sae.initDecoderBiasToGeometricMedian(new float[] {0, 0, 1, 0, 5, 0}, 0, 3, 500);
        assertThat(sae.bDec()[0]).isCloseTo(1f, within(1e-3f));
    }

    @Test
    void jumpReluStartsAtTheConfiguredThreshold() {
        Sae s = Sae.initialize(SaeConfig.jumpRelu(4, 5).withJumpRelu(1e-3, 0.25));
        for (float t : s.logThreshold()) {
            assertThat(Math.exp(t)).isCloseTo(0.25, within(1e-6));
        }
        assertThat(Sae.initialize(SaeConfig.relu(4, 5)).logThreshold()).isNull();
    }

    @Test
    void shapesAreCheckedWhenWrappingWeights() {
        SaeConfig cfg = SaeConfig.topK(3, 4, 2);
        assertThatThrownBy(() -> Sae.of(cfg, new float[12], new float[4], new float[11], new float[3], null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("W_dec").hasMessageContaining("4×3");
        assertThatThrownBy(() -> new SaeConfig(3, 4, Activation.TOPK, 5, true, false, 1e-3, 1e-3, 0))
                .isInstanceOf(BadInputException.class).hasMessageContaining("k = 5");
    }

    @Test
    void batchTopKEncodesWithItsLearnedGlobalThreshold() {
        Sae sae = Sae.initialize(SaeConfig.batchTopK(3, 4, 1));
        sae.setBatchTopKThreshold(0.5f);
        float[] z = sae.activate(new float[] {0.2f, 0.5f, 0.7f, -1f, /* row 2 */ 3f, 0.6f, 0.51f, 0.49f}, 2);
        assertThat(z).containsExactly(0f, 0f, 0.7f, 0f, 3f, 0.6f, 0.51f, 0f);
        assertThatThrownBy(() -> sae.setBatchTopKThreshold(Float.NaN)).isInstanceOf(BadInputException.class);
    }

    /** The float forward pass (provider kernels) agrees with the double reference. */
    @Property(tries = 80)
    void forwardMatchesTheReference(@ForAll Activation act, @ForAll @IntRange(min = 1, max = 40) int d,
                                    @ForAll @IntRange(min = 1, max = 70) int n,
                                    @ForAll @IntRange(min = 1, max = 9) int rows,
                                    @ForAll boolean preEnc, @ForAll boolean unitNorm, @ForAll long seed) {
        // BatchTopK's inference (a global threshold) is not its training selection: see the test below.
        net.jqwik.api.Assume.that(act != Activation.BATCHTOPK);
        int k = act == Activation.GROUPMAX ? GroupMax.groupsAtMost(n, n / 3) : Math.max(1, n / 3);
        SaeConfig cfg = new SaeConfig(d, n, act, k, unitNorm, preEnc, 1e-3, 0.05, seed);
        Sae sae = Sae.initialize(cfg);
        SplittableRandom r = new SplittableRandom(seed);
        for (int j = 0; j < n; j++) {
            sae.bEnc()[j] = (float) (0.1 * Gaussian.next(r));
            sae.wDec()[j * d] *= 2; // rows of norm ≠ 1 exercise the unit-norm scaling
        }
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        Sae.Forward f = sae.forward(x, rows);
        try (ReferenceLoss ref = new ReferenceLoss(cfg, 1)) {
            ReferenceLoss.Result res = ref.evaluate(DoubleParams.of(sae), x, 0, rows, LossWeights.MSE_ONLY,
                    ReferenceLoss.ALL_TERMS, false);
            double tol = 1e-5 * Math.sqrt(d) * 4;
            for (int i = 0; i < rows * n; i++) {
                assertThat((double) f.pre()[i]).isCloseTo(res.pre[i], within(tol));
                // Selection can differ only when float rounding reorders near-equal values.
                if (Math.abs(res.codes[i] - f.codes()[i]) > tol) {
                    assertThat(nearTie(res.pre, i, n, tol)).as("code %d differs away from a tie", i).isTrue();
                    return;
                }
            }
            for (int i = 0; i < rows * d; i++) {
                assertThat((double) f.reconstruction()[i]).isCloseTo(res.reconstruction[i], within(tol * n));
            }
        }
    }

    private static boolean nearTie(double[] pre, int idx, int n, double tol) {
        int row = idx / n;
        for (int j = 0; j < n; j++) {
            if (row * n + j != idx && Math.abs(pre[row * n + j] - pre[idx]) < 4 * tol) {
                return true;
            }
        }
        return Math.abs(pre[idx]) < 4 * tol;
    }
}
