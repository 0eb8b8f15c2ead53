package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.model.SaeConfig;

/** 64 true unit-norm atoms in d=32, samples of 3 atoms plus noise: a TopK SAE with n=128 must find them. */
class PlantedDictionaryRecoveryTest {

    @Test
    void topKRecoversThePlantedAtoms() {
        PlantedDictionary pd = PlantedDictionary.random(32, 64, 1);
        float[] x = pd.sample(8192, 3, 0.01, null, 2);
        TrainConfig tc = TrainConfig.builder().batchSize(128).epochs(20).lr(5e-3).threads(2).seed(3).build();
        Trainer.Summary s = new Trainer(SaeConfig.topK(32, 128, 3).withSeed(4), tc).fit(x, 8192);
        double score = pd.recoveryScore(s.sae().dictionary(), 128);
        System.out.printf("recovery (mean over true atoms of max cosine): %.4f%n", score);
        assertThat(score).isGreaterThanOrEqualTo(0.9);
        assertThat(s.lastEpoch().r2()).isGreaterThan(0.9);
    }
}
