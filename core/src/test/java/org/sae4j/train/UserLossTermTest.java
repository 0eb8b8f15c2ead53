package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;
import org.sae4j.train.checkpoint.Checkpoint;
import org.sae4j.train.loss.LatentInputs;
import org.sae4j.train.loss.LatentPartials;
import org.sae4j.train.loss.LossTerm;

/**
 * A user {@link LossTerm} registered on {@link TrainConfig}: what it reads is the same on the fused step's sparse and
 * dense paths as in the reference, its gradient moves the parameters the same way through both steps, its value is
 * reported by name, and a run with it resumes bit for bit only when the same term is registered again.
 */
class UserLossTermTest {
    @TempDir
    Path dir;

    /** Pulls every latent's mean pre-activation up: value −Σ_j Σ_b pre_bj / (B·n), a smooth term of Σ pre only. */
    static final class MeanPre implements LossTerm {
        @Override
        public String name() {
            return "mean_pre";
        }

        @Override
        public double evaluate(LatentInputs in, double coef, LatentPartials out) {
            double per = 1.0 / ((double) in.rows() * in.latents());
            double v = 0;
            for (int j = 0; j < in.latents(); j++) {
                v -= in.sumPre(j) * per;
                if (coef != 0) {
                    out.addSumPre(j, -coef * per);
                }
            }
            return v;
        }
    }

    /** Records every aggregate it is shown (the first call only), and adds no gradient. */
    static final class Recorder implements LossTerm {
        final List<double[]> seen = new ArrayList<>();

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public double evaluate(LatentInputs in, double coef, LatentPartials out) {
            if (seen.isEmpty()) {
                int n = in.latents();
                double[] count = new double[n];
                double[] pre = new double[n];
                double[] z = new double[n];
                double[] norm = new double[n];
                double[] dead = new double[n];
                for (int j = 0; j < n; j++) {
                    count[j] = in.count(j);
                    pre[j] = in.sumPre(j);
                    z[j] = in.sumZ(j);
                    norm[j] = in.decoderNorm(j);
                    dead[j] = (in.batchDead(j) ? 1 : 0) + (in.windowDead(j) ? 2 : 0);
                }
                seen.addAll(List.of(count, pre, z, norm, dead,
                        new double[] {in.rows(), in.dim(), in.batchDeadCount(), in.windowDeadCount(), in.step()}));
            }
            return 0;
        }
    }

