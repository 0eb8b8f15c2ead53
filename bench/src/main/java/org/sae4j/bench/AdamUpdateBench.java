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
import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.ScalarAdamUpdate;
import org.sae4j.kernels.VectorizationProvider;

/**
 * Adam's update over {@code params} floats on one thread (p, m, v read and written, g read: 28 bytes per
 * parameter). One op = one pass; GB/s = ops/s × params × 28 / 1e9. 768 params sit in L1 (the fused step's per-latent
 * row), 12.6M is one 16384×768 matrix from memory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AdamUpdateBench {
    @Param({"768", "12582912"})
    public int params;

    private float[] p;
    private float[] m;
    private float[] v;
    private float[] g;
    private final AdamUpdate scalar = new ScalarAdamUpdate();
    private AdamUpdate panama;
    private final AdamUpdate.Step step = AdamUpdate.Step.of(1e-4, 0.9, 0.999, 1e-8, 10);

    @Setup
    public void setUp() {
        p = KernelBenchSupport.gaussian(params, 1);
        m = new float[params];
        v = new float[params];
        g = KernelBenchSupport.gaussian(params, 2);
        panama = VectorizationProvider.getInstance().adamUpdate();
    }

    @Benchmark
    public float[] scalar() {
        scalar.update(p, m, v, 0, g, 0, params, 1f, step);
        return p;
    }

    @Benchmark
    public float[] panama() {
        panama.update(p, m, v, 0, g, 0, params, 1f, step);
        return p;
    }
}
