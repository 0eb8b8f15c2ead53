package org.sae4j.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sae4j.kernels.DenseCodes;
import org.sae4j.kernels.ScalarDenseCodes;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The dense ReLU/JumpReLU step's element-wise passes on one thread: {@code codes} (pre → scaled codes) and
 * {@code gradient} / {@code jumpGradient} (∂/∂z → ∂/∂pre in place, per-latent sums). {@code rows=1} is one row of
 * {@code latents}; {@code rows=1024} is the B×n matrices of a batch, walked as FusedStep does (blocks of 512 latents,
 * all rows per block). One op = rows × latents values. Pre-activations are Gaussian (half active at threshold 0);
 * the scale is 1 so that repeating the in-place pass keeps the values' range.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DenseCodesBench {
    private static final int BLOCK = 512;

    @Param({"16384"})
    public int latents;
    @Param({"1", "1024"})
    public int rows;

    private float[] pre;
    private float[] out;
    private float[] grad;
    private float[] threshold;
    private float[] scale;
    private float[] add;
    private double[] l0;
    private DenseCodes.Sums sums;
    private final DenseCodes scalar = new ScalarDenseCodes();
    private DenseCodes panama;

    @Setup
    public void setUp() {
        pre = KernelBenchSupport.gaussian(rows * latents, 3);
        grad = KernelBenchSupport.gaussian(rows * latents, 4);
        out = new float[rows * latents];
        threshold = new float[latents];
        scale = new float[latents];
        add = new float[latents];
        Arrays.fill(scale, 1f);
        Arrays.fill(add, 1e-7f);
        l0 = new double[latents];
        Arrays.fill(l0, 1e-6);
        sums = new DenseCodes.Sums(latents);
        panama = VectorizationProvider.getInstance().denseCodes();
    }

    private float[] codes(DenseCodes k) {
        for (int b = 0; b < rows; b++) {
            k.codes(pre, out, b * latents, latents, threshold, scale, 0);
        }
        return out;
    }

    private DenseCodes.Sums gradient(DenseCodes k, boolean jump) {
        for (int c0 = 0; c0 < latents; c0 += BLOCK) {
            int len = Math.min(BLOCK, latents - c0);
            if (jump) {
                k.jumpGradient(pre, grad, c0, latents, rows, len, threshold, scale, add, c0, 1e-3, l0, sums);
            } else {
                k.gradient(pre, grad, c0, latents, rows, len, threshold, scale, add, c0, sums);
            }
        }
        return sums;
    }

    @Benchmark
    public float[] codesScalar() {
        return codes(scalar);
    }

    @Benchmark
    public float[] codesPanama() {
        return codes(panama);
    }

    @Benchmark
    public DenseCodes.Sums gradientScalar() {
        return gradient(scalar, false);
    }

    @Benchmark
    public DenseCodes.Sums gradientPanama() {
        return gradient(panama, false);
    }

    @Benchmark
    public DenseCodes.Sums jumpGradientScalar() {
        return gradient(scalar, true);
    }

    @Benchmark
    public DenseCodes.Sums jumpGradientPanama() {
        return gradient(panama, true);
    }
}
