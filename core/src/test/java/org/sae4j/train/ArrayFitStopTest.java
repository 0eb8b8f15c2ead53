package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/** The array {@code fit} runs the same loop as the stream one, so it stops on request between steps too. */
class ArrayFitStopTest {
    private final float[] data = PlantedDictionary.random(8, 12, 5).sample(300, 2, 0.01, null, 6);

    private TrainConfig.Builder small() {
        return TrainConfig.builder().batchSize(64).epochs(3).lr(1e-2).threads(1).seed(9);
    }

    @Test
    void aStopRequestedAtStepFiveLeavesTheModelOfAFiveStepRun() {
        Trainer t = new Trainer(SaeConfig.topK(8, 24, 2), small().build());
        t.addListener(new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                if (s.step() + 1 == 5) {
                    t.requestStop();
                }
            }
        });
        Trainer.Summary stopped = t.fit(data, 300);
        Trainer.Summary cut = new Trainer(SaeConfig.topK(8, 24, 2), small().maxSteps(5).build()).fit(data, 300);

        assertThat(t.stopped()).isTrue();
        assertThat(stopped.steps()).isEqualTo(5);
        // Five steps cross the first epoch (4 batches of 64 in 300 rows): the cut run closes its second epoch's
        // line at the end, the stopped run does not, as a stopped stream run does not.
        assertThat(cut.lastEpoch().epoch()).isEqualTo(2);
        assertThat(stopped.lastEpoch().epoch()).isEqualTo(1);
        Sae a = stopped.sae();
        Sae b = cut.sae();
        for (int i = 0; i < a.tensors().length; i++) {
            assertThat(a.tensors()[i]).containsExactly(b.tensors()[i]);
        }
    }
}
