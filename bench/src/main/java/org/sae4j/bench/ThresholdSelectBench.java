package org.sae4j.bench;

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
import org.sae4j.kernels.ScalarThresholdSelect;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The activation epilogue's scan: positions of one pre-activation row above a threshold. {@code threshold=2.5}
 * keeps ~0.6% of Gaussian values (a full TopK heap's k-th value), {@code 0} keeps half (ReLU at initialisation).
 * One op = one row of {@code latents} values; values/s = ops/s × latents.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ThresholdSelectBench {
    @Param({"16384"})
    public int latents;
    @Param({"2.5", "0"})
    public float threshold;

    private float[] row;
    private int[] idx;
    private final ThresholdSelect scalar = new ScalarThresholdSelect();
    private ThresholdSelect panama;

    @Setup
    public void setUp() {
        row = KernelBenchSupport.gaussian(latents, 3);
        idx = new int[latents];
        panama = VectorizationProvider.getInstance().thresholdSelect();
    }

    @Benchmark
    public int scalar() {
        return scalar.above(row, 0, latents, threshold, idx, 0);
    }

    @Benchmark
    public int panama() {
        return panama.above(row, 0, latents, threshold, idx, 0);
    }
}
