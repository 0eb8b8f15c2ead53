package org.sae4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sae4j.model.Activation;
import org.sae4j.train.ReferenceLoss;

/** The hard cases are what they say they are. */
class SaeArbitrariesTest {

    private static ReferenceLoss.Result forward(SaeCase c) {
        try (ReferenceLoss loss = new ReferenceLoss(c.cfg(), 1)) {
            return loss.evaluate(c.params(), c.x(), 0, c.rows(), c.weights(), ReferenceLoss.ALL_TERMS, false);
        }
    }

    @Test
    void deadLatentsFireNowhereAndAreWindowDead() {
        for (Activation act : Activation.values()) {
            SaeCase c = SaeArbitraries.build(act, 5, 12, 4, 3, 0, 17, SaeCase.Hard.DEAD_LATENTS);
            ReferenceLoss.Result r = forward(c);
            int both = 0;
            for (int j = 0; j < 12; j++) {
                both += r.dead[j] && c.windowDead()[j] ? 1 : 0;
            }
            assertThat(both).as("%s", act).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void atThresholdPutsAPreActivationOnItsGate() {
        SaeCase j = SaeArbitraries.build(Activation.JUMPRELU, 5, 12, 4, 3, 0, 3, SaeCase.Hard.AT_THRESHOLD);
        SaeCase relu = SaeArbitraries.build(Activation.RELU, 5, 12, 4, 3, 0, 3, SaeCase.Hard.AT_THRESHOLD);
        assertThat(GradientCheck.of(j).run().skipped()).contains("within the margin of its gate");
        assertThat(GradientCheck.of(relu).run().skipped()).contains("within the margin of its gate");
    }

    @Test
    void tieAtKMakesTheKthValuesEqual() {
        SaeCase c = SaeArbitraries.build(Activation.TOPK, 6, 10, 3, 3, 0, 5, SaeCase.Hard.TIE_AT_K);
        double[] pre = SaeArbitraries.pre(c);
        double[] row = java.util.Arrays.copyOf(pre, 10);
        java.util.Arrays.sort(row);
        assertThat(row[10 - 3] - row[10 - 4]).isLessThan(1e-12);
    }

    @Test
    void tieAtKTiesAGroupMaximumForGroupMax() {
        SaeCase c = SaeArbitraries.build(Activation.GROUPMAX, 6, 12, 3, 3, 0, 5, SaeCase.Hard.TIE_AT_K);
        double[] pre = SaeArbitraries.pre(c);
        int ties = 0;
        for (int g = 0; g < 3; g++) {
            double[] group = java.util.Arrays.copyOfRange(pre, 4 * g, 4 * g + 4);
            java.util.Arrays.sort(group);
            ties += group[3] - group[2] < 1e-12 ? 1 : 0;
        }
        assertThat(ties).isEqualTo(1);
        assertThat(GradientCheck.of(c).run().skipped()).contains("GroupMax's maximum");
    }

    @Test
    void singleRowAndScales() {
        assertThat(SaeArbitraries.build(Activation.TOPK, 4, 8, 5, 2, 0, 1, SaeCase.Hard.SINGLE_ROW).rows())
                .isEqualTo(1);
        SaeCase plain = SaeArbitraries.build(Activation.RELU, 4, 8, 5, 2, 0, 1, SaeCase.Hard.NONE);
        SaeCase huge = SaeArbitraries.build(Activation.RELU, 4, 8, 5, 2, 0, 1, SaeCase.Hard.HUGE_SCALE);
        SaeCase tiny = SaeArbitraries.build(Activation.RELU, 4, 8, 5, 2, 0, 1, SaeCase.Hard.TINY_SCALE);
        assertThat(huge.x()[0]).isCloseTo(plain.x()[0] * 1e3f, org.assertj.core.api.Assertions.within(1e-2f));
        assertThat(GradientCheck.scale(huge.x())).isEqualTo(1e3);
        assertThat(GradientCheck.scale(tiny.x())).isEqualTo(1e-3);
        assertThat(GradientCheck.scale(plain.x())).isEqualTo(1);
    }
}
