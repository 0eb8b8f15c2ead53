package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.model.SaeConfig;

/**
 * The seed's claim: with a large shared mean offset in the data, a TopK SAE's encoder picks the same few latents for
 * every row and most latents die; the re-animation term revives them without changing TopK's L0.
 */
class DeadCodeRevivalTest {

    static Trainer.Summary train(double reanimationCoef) {
        PlantedDictionary pd = PlantedDictionary.random(32, 64, 1);
        float[] offset = PlantedDictionary.random(32, 1, 9).truth();
        for (int i = 0; i < offset.length; i++) {
            offset[i] *= 5f; // ‖offset‖ = 5 against samples of norm ≈ 1.7
        }
        float[] x = pd.sample(4096, 3, 0.01, offset, 2);
        TrainConfig tc = TrainConfig.builder().batchSize(128).epochs(30).lr(5e-3).reanimation(reanimationCoef)
                .threads(2).seed(3).build();
        return new Trainer(SaeConfig.topK(32, 128, 4).withSeed(4), tc).fit(x, 4096);
    }

    @Test
    void reanimationCutsTheDeadFractionAtLeastThreefoldAndKeepsL0() {
        Trainer.Summary without = train(0);
        Trainer.Summary with = train(1e-3);
        double deadWithout = without.lastEpoch().deadFraction();
        double deadWith = with.lastEpoch().deadFraction();
        System.out.printf("dead fraction over the last epoch: without re-animation %.3f, with 1e-3 %.3f%n",
                deadWithout, deadWith);
        assertThat(deadWithout).as("the setup must kill latents without help").isGreaterThan(0.3);
        assertThat(deadWith).isLessThanOrEqualTo(deadWithout / 3);
        assertThat(with.lastEpoch().l0()).isEqualTo(4.0);
        assertThat(without.lastEpoch().l0()).isEqualTo(4.0);
    }
}
