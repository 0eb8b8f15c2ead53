package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * 20 steps equal 10 steps, a checkpoint written to disk and read back, then 10 more steps: every parameter and
 * every Adam moment bit for bit, and the same per-step losses. The run crosses an epoch boundary after the resume
 * point, and uses warm-up, a re-animation schedule (linear, cosine or AUTO) and AuxK with a short dead window, so
 * the step count, the schedules and AUTO's decision, the data position, the latents' firing history and BatchTopK's
 * threshold all have to come back exactly.
 */
class ExactResumeTest {
    @TempDir
    Path dir;

    private static final int D = 8;
    private static final int ROWS = 100; // 6 batches of 16 per epoch: steps 10..19 cross into epochs 2 and 3

    private Path data() throws IOException {
        float[] x = PlantedDictionary.random(D, 12, 3).sample(ROWS, 2, 0.05, null, 4);
        Path p = dir.resolve("x.npy");
        NpyWriter.writeF32(p, x, ROWS, D);
        return p;
    }

    private static TrainConfig config(int maxSteps, Activation act) {
        return TrainConfig.builder().batchSize(16).epochs(4).maxSteps(maxSteps).lr(5e-3).warmupSteps(5)
                .reanimation(schedule(act)).clipGrad(0.5)
                .auxk(1.0 / 32, 4).deadWindowTokens(48) // AuxK on: the per-latent firing history must come back too
                .l0(act == Activation.JUMPRELU ? 1e-3 : 0).l1(act == Activation.RELU ? 1e-3 : 0, false)
                // The remedies: resampling draws from the step's own batch and the step's seed, so it needs no
                // state of its own to resume exactly (steps 12, 16 and 20 resample after the resume at 10).
                .resampleEvery(4).preAct(act == Activation.JUMPRELU ? 1e-3 : 0)
                .threads(2).seed(7).build();
    }

    /**
     * A different re-animation schedule per activation. AUTO (threshold 1: every step counts as calm) switches the
     * term off at step 12, after the resume point, so its count must survive the checkpoint.
     */
    private static CoefSchedule schedule(Activation act) {
        return switch (act) {
            case TOPK -> CoefSchedule.linearAnneal(0.05, 3, 15);
            case RELU -> CoefSchedule.cosineAnneal(0.05, 3, 15);
            default -> CoefSchedule.auto(0.05, 1.0, 12);
        };
    }

    private static SaeConfig sae(Activation act) {
        return new SaeConfig(D, 24, act, 3, true, false, 0.05, 0.05, 11);
    }

