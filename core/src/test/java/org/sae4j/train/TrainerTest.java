package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

class TrainerTest {
    private final PlantedDictionary pd = PlantedDictionary.random(8, 12, 5);
    private final float[] data = pd.sample(300, 2, 0.01, null, 6);

    private TrainConfig.Builder small() {
        return TrainConfig.builder().batchSize(64).epochs(2).lr(1e-2).threads(1).seed(9);
    }

    @Test
    void sameSeedsGiveIdenticalModelsWhateverTheThreadCount() {
        Sae a = new Trainer(SaeConfig.topK(8, 24, 2), small().build()).fit(data, 300).sae();
        Sae b = new Trainer(SaeConfig.topK(8, 24, 2), small().threads(3).build()).fit(data, 300).sae();
        Sae c = new Trainer(SaeConfig.topK(8, 24, 2), small().seed(10).build()).fit(data, 300).sae();
        assertThat(a.wEnc()).containsExactly(b.wEnc());
        assertThat(a.wDec()).containsExactly(b.wDec());
        assertThat(a.wEnc()).isNotEqualTo(c.wEnc());
    }

    @Test
    void listenersSeeEveryStepAndEveryEpoch() {
        List<StepStats> steps = new ArrayList<>();
        List<EpochStats> epochs = new ArrayList<>();
        Trainer t = new Trainer(SaeConfig.topK(8, 24, 2), small().build());
        t.addListener(new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                steps.add(s);
            }

            @Override
            public void onEpoch(EpochStats e) {
                epochs.add(e);
            }
        });
        Trainer.Summary s = t.fit(data, 300);
        assertThat(steps).hasSize(8); // 300 rows / 64 = 4 full batches per epoch, the partial one dropped
        assertThat(s.steps()).isEqualTo(8);
        assertThat(steps.get(5).step()).isEqualTo(5);
        assertThat(steps.get(5).epoch()).isEqualTo(1);
        assertThat(steps).allSatisfy(st -> {
            assertThat(st.l0()).isBetween(0.0, 2.0);
            assertThat(st.deadFraction()).isBetween(0.0, 1.0);
            assertThat(st.dead()).hasSize(24);
        });
        assertThat(epochs).hasSize(2);
        assertThat(epochs.get(1).line()).startsWith("Epoch[2/2], Loss: ").contains("Dead Features: ")
                .endsWith(" seconds");
    }

    @Test
    void maxStepsStopsEarly() {
        Trainer.Summary s = new Trainer(SaeConfig.topK(8, 24, 2), small().epochs(10).maxSteps(5).build())
                .fit(data, 300);
        assertThat(s.steps()).isEqualTo(5);
    }

    @Test
    void nonFiniteDataIsRefusedNamingTheRow() {
        float[] bad = data.clone();
        bad[3 * 8 + 5] = Float.NaN;
        assertThatThrownBy(() -> new Trainer(SaeConfig.topK(8, 24, 2), small().build()).fit(bad, 300))
                .isInstanceOf(BadInputException.class).hasMessageContaining("row 3 column 5 is NaN");
    }

    /** One SGD step moves each parameter by exactly −lr·(clip scale)·gradient of the reference loss. */
    @Test
    void sgdStepMovesByLearningRateTimesTheClippedGradient() {
        for (double clip : new double[] {0, 1e-3}) {
            Sae sae = Sae.initialize(SaeConfig.topK(8, 24, 3).withSeed(1));
            sae.initDecoderBiasToMean(data, 0, 64);
            Sae before = sae.copy();
            TrainConfig cfg = small().optimizer(Optimizer.SGD).lr(0.1).clipGrad(clip).build();
            ReferenceLoss.Result r;
            try (ReferenceLoss loss = new ReferenceLoss(sae.config(), 1)) {
                r = loss.evaluate(DoubleParams.of(sae), data, 0, 64, cfg.weights(new OptimizerState(sae)), ReferenceLoss.ALL_TERMS, true);
            }
            double scale = GradientClipping.scale(Math.sqrt(r.grad.squaredNorm()), clip);
            try (ReferenceStep step = new ReferenceStep(sae, cfg.toBuilder().build(), 1)) {
                step.step(data, 0, 64, 0);
            }
            // W_enc is not renormalised, so its update is exactly the SGD move.
            for (int i = 0; i < sae.wEnc().length; i++) {
                double moved = sae.wEnc()[i] - before.wEnc()[i];
                assertThat(moved).isCloseTo(-0.1 * scale * r.grad.wEnc[i], within(1e-6 * (1 + Math.abs(moved))));
            }
            assertThat(sae.bEnc()[0] - before.bEnc()[0])
                    .isCloseTo((float) (-0.1 * scale * r.grad.bEnc[0]), within(1e-6f));
        }
    }
}
