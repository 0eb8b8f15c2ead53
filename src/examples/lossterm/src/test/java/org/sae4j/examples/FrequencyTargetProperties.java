package org.sae4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.sae4j.model.Activation;
import org.sae4j.testkit.FusedAgreement;
import org.sae4j.testkit.GradientCheck;
import org.sae4j.testkit.SaeArbitraries;
import org.sae4j.testkit.SaeCase;

/** The frequency-target term, tested with the kit only. */
class FrequencyTargetProperties {

    @Provide
    Arbitrary<SaeCase> cases() {
        return SaeArbitraries.cases();
    }

    @Provide
    Arbitrary<FusedAgreement.Run> runs() {
        return FusedAgreement.runs();
    }

    /** Its hand-derived gradient, alone, against central differences on the reference step. */
    @Property(tries = 200)
    void gradientMatchesFiniteDifferences(@ForAll("cases") SaeCase c) {
        GradientCheck.of(c.withTerm(new FrequencyTarget(0.3), 0.7)).userTermsOnly().run().assertAgrees();
    }

    /** With every built-in term beside it. */
    @Property(tries = 60)
    void totalGradientMatchesFiniteDifferences(@ForAll("cases") SaeCase c) {
        GradientCheck.of(c.withTerm(new FrequencyTarget(0.3), 0.7)).run().assertAgrees();
    }

    /** Eight fused steps (sparse or dense path) give the parameters of eight reference steps. */
    @Property(tries = 100)
    void fusedAndReferenceStepsAgree(@ForAll("runs") FusedAgreement.Run run) {
        FusedAgreement.check(run.withConfig(run.config().toBuilder().lossTerm(new FrequencyTarget(0.2), 0.5).build()),
                8).assertAgrees();
    }

    /** A sign error in the derived gradient: the kit must catch it whenever the point is differentiable. */
    static final class WrongSign extends FrequencyTarget {
        WrongSign(double target) {
            super(target);
        }

        @Override
        protected double sumPreGradient(double coef, double f, int rows) {
            return -super.sumPreGradient(coef, f, rows);
        }
    }

    @Property(tries = 60)
    void aWrongGradientIsAlwaysCaught(@ForAll("cases") SaeCase c) {
        GradientCheck.Report r = GradientCheck.of(c.withTerm(new WrongSign(0.3), 0.7)).userTermsOnly().run();
        net.jqwik.api.Assume.that(r.skipped() == null);
        assertThat(r.agrees()).as("%s", r).isFalse();
    }

    /** What the report says about it: the worst coordinate, with the analytic value the negative of the numeric one. */
    @org.junit.jupiter.api.Test
    void theReportNamesTheWorstCoordinateAndBothValues() {
        SaeCase c = SaeArbitraries.build(Activation.TOPK, 4, 6, 3, 2, 1, 2026, SaeCase.Hard.NONE);
        GradientCheck.Report r = GradientCheck.of(c.withTerm(new WrongSign(0.3), 0.7)).userTermsOnly().run();
        System.out.println(r);
        assertThat(r.skipped()).isNull();
        assertThat(r.agrees()).isFalse();
        assertThat(r.toString()).startsWith("gradient check FAILED at ").contains("analytic", "numeric", "tolerance",
                "frequency_target × 0.7");
        assertThat(r.coordinate()).matches("(b_enc\\[\\d+\\]|W_enc\\[\\d+,\\d+\\])");
        assertThat(r.analytic()).isCloseTo(-r.numeric(), org.assertj.core.api.Assertions.within(1e-6 * Math.abs(r.numeric())));
        GradientCheck.Report right = GradientCheck.of(c.withTerm(new FrequencyTarget(0.3), 0.7)).userTermsOnly().run();
        assertThat(right.agrees()).as("%s", right).isTrue();
    }
}
