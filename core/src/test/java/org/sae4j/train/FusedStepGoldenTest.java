package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * The fused step's results are pinned bit for bit: a SHA-256 over the parameters, the optimizer moments, the
 * BatchTopK threshold and every step's statistics after a few steps, per configuration, against
 * {@code fused-step-golden.txt}, recorded from the build before the step was split into phases (commit c1cdd35).
 * A refactoring that moves code must leave every line unchanged; a change of the math must re-record the file
 * (run with {@code -Dsae4j.golden.print=true} and copy the printed lines) and say why in its commit.
 *
 * <p>Float results depend on the kernels' summation order, so the file has one set of lines per kernel mode and
 * vector width ({@code scalar}, {@code panama-16} for AVX-512…). The scalar lines hold on every machine, so the
 * scalar run of {@code mvn verify} always checks, and its narrow-species run ({@code -Dsae4j.vectorsize=256}) checks
 * the {@code panama-8} lines (PanamaGemm's 3-row micro-kernel) on any machine with 256-bit vectors or wider; a Panama
 * run on a vector width without recorded lines is skipped
 * (and says so).
 */
class FusedStepGoldenTest {
    private static final String RESOURCE = "fused-step-golden.txt";
    private static final int D = 40;
    private static final int N = 300;  // > 192: the norm pass's latent blocks split
    private static final int ROWS = 70; // > 2·32: several row blocks, a partial last one
    private static final int STEPS = 7;

    /**
     * A configuration: activation, path (dense switch), options; every {@code deadEvery}-th latent (0: none) starts
     * with b_enc = −10 so that it never fires (then AuxK and the window mask have dead latents under ReLU/JumpReLU,
     * and with half of them dead ReLU's active fraction drops under a 0.3 switch after the first, dense, step).
     */
    record Case(String name, SaeConfig sae, TrainConfig.Builder train, double denseSwitch, boolean smallChunks,
                int deadEvery) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("topk-auxk-preenc", new SaeConfig(D, N, Activation.TOPK, 12, true, true, 0.05, 0.05, 11),
                base().auxk(0.3, 10), FusedStep.DENSE_SWITCH, false, 0));
        c.add(new Case("topk-sgd-seedform", new SaeConfig(D, N, Activation.TOPK, 5, false, false, 0.05, 0.05, 12),
                base().optimizer(Optimizer.SGD).lr(1e-2).reanimationForm(ReanimationForm.SEED),
                FusedStep.DENSE_SWITCH, false, 0));
        c.add(new Case("batchtopk-auxk-window", new SaeConfig(D, N, Activation.BATCHTOPK, 12, true, false, 0.05, 0.05, 13),
                base().auxk(0.3, 10).reanimationWindowMask(true), FusedStep.DENSE_SWITCH, false, 0));
        c.add(new Case("relu-sparse-l1w-preenc", new SaeConfig(D, N, Activation.RELU, 0, true, true, 0.05, 0.05, 14),
                base().l1(0.01, true), 2, true, 5));
        c.add(new Case("relu-sparse-l1-auxk", new SaeConfig(D, N, Activation.RELU, 0, false, false, 0.05, 0.05, 15),
                base().l1(0.01, false).auxk(0.3, 10), 2, false, 5));
        c.add(new Case("relu-dense-l1w-auxk", new SaeConfig(D, N, Activation.RELU, 0, true, true, 0.05, 0.05, 16),
                base().l1(0.01, true).auxk(0.3, 10), -1, false, 5));
        c.add(new Case("relu-switching", new SaeConfig(D, N, Activation.RELU, 0, true, false, 0.05, 0.05, 17),
                base().l1(0.02, false), 0.3, false, 2));
        c.add(new Case("jumprelu-sparse-auxk-preenc", new SaeConfig(D, N, Activation.JUMPRELU, 0, true, true, 0.05, 0.05, 18),
                base().l0(0.01).auxk(0.3, 10), 2, true, 5));
        c.add(new Case("jumprelu-dense-window", new SaeConfig(D, N, Activation.JUMPRELU, 0, true, false, 0.05, 0.05, 19),
                base().l0(0.01).reanimationWindowMask(true).auxk(0.3, 10), -1, false, 5));
        return c;
    }

    private static TrainConfig.Builder base() {
        return TrainConfig.builder().batchSize(ROWS).lr(3e-3).clipGrad(0.05).reanimation(0.5)
                .deadWindowTokens(2L * ROWS);
    }

    static Stream<Arguments> runs() {
        return cases().stream().flatMap(c -> Stream.of(Arguments.of(c, 1), Arguments.of(c, 2)));
    }

    @ParameterizedTest(name = "{0} on {1} thread(s)")
    @MethodSource("runs")
    void parametersAfterSomeStepsAreTheRecordedOnes(Case c, int threads) throws IOException {
        String key = modeKey() + " " + c.name() + " " + threads;
        String got = digest(c, threads);
        if (Boolean.getBoolean("sae4j.golden.print")) {
            System.out.println("GOLDEN " + key + " " + got);
        }
        Map<String, String> golden = load();
        Assumptions.assumeTrue(golden.keySet().stream().anyMatch(k -> k.startsWith(modeKey() + " ")),
                "no golden lines recorded for kernel mode " + modeKey());
        assertThat(golden).as("a recorded line for %s", key).containsKey(key);
        assertThat(got).as("digest of %s", key).isEqualTo(golden.get(key));
    }

    static String modeKey() {
        VectorizationProvider p = VectorizationProvider.getInstance();
        return p.name().equals("scalar") ? "scalar" : p.name() + "-" + p.floatLanes();
    }

    private static Map<String, String> load() throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = FusedStepGoldenTest.class.getResourceAsStream(RESOURCE)) {
            assertThat(in).as(RESOURCE).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int last = line.lastIndexOf(' ');
                m.put(line.substring(0, last), line.substring(last + 1));
            }
        }
        return m;
    }

    static String digest(Case c, int threads) {
        SplittableRandom r = new SplittableRandom(c.sae().seed());
        float[] data = new float[3 * ROWS * D];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (Gaussian.next(r) + (i % D == 0 ? 2 : 0)); // an offset kills a few latents
        }
        Sae sae = Sae.initialize(c.sae());
        sae.initDecoderBiasToMean(data, 0, ROWS);
        for (int j = 0; c.deadEvery() > 0 && j < N; j += c.deadEvery()) {
            sae.bEnc()[j] = -10f;
        }
        TrainConfig tc = c.train().threads(threads).build();
        MessageDigest md = sha256();
        OptimizerState state = new OptimizerState(sae);
        try (FusedStep step = new FusedStep(sae, tc, STEPS, state, c.denseSwitch())) {
            if (c.smallChunks()) {
                step.normChunkBytes(64);
            }
            for (int s = 0; s < STEPS; s++) {
                StepStats st = step.step(data, (s % 3) * ROWS * D, ROWS, 0);
                put(md, st.loss(), st.mse(), st.reanimation(), st.r2(), st.explainedVariance(), st.l0(),
                        st.deadFraction(), st.windowDeadFraction(), st.auxk(), st.reanimationCoef(), st.lr(),
                        st.gradNorm());
                if (Boolean.getBoolean("sae4j.golden.print")) {
                    System.out.printf("TRACE %s step %d: active fraction %.3f, window dead %.3f, auxk %.4f%n",
                            c.name(), s, st.l0() / N, st.windowDeadFraction(), st.auxk());
                }
            }
        }
        for (float[] t : sae.tensors()) {
            put(md, t);
        }
        for (int t = 0; t < state.m.length; t++) {
            put(md, state.m[t]);
            put(md, state.v[t]);
        }
        put(md, new float[] {sae.batchTopKThreshold()});
        return HexFormat.of().formatHex(md.digest(), 0, 12);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static void put(MessageDigest md, float[] a) {
        ByteBuffer b = ByteBuffer.allocate(4 * a.length);
        for (float f : a) {
            b.putInt(Float.floatToRawIntBits(f));
        }
        md.update(b.array());
    }

    private static void put(MessageDigest md, double... a) {
        ByteBuffer b = ByteBuffer.allocate(8 * a.length);
        for (double v : a) {
            b.putLong(Double.doubleToRawLongBits(v));
        }
        md.update(b.array());
    }
}
