package org.sae4j.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sae4j.model.Activation;

/**
 * The ordering src/docs/dead-codes.md claims, at a reduced size (TopK): without help most latents die; the seed's
 * re-animation term cuts that the more the larger its coefficient; overcomplete's per-dead-latent form revives
 * (nearly) all; TopK's L0 never changes.
 */
class DeadCodesExperimentTest {

    @Test
    void reanimationOrdersTheDeadFractionAsTheWriteUpSays() {
        DeadCodes.Setup s = DeadCodes.Setup.quick();
        float[] x = DeadCodes.data(s);
        List<DeadCodes.Method> m = DeadCodes.methods();
        DeadCodes.Result nothing = DeadCodes.run(s, x, Activation.TOPK, m.get(0));
        DeadCodes.Result small = DeadCodes.run(s, x, Activation.TOPK, m.get(1));
        DeadCodes.Result seed = DeadCodes.run(s, x, Activation.TOPK, m.get(2));
        DeadCodes.Result overcomplete = DeadCodes.run(s, x, Activation.TOPK, m.get(3));
        System.out.print(DeadCodes.table(List.of(nothing, small, seed, overcomplete)));

        assertThat(nothing.windowDead()).as("the setup must kill latents").isGreaterThan(0.5);
        assertThat(small.windowDead()).isLessThan(nothing.windowDead());
        assertThat(seed.windowDead()).isLessThanOrEqualTo(nothing.windowDead() / 2).isLessThan(small.windowDead());
        assertThat(overcomplete.windowDead()).isLessThanOrEqualTo(0.01);
        for (DeadCodes.Result r : List.of(nothing, small, seed, overcomplete)) {
            assertThat(r.l0()).as(r.method()).isEqualTo(s.k());
        }
    }
}
