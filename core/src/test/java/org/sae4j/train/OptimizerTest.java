package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.ScalarAdamUpdate;

/** Adam ({@link ScalarAdamUpdate}, the reference's optimizer), clipping and schedules against values computed by hand. */
class OptimizerTest {
    private static final AdamUpdate ADAM = new ScalarAdamUpdate();


    @Test
    void adamFirstStepMovesByLrTimesSignAsPyTorchDoes() {
        // Step 1: m = 0.05, v = 2.5e-4, m̂ = 0.5, v̂ = 0.25, update = 0.1·0.5/(0.5 + 1e-8).
        float[] p = {1f};
        float[] m = {0f};
        float[] v = {0f};
        ADAM.update(p, m, v, 0, new float[] {0.5f}, 0, 1, 1f, AdamUpdate.Step.of(0.1, 0.9, 0.999, 1e-8, 1));
        assertThat(m[0]).isCloseTo(0.05f, within(1e-8f));
        assertThat(v[0]).isCloseTo(2.5e-4f, within(1e-10f));
        assertThat(p[0]).isCloseTo(0.9f, within(1e-7f));
    }

    @Test
    void adamSecondStepMatchesTheTextbookForm() {
        float[] p = {1f};
        float[] m = {0f};
        float[] v = {0f};
        ADAM.update(p, m, v, 0, new float[] {0.5f}, 0, 1, 1f, AdamUpdate.Step.of(0.1, 0.9, 0.999, 1e-8, 1));
        ADAM.update(p, m, v, 0, new float[] {-1f}, 0, 1, 1f, AdamUpdate.Step.of(0.1, 0.9, 0.999, 1e-8, 2));
        // By hand: m = 0.9·0.05 − 0.1 = −0.055; v = 0.999·2.5e-4 + 0.001 = 1.24975e-3;
        // m̂ = −0.055/0.19; v̂ = 1.24975e-3/0.001999; p = 0.9 − 0.1·m̂/(√v̂ + 1e-8).
        double mHat = -0.055 / 0.19;
        double vHat = 1.24975e-3 / 0.001999;
        double expected = 0.9 - 0.1 * mHat / (Math.sqrt(vHat) + 1e-8);
        assertThat(m[0]).isCloseTo(-0.055f, within(1e-7f));
        assertThat(v[0]).isCloseTo(1.24975e-3f, within(1e-9f));
        assertThat((double) p[0]).isCloseTo(expected, within(1e-6));
        assertThat((double) p[0]).isCloseTo(0.936610, within(1e-5));
    }

    @Test
    void adamTouchesOnlyItsRange() {
        float[] p = {1f, 2f, 3f};
        float[] g = {1f, 1f, 1f};
        float[] m = new float[3];
        float[] v = new float[3];
        ADAM.update(p, m, v, 1, g, 1, 1, 1f, AdamUpdate.Step.of(0.1, 0.9, 0.999, 1e-8, 1));
        assertThat(p[0]).isEqualTo(1f);
        assertThat(p[2]).isEqualTo(3f);
        assertThat(p[1]).isCloseTo(1.9f, within(1e-6f));
    }

    @Test
    void clippingFollowsTorchClipGradNorm() {
        assertThat(GradientClipping.scale(5.0, 1.0)).isCloseTo(1.0 / (5.0 + 1e-6), within(1e-15));
        assertThat(GradientClipping.scale(0.5, 1.0)).isEqualTo(1.0);
        assertThat(GradientClipping.scale(1e9, 0)).as("0 turns clipping off").isEqualTo(1.0);
    }

    @Test
    void learningRateWarmsUpLinearlyThenDecaysAlongACosine() {
        LrSchedule s = new LrSchedule(1.0, 10, 110, 0.1);
        assertThat(s.at(0)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(4)).isCloseTo(0.5, within(1e-12));
        assertThat(s.at(10)).isCloseTo(1.0, within(1e-12));
        assertThat(s.at(60)).isCloseTo(0.1 + 0.9 * 0.5, within(1e-12)); // half way: cos = 0
        assertThat(s.at(110)).isCloseTo(0.1, within(1e-12));
        assertThat(s.at(500)).isCloseTo(0.1, within(1e-12));
        assertThat(LrSchedule.constant(0.3).at(1000)).isEqualTo(0.3);
    }

    @Test
    void reanimationCoefficientAnnealsLinearlyToZero() {
        CoefSchedule c = CoefSchedule.linearAnneal(1e-3, 100, 200);
        assertThat(c.at(0)).isEqualTo(1e-3);
        assertThat(c.at(99)).isEqualTo(1e-3);
        assertThat(c.at(150)).isCloseTo(5e-4, within(1e-15));
        assertThat(c.at(200)).isEqualTo(0.0);
        assertThat(c.at(10_000)).isEqualTo(0.0);
        assertThat(CoefSchedule.constant(1e-4).at(Long.MAX_VALUE - 1)).isEqualTo(1e-4);
    }

    @Test
    void reanimationCoefficientCanFollowAHalfCosine() {
        CoefSchedule c = CoefSchedule.cosineAnneal(1e-3, 100, 200);
        assertThat(c.at(100)).isCloseTo(1e-3, within(1e-15));
        assertThat(c.at(150)).isCloseTo(5e-4, within(1e-15));
        assertThat(c.at(175)).isCloseTo(1e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.75)), within(1e-15));
        assertThat(c.at(200)).isEqualTo(0.0);
    }

    @Test
    void autoScheduleSwitchesOffAfterTheDeadFractionStaysLowForItsPatience() {
        CoefSchedule auto = CoefSchedule.auto(1e-3, 0.05, 3);
        OptimizerState st = new OptimizerState(org.sae4j.model.Sae.initialize(org.sae4j.model.SaeConfig.topK(2, 4, 1)));
        // Window of 30 tokens, 10 rows a step: the first two steps cannot see a dead latent yet and do not count.
        double[] deadFractions = {0.0, 0.0, 0.5, 0.04, 0.03, 0.2, 0.01, 0.02, 0.04, 0.9};
        double[] expected = {1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 0};
        for (int i = 0; i < deadFractions.length; i++) {
            assertThat(st.reanimationCoef(auto)).as("before step %d", i).isEqualTo(expected[i]);
            st.step++;
            st.observeWindowDeadFraction(auto, deadFractions[i], 10, 30);
        }
        assertThat(st.reanimationOff).isTrue();
        st.observeWindowDeadFraction(auto, 0.9, 10, 30);
        assertThat(st.reanimationCoef(auto)).as("off for good").isEqualTo(0.0);
    }

    @Test
    void schedulesParseFromTheCommandLineForm() {
        assertThat(CoefSchedule.parse("constant", 1e-4)).isEqualTo(CoefSchedule.constant(1e-4));
        assertThat(CoefSchedule.parse("linear:10:20", 1e-3)).isEqualTo(CoefSchedule.linearAnneal(1e-3, 10, 20));
        assertThat(CoefSchedule.parse("cosine:0:5", 1e-3)).isEqualTo(CoefSchedule.cosineAnneal(1e-3, 0, 5));
        assertThat(CoefSchedule.parse("auto:0.01:500", 1e-3)).isEqualTo(CoefSchedule.auto(1e-3, 0.01, 500));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoefSchedule.parse("linear:20", 1e-3))
                .isInstanceOf(org.sae4j.BadInputException.class).hasMessageContaining("linear:START:END");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CoefSchedule.parse("cosine:9:3", 1e-3))
                .hasMessageContaining("0 ≤ START ≤ END");
    }
}