    private static float[] data(int rows, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (Gaussian.next(r) + (i % d == 0 ? 2 : 0));
        }
        return x;
    }

    @ParameterizedTest
    @CsvSource({"TOPK, 2", "RELU, 2", "RELU, -1", "JUMPRELU, 2", "JUMPRELU, -1", "BATCHTOPK, 2"})
    void aTermSeesTheSameAggregatesOnEitherPathAsInTheReference(Activation act, double denseSwitch) {
        int d = 12;
        int n = 40;
        int rows = 9;
        SaeConfig cfg = new SaeConfig(d, n, act, 3, true, false, 0.05, 0.05, 5);
        float[] x = data(rows, d, 1);
        Sae init = Sae.initialize(cfg);
        init.initDecoderBiasToMean(x, 0, rows);
        Recorder fusedSeen = new Recorder();
        Recorder refSeen = new Recorder();
        TrainConfig.Builder tb = TrainConfig.builder().batchSize(rows).threads(2).deadWindowTokens(rows);
        try (FusedStep f = new FusedStep(init.copy(), tb.lossTerm(fusedSeen, 1).build(), 1,
                new OptimizerState(init), denseSwitch);
             ReferenceStep r = new ReferenceStep(init.copy(), TrainConfig.builder().batchSize(rows).threads(2)
                     .deadWindowTokens(rows).lossTerm(refSeen, 1).build(), 1)) {
            StepStats sf = f.step(x, 0, rows, 0);
            r.step(x, 0, rows, 0);
            assertThat(sf.terms()).containsOnlyKeys("recorder");
        }
        String[] what = {"count", "sumPre", "sumZ", "decoderNorm", "dead masks", "scalars"};
        for (int a = 0; a < what.length; a++) {
            double[] fv = fusedSeen.seen.get(a);
            double[] rv = refSeen.seen.get(a);
            double scale = 0;
            for (double v : rv) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int j = 0; j < rv.length; j++) {
                assertThat(fv[j]).as("%s[%d] (%s path)", what[a], j, denseSwitch < 0 ? "dense" : "sparse")
                        .isCloseTo(rv[j], within(a == 0 || a >= 4 ? 0 : 1e-5 * (1 + scale)));
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"TOPK, 2", "RELU, 2", "RELU, -1", "JUMPRELU, -1"})
    void aUserTermTrainsTheSameThroughTheFusedAndTheReferenceStep(Activation act, double denseSwitch) {
        int d = 10;
        int n = 30;
        int rows = 8;
        SaeConfig cfg = new SaeConfig(d, n, act, 3, true, false, 0.05, 0.05, 9);
        float[] x = data(3 * rows, d, 2);
        Sae init = Sae.initialize(cfg);
        init.initDecoderBiasToMean(x, 0, rows);
        TrainConfig plain = TrainConfig.builder().batchSize(rows).lr(1e-3).reanimation(0).threads(2).build();
        TrainConfig withTerm = plain.toBuilder().lossTerm(new MeanPre(), CoefSchedule.linearAnneal(0.5, 2, 8)).build();
        Sae ref = init.copy();
        Sae fused = init.copy();
        Sae without = init.copy();
        try (ReferenceStep a = new ReferenceStep(ref, withTerm, 6);
             FusedStep b = new FusedStep(fused, withTerm, 6, new OptimizerState(fused), denseSwitch);
             FusedStep c = new FusedStep(without, plain, 6, new OptimizerState(without), denseSwitch)) {
            for (int s = 0; s < 6; s++) {
                int off = (s % 3) * rows * d;
                StepStats sa = a.step(x, off, rows, 0);
                StepStats sb = b.step(x, off, rows, 0);
                c.step(x, off, rows, 0);
                assertThat(sb.terms().get("mean_pre")).as("value at step %d", s)
                        .isCloseTo(sa.terms().get("mean_pre"), within(1e-5 * (1 + Math.abs(sa.terms().get("mean_pre")))));
                assertThat(sb.loss()).as("loss at step %d", s).isCloseTo(sa.loss(), within(1e-5 * (1 + sa.loss())));
            }
        }
        double moved = 0;
        double apart = 0;
        for (int j = 0; j < n; j++) {
            moved = Math.max(moved, Math.abs(fused.bEnc()[j] - without.bEnc()[j]));
            apart = Math.max(apart, Math.abs(fused.bEnc()[j] - ref.bEnc()[j]));
        }
        assertThat(moved).as("the term moved b_enc").isGreaterThan(1e-4);
        assertThat(apart).as("fused and reference b_enc").isLessThan(moved * 1e-2);
    }

    /** The weighted L1 written as a user term: ∂/∂Σz before the forward pass, ∂/∂‖W_dec‖ after it. */
    static final class MyWeightedL1 implements LossTerm {
        @Override
        public String name() {
            return "my_l1";
        }

        @Override
        public void codeGradient(LatentInputs before, double coef, LatentPartials out) {
            for (int j = 0; j < before.latents(); j++) {
                out.addSumZ(j, coef / before.rows() * before.decoderNorm(j));
            }
        }

        @Override
        public double evaluate(LatentInputs in, double coef, LatentPartials out) {
            double v = 0;
            for (int j = 0; j < in.latents(); j++) {
                v += in.sumZ(j) * in.decoderNorm(j);
                out.addDecoderNorm(j, coef / in.rows() * in.sumZ(j));
            }
            return v / in.rows();
        }
    }

    /** JumpReLU's L0 written as a user term: ∂/∂count before the forward pass. */
    static final class MyL0 implements LossTerm {
        @Override
        public String name() {
            return "my_l0";
        }

        @Override
        public void codeGradient(LatentInputs before, double coef, LatentPartials out) {
            for (int j = 0; j < before.latents(); j++) {
                out.addCount(j, coef / before.rows());
            }
        }

        @Override
        public double evaluate(LatentInputs in, double coef, LatentPartials out) {
            long c = 0;
            for (int j = 0; j < in.latents(); j++) {
                c += in.count(j);
            }
            return (double) c / in.rows();
        }
    }

    /**
     * Every gradient channel of the contract, on both paths: the weighted L1 (and, for JumpReLU, the L0) written as
     * user terms give the parameters of the built-in ones bit for bit (the same coefficients, added in the same
     * order).
     */
    @ParameterizedTest
    @CsvSource({"RELU, 2", "RELU, -1", "JUMPRELU, 2", "JUMPRELU, -1", "TOPK, 2"})
    void aUserTermUsingEveryChannelTrainsLikeTheBuiltInItCopies(Activation act, double denseSwitch) {
        int d = 10;
        int n = 30;
        int rows = 8;
        SaeConfig cfg = new SaeConfig(d, n, act, 3, true, false, 0.05, 0.05, 9);
        float[] x = data(3 * rows, d, 2);
        Sae init = Sae.initialize(cfg);
        init.initDecoderBiasToMean(x, 0, rows);
        TrainConfig base = TrainConfig.builder().batchSize(rows).lr(1e-3).reanimation(0.1).threads(2).build();
        boolean jump = act == Activation.JUMPRELU;
        TrainConfig builtIn = base.toBuilder().l1(0.05, true).l0(jump ? 0.02 : 0).build();
        TrainConfig.Builder ub = base.toBuilder().lossTerm(new MyWeightedL1(), 0.05);
        TrainConfig user = (jump ? ub.lossTerm(new MyL0(), 0.02) : ub).build();
        Sae a = init.copy();
        Sae b = init.copy();
        try (FusedStep sa = new FusedStep(a, builtIn, 6, new OptimizerState(a), denseSwitch);
             FusedStep sb = new FusedStep(b, user, 6, new OptimizerState(b), denseSwitch)) {
            for (int s = 0; s < 6; s++) {
                int off = (s % 3) * rows * d;
                StepStats ra = sa.step(x, off, rows, 0);
                StepStats rb = sb.step(x, off, rows, 0);
                // The same loss up to the order of the sum (the user term is added last).
                assertThat(rb.loss()).as("loss at step %d", s).isCloseTo(ra.loss(), within(1e-12 * (1 + ra.loss())));
            }
        }
        float[][] pa = a.tensors();
        float[][] pb = b.tensors();
        for (int t = 0; t < pa.length; t++) {
            assertThat(pb[t]).as(a.tensorNames()[t]).containsExactly(pa[t]);
        }
    }

    /** Before the forward pass a term may not read the batch's aggregates, on either step. */
    @Test
    void batchAggregatesAreNotKnownBeforeTheForwardPass() {
        LossTerm peeking = new LossTerm() {
            @Override
            public String name() {
                return "peeking";
            }

            @Override
            public void codeGradient(LatentInputs before, double coef, LatentPartials out) {
                before.sumPre(0);
            }

            @Override
            public double evaluate(LatentInputs in, double coef, LatentPartials out) {
                return 0;
            }
        };
        SaeConfig cfg = SaeConfig.topK(4, 8, 2);
        float[] x = data(4, 4, 3);
        TrainConfig tc = TrainConfig.builder().batchSize(4).threads(1).lossTerm(peeking, 1).build();
        Sae sae = Sae.initialize(cfg);
        try (FusedStep f = new FusedStep(sae.copy(), tc, 1); ReferenceStep r = new ReferenceStep(sae.copy(), tc, 1)) {
            assertThatThrownBy(() -> f.step(x, 0, 4, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Σ pre is not known before the forward pass");
            assertThatThrownBy(() -> r.step(x, 0, 4, 0)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Σ pre is not known before the forward pass");
        }
    }

    private static final int D = 8;
    private static final int ROWS = 100;

    private static TrainConfig resumable(int maxSteps, LossTerm term) {
        TrainConfig.Builder b = TrainConfig.builder().batchSize(16).epochs(4).maxSteps(maxSteps).lr(5e-3)
                .reanimation(0.05).threads(2).seed(7);
        return (term == null ? b : b.lossTerm(term, CoefSchedule.cosineAnneal(0.3, 2, 15))).build();
    }

    @Test
    void aRunWithAUserTermResumesBitForBitOnlyWithTheSameTerm() throws IOException {
        Path x = dir.resolve("x.npy");
        NpyWriter.writeF32(x, PlantedDictionary.random(D, 12, 3).sample(ROWS, 2, 0.05, null, 4), ROWS, D);
        BatchOptions bo = BatchOptions.of(16, 7);
        SaeConfig sae = new SaeConfig(D, 24, Activation.TOPK, 3, true, false, 0.05, 0.05, 11);
        Path half = dir.resolve("half");
        Sae full;
        List<Double> fullValues = new ArrayList<>();
        List<Double> resumedValues = new ArrayList<>();
        try (NpyDataset ds = NpyDataset.open(x)) {
            Trainer a = new Trainer(sae, resumable(20, new MeanPre()));
            a.addListener(values(fullValues));
            full = a.fit(ds.batches(bo)).sae();
            Trainer b = new Trainer(sae, resumable(10, new MeanPre()))
                    .checkpoints(0, st -> Checkpoint.save(half, st, null));
            b.addListener(values(resumedValues));
            b.fit(ds.batches(bo));
        }
        Checkpoint.Loaded loaded = Checkpoint.load(half);
        assertThat(loaded.state().config().userTerms()).extracting(UserTerm::name).containsExactly("mean_pre");
        assertThatThrownBy(() -> new Trainer(loaded.sae(), resumable(20, null)).resumeFrom(loaded.state()))
                .isInstanceOf(BadInputException.class)
                .hasMessage("resume: loss terms [] registered; expected the trainer state's [mean_pre cosine 0.3],"
                        + " to resume the same run");
        assertThatThrownBy(() -> new Trainer(loaded.sae(), loaded.state().config()))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("loss term 'mean_pre' is recorded in the trainer state but not registered");
        try (NpyDataset ds = NpyDataset.open(x)) {
            Trainer c = new Trainer(loaded.sae(), resumable(20, new MeanPre())).resumeFrom(loaded.state());
            c.addListener(values(resumedValues));
            Sae resumed = c.fit(ds.batches(bo)).sae();
            float[][] pf = full.tensors();
            float[][] pr = resumed.tensors();
            for (int t = 0; t < pf.length; t++) {
                assertThat(pr[t]).as(full.tensorNames()[t]).containsExactly(pf[t]);
            }
        }
        assertThat(resumedValues).containsExactlyElementsOf(fullValues);
    }

    private static TrainListener values(List<Double> out) {
        return new TrainListener() {
            @Override
            public void onStep(StepStats s) {
                out.add(s.terms().get("mean_pre"));
            }
        };
    }

    @Test
    void namesAndSchedulesAreChecked() {
        LossTerm named = new MeanPre();
        assertThatThrownBy(() -> TrainConfig.builder().lossTerm(named, 1).lossTerm(named, 2).build())
                .hasMessage("loss term 'mean_pre' registered twice; expected unique names");
        assertThatThrownBy(() -> TrainConfig.builder().lossTerm(named, CoefSchedule.auto(1, 0.1, 3)))
                .hasMessage("loss term 'mean_pre' schedule: expected constant, linear or cosine");
        assertThatThrownBy(() -> new UserTerm("loss", null, CoefSchedule.constant(1)))
                .hasMessageStartingWith("loss term name 'loss': expected lower-case letters");
    }
}