    private static List<Double> losses(Trainer t) {
        List<Double> l = new ArrayList<>();
        t.addListener(new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                l.add(s.loss());
            }
        });
        return l;
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void twentyStepsEqualTenPlusResumePlusTen(Activation act) throws IOException {
        Path x = data();
        BatchOptions bo = BatchOptions.of(16, 7).withChunkRows(32).withChunksPerGroup(2);
        Path full = dir.resolve("full");
        Path half = dir.resolve("half");
        List<Double> fullLosses;
        List<Double> resumedLosses = new ArrayList<>();
        List<EpochStats> fullEpochs = new ArrayList<>();
        List<EpochStats> resumedEpochs = new ArrayList<>();
        try (NpyDataset ds = NpyDataset.open(x)) {
            Trainer a = new Trainer(sae(act), config(20, act)).checkpoints(0, st -> Checkpoint.save(full, st, null));
            fullLosses = losses(a);
            a.addListener(epochs(fullEpochs));
            a.fit(ds.batches(bo));

            Trainer b = new Trainer(sae(act), config(10, act)).checkpoints(4, st -> Checkpoint.save(half, st, null));
            b.addListener(epochs(resumedEpochs));
            List<Double> first = losses(b);
            b.fit(ds.batches(bo));
            resumedLosses.addAll(first);
        }
        Checkpoint.Loaded loaded = Checkpoint.load(half);
        assertThat(loaded.state().step()).isEqualTo(10);
        assertThat(loaded.state().next()).isEqualTo(new org.sae4j.data.BatchStream.Position(1, 4));
        try (NpyDataset ds = NpyDataset.open(x)) {
            Trainer c = new Trainer(loaded.sae(), config(20, act)).resumeFrom(loaded.state())
                    .checkpoints(0, st -> Checkpoint.save(half, st, null));
            List<Double> second = losses(c.addListener(epochs(resumedEpochs)));
            c.fit(ds.batches(loaded.state().batches()));
            resumedLosses.addAll(second);
        }
        assertThat(resumedLosses).containsExactlyElementsOf(fullLosses);
        Checkpoint.Loaded f = Checkpoint.load(full);
        Checkpoint.Loaded r = Checkpoint.load(half);
        assertThat(r.state().step()).isEqualTo(20);
        float[][] pf = f.sae().tensors();
        float[][] pr = r.sae().tensors();
        for (int t = 0; t < pf.length; t++) {
            String name = f.sae().tensorNames()[t];
            assertThat(pr[t]).as(name).containsExactly(pf[t]);
            assertThat(r.state().optimizer().m[t]).as("exp_avg of " + name).containsExactly(f.state().optimizer().m[t]);
            assertThat(r.state().optimizer().v[t]).as("exp_avg_sq of " + name)
                    .containsExactly(f.state().optimizer().v[t]);
        }
        assertThat(r.state().next()).isEqualTo(f.state().next());
        assertThat(r.state().optimizer().sinceFired).containsExactly(f.state().optimizer().sinceFired);
        assertThat(r.state().optimizer().reanimationOff).isEqualTo(f.state().optimizer().reanimationOff)
                .isEqualTo(r.state().config().reanimation().kind() == CoefSchedule.Kind.AUTO);
        assertThat(r.sae().batchTopKThreshold()).isEqualTo(f.sae().batchTopKThreshold());
        // Epoch figures survive the resume too (the epoch in progress at step 10 is finished after it).
        assertThat(resumedEpochs).hasSameSizeAs(fullEpochs);
        for (int e = 0; e < fullEpochs.size(); e++) {
            EpochStats u = fullEpochs.get(e);
            EpochStats v = resumedEpochs.get(e);
            assertThat(List.of(v.epoch(), v.steps(), v.loss(), v.r2(), v.l0(), v.deadFraction()))
                    .isEqualTo(List.of(u.epoch(), u.steps(), u.loss(), u.r2(), u.l0(), u.deadFraction()));
        }
    }

    private static TrainListener epochs(List<EpochStats> sink) {
        return new TrainListener() {
            @Override
            public void onEpoch(EpochStats e) {
                sink.add(e);
            }
        };
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = "TOPK")
    void requestStopSavesAResumableCheckpoint(Activation act) throws IOException {
        Path x = data();
        BatchOptions bo = BatchOptions.of(16, 7);
        Path ck = dir.resolve("stopped");
        Sae stoppedAt;
        try (NpyDataset ds = NpyDataset.open(x)) {
            Trainer t = new Trainer(sae(act), config(20, act)).checkpoints(0, st -> Checkpoint.save(ck, st, null));
            t.addListener(new TrainListener() {
                @Override
                public void onStep(StepStats s) {
                    if (s.step() == 6) {
                        t.requestStop();
                    }
                }
            });
            Trainer.Summary s = t.fit(ds.batches(bo));
            assertThat(s.steps()).isEqualTo(7);
            stoppedAt = s.sae();
        }
        Checkpoint.Loaded l = Checkpoint.load(ck);
        assertThat(l.state().step()).isEqualTo(7);
        assertThat(l.sae().wEnc()).containsExactly(stoppedAt.wEnc());

        // Resuming on other data is refused rather than silently continuing a different run.
        Path other = dir.resolve("other.npy");
        NpyWriter.writeF32(other, new float[(ROWS - 1) * D], ROWS - 1, D);
        try (NpyDataset ds = NpyDataset.open(other)) {
            Trainer t = new Trainer(l.sae(), config(20, act)).resumeFrom(l.state());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.fit(ds.batches(l.state().batches())))
                    .isInstanceOf(org.sae4j.BadInputException.class)
                    .hasMessageContaining("99 rows; expected the 100 rows the checkpoint was trained on");
        }
    }
}
