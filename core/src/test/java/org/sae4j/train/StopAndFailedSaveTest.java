package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/** {@link Trainer#requestStop()} and {@link Trainer#retryFailedSaves} for library users. */
class StopAndFailedSaveTest {
    @TempDir
    Path dir;

    private Path data() throws IOException {
        float[] x = PlantedDictionary.random(8, 12, 3).sample(100, 2, 0.05, null, 4);
        Path p = dir.resolve("x.npy");
        NpyWriter.writeF32(p, x, 100, 8);
        return p;
    }

    private static TrainConfig config() {
        return TrainConfig.builder().batchSize(16).epochs(10).maxSteps(30).lr(5e-3).threads(1).seed(3).build();
    }

    private static Trainer trainer() {
        return new Trainer(SaeConfig.topK(8, 24, 3), config());
    }

    /** Copies of the parameters at each save. */
    private record Saved(long step, float[][] params) {}

    private static Checkpointer recording(List<Saved> saves) {
        return st -> {
            float[][] t = st.sae().tensors();
            float[][] copy = new float[t.length][];
            for (int i = 0; i < t.length; i++) {
                copy[i] = t[i].clone();
            }
            saves.add(new Saved(st.step(), copy));
        };
    }

    @Test
    void requestStopFinishesTheStepAndSavesIt() throws IOException {
        Path x = data();
        for (int stopAt : new int[] {1, 7, 20, 29}) {
            List<Saved> saves = new ArrayList<>();
            Trainer t = trainer().checkpoints(10, recording(saves));
            t.addListener(new TrainListener() {
                @Override
                public void onStep(StepStats s) {
                    if (s.step() + 1 == stopAt) {
                        t.requestStop(); // as a signal handler would, mid-step from the loop's point of view
                    }
                }
            });
            Trainer.Summary sum;
            try (NpyDataset ds = NpyDataset.open(x)) {
                sum = t.fit(ds.batches(BatchOptions.of(16, 3)));
            }
            assertThat(sum.steps()).isEqualTo(stopAt);
            assertThat(t.stopped()).isTrue();
            // The stop step is saved exactly once (step 20 already was, as a periodic checkpoint).
            assertThat(saves.get(saves.size() - 1).step()).isEqualTo(stopAt);
            assertThat(saves.stream().filter(s -> s.step() == stopAt)).hasSize(1);
            assertThat(saves.get(saves.size() - 1).params()).isDeepEqualTo(sum.sae().tensors());
        }
        // A stop requested before fit starts: no step, nothing to save for a fresh model.
        List<Saved> saves = new ArrayList<>();
        Trainer t = trainer().checkpoints(10, recording(saves));
        t.requestStop();
        try (NpyDataset ds = NpyDataset.open(x)) {
            assertThat(t.fit(ds.batches(BatchOptions.of(16, 3))).steps()).isZero();
        }
        assertThat(t.stopped()).isTrue();
        assertThat(saves).isEmpty();
    }

    @Test
    void retriedSavesDoNotChangeTrainingAndTheFinalSaveMustSucceed() throws IOException {
        Path x = data();
        List<Saved> reference = new ArrayList<>();
        try (NpyDataset ds = NpyDataset.open(x)) {
            trainer().checkpoints(10, recording(reference)).fit(ds.batches(BatchOptions.of(16, 3)));
        }
        assertThat(reference).extracting(Saved::step).containsExactly(10L, 20L, 30L);

        // Step 10's save fails (the disk is full), step 20's goes through: same parameters as the reference.
        List<Saved> saves = new ArrayList<>();
        List<Long> failed = new ArrayList<>();
        Checkpointer flaky = st -> {
            if (st.step() == 10) {
                throw new IOException("No space left on device");
            }
            recording(saves).save(st);
        };
        Trainer t = trainer().checkpoints(10, flaky).retryFailedSaves(true);
        t.addListener(new TrainListener() {
            @Override
            public void onSaveFailed(long step, IOException cause) {
                failed.add(step);
            }
        });
        try (NpyDataset ds = NpyDataset.open(x)) {
            t.fit(ds.batches(BatchOptions.of(16, 3)));
        }
        assertThat(failed).containsExactly(10L);
        assertThat(saves).extracting(Saved::step).containsExactly(20L, 30L);
        for (int i = 0; i < 2; i++) {
            assertThat(saves.get(i).params()).isDeepEqualTo(reference.get(i + 1).params());
        }

        // Without retry the first failure ends the run; with it, a failing end-of-run save still does.
        for (boolean retry : new boolean[] {false, true}) {
            Trainer u = trainer().checkpoints(10, st -> {
                throw new IOException("disk full at step " + st.step());
            }).retryFailedSaves(retry);
            try (NpyDataset ds = NpyDataset.open(x)) {
                assertThatThrownBy(() -> u.fit(ds.batches(BatchOptions.of(16, 3))))
                        .isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("disk full at step " + (retry ? 30 : 10));
            }
        }
    }

    @Test
    void aStopRightAfterAFailedRetriedSaveStillSavesTheStopStep() throws IOException {
        List<Long> saved = new ArrayList<>();
        int[] attempts = {0};
        Trainer t = trainer().checkpoints(10, st -> {
            if (attempts[0]++ == 0) { // the periodic save at step 10 fails; the stop's save of step 10 is tried again
                throw new IOException("No space left on device");
            }
            saved.add(st.step());
        }).retryFailedSaves(true);
        t.addListener(new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                if (s.step() + 1 == 10) {
                    t.requestStop();
                }
            }
        });
        try (NpyDataset ds = NpyDataset.open(data())) {
            Sae sae = t.fit(ds.batches(BatchOptions.of(16, 3))).sae();
            assertThat(sae).isNotNull();
        }
        assertThat(saved).containsExactly(10L);
    }
}
