package org.sae4j.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.FusedStep;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.ReferenceStep;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainConfig;

/**
 * One full SAE training step per op (loss, gradients, clipping, Adam, renormalisation), so tokens/s = ops/s × batch.
 * {@code fused} is the training path ({@link FusedStep}); {@code reference} is the double-precision oracle, which
 * does five dense products in plain Java, so keep its shapes small.
 *
 * <p>{@code l0} sets how many codes per row are active for ReLU/JumpReLU, by choosing the encoder bias (ReLU) or
 * the threshold (JumpReLU) at the matching quantile of the initial pre-activations; {@code l0=0} keeps the
 * initialisation (about half of the codes active). TopK's L0 is {@code k}.
 *
 * <p>Every op steps the same batch, so at a real learning rate the model fits it within the warm-up and the
 * operating point moves away from the one set up (JumpReLU at {@code l0=64} fell to L0 ≈ 18 at lr 1e-4). The
 * learning rate is therefore 1e-9: a step does the same work at any lr, and the codes stay where {@code l0} put
 * them (≈ 61 active per row for {@code l0=64}) for the whole run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainStepBench {

    @Param({"topk"})
    public String activation;
    @Param({"256"})
    public int batch;
    @Param({"128"})
    public int dim;
    @Param({"2048"})
    public int latents;
    @Param({"32"})
    public int k;
    @Param({"2"})
    public int threads;
    @Param({"0"})
    public int l0;
    /** ReLU/JumpReLU path of the fused step: {@code auto} (the switch), or forced {@code sparse} / {@code dense}. */
    @Param({"auto"})
    public String path;
    /**
     * Matryoshka prefixes (TopK, BatchTopK): {@code none}, or M for M nested prefixes of widths n/4^(M−1), …,
     * n/4, n (for M = 4 at n = 16384: 256, 1024, 4096, 16384).
     */
    @Param({"none"})
    public String matryoshka;
    /**
     * A transcoder's output side: {@code none} (an autoencoder), {@code tc} (a transcoder to a target of the input's
     * width, rows x then y) or {@code skip} (the same with W_skip: two more B×d×d GEMMs a step).
     */
    @Param({"none"})
    public String transcoder;

    private float[] x;
    private ReferenceStep reference;
    private FusedStep fused;

    @Setup(Level.Trial)
    public void setUp() {
        Activation act = Activation.parse(activation);
        SaeConfig cfg = new SaeConfig(dim, latents, act, Math.min(k, latents), true, false, 1e-3, 1e-3, 1,
                nesting(matryoshka, latents), switch (transcoder) {
                    case "none" -> null;
                    case "tc" -> new org.sae4j.model.Transcoding(dim, false);
                    case "skip" -> new org.sae4j.model.Transcoding(dim, true);
                    default -> throw new IllegalArgumentException("transcoder " + transcoder + ": none|tc|skip");
                });
        x = KernelBenchSupport.gaussian(batch * cfg.rowWidth(), 7);
        Sae sae = Sae.initialize(cfg);
        sae.initDecoderBiasToMean(x, 0, batch);
        if (l0 > 0 && act != Activation.TOPK) {
            setL0(sae, act);
        }
        TrainConfig tc = TrainConfig.builder().batchSize(batch).lr(1e-9).threads(threads)
                .l1(act == Activation.RELU ? 1e-3 : 0, false).l0(act == Activation.JUMPRELU ? 1e-3 : 0).build();
        reference = new ReferenceStep(sae.copy(), tc, Long.MAX_VALUE);
        double dense = switch (path) {
            case "sparse" -> 2.0;
            case "dense" -> -1.0;
            default -> FusedStep.DENSE_SWITCH;
        };
        fused = new FusedStep(sae, tc, Long.MAX_VALUE, new OptimizerState(sae), dense);
    }

    static org.sae4j.model.Matryoshka nesting(String spec, int latents) {
        if (spec.equals("none")) {
            return null;
        }
        int m = Integer.parseInt(spec);
        java.util.List<Integer> widths = new java.util.ArrayList<>();
        for (int p = m - 1; p >= 0; p--) {
            widths.add(Math.max(1, latents >> (2 * p)));
        }
        return new org.sae4j.model.Matryoshka(widths, org.sae4j.model.Matryoshka.Loss.SUM);
    }

    // The (1 − l0/n) quantile of pre-activations on a sample of rows becomes the firing point of every latent.
    private void setL0(Sae sae, Activation act) {
        int sample = Math.min(batch, 16);
        float[] pre = sae.preActivations(Arrays.copyOf(x, sample * dim), sample);
        Arrays.sort(pre);
        float q = pre[(int) Math.min(pre.length - 1, (long) pre.length * (latents - l0) / latents)];
        if (act == Activation.RELU) {
            for (int j = 0; j < latents; j++) {
                sae.bEnc()[j] -= q;
            }
        } else {
            Arrays.fill(sae.logThreshold(), (float) Math.log(Math.max(q, 1e-6f)));
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        reference.close();
        fused.close();
    }

    @Benchmark
    public StepStats fused() {
        return fused.step(x, 0, batch, 0);
    }

    @Benchmark
    public StepStats reference() {
        return reference.step(x, 0, batch, 0);
    }
}
