package org.sae4j.testkit;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The kit's own agreement check on the built-in terms (re-animation through the loss-term contract). */
class FusedAgreementProperties {

    @Provide
    Arbitrary<FusedAgreement.Run> runs() {
        return FusedAgreement.runs();
    }

    @Property(tries = 100)
    void builtInTermsAgreeThroughBothSteps(@ForAll("runs") FusedAgreement.Run run) {
        FusedAgreement.check(run, 8).assertAgrees();
    }

    /**
     * Simulates a fused-path bug: a term whose coefficient is off by 10 % only when the fused step's inputs ask (the
     * reference's inputs are a record nested in ReferenceLoss). The check must report a disagreement in an encoder
     * tensor.
     */
    @org.junit.jupiter.api.Test
    void aStepThatConsumesATermDifferentlyIsCaught() {
        org.sae4j.train.loss.LossTerm skewed = new org.sae4j.train.loss.LossTerm() {
            @Override
            public String name() {
                return "skewed";
            }

            @Override
            public double evaluate(org.sae4j.train.loss.LatentInputs in, double coef,
                                   org.sae4j.train.loss.LatentPartials out) {
                double f = in.getClass().getName().contains("fused") ? 1.1 : 1.0;
                for (int j = 0; j < in.latents(); j++) {
                    out.addSumPre(j, -coef * f / in.rows());
                }
                return 0;
            }
        };
        FusedAgreement.Run run = FusedAgreement.run(org.sae4j.model.Activation.RELU, 6, 20, 6, 1,
                org.sae4j.train.Optimizer.SGD, false, 4);
        org.assertj.core.api.Assertions.assertThat(FusedAgreement.check(run, 4).agrees()).isTrue();
        FusedAgreement.Report r = FusedAgreement.check(
                run.withConfig(run.config().toBuilder().lossTerm(skewed, 1).build()), 4);
        org.assertj.core.api.Assertions.assertThat(r.agrees()).isFalse();
        org.assertj.core.api.Assertions.assertThat(r.toString()).startsWith("fused and reference steps DISAGREE:")
                .containsAnyOf("of W_enc after step", "of b_enc after step");
    }
}
