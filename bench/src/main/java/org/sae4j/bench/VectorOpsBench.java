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
import org.sae4j.kernels.ScalarVectorOps;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;

/**
 * dot and axpy at the length of one SAE row (d), the fused step's sparse decode and gradient primitives.
 * One op = one call; GFLOP/s = ops/s × 2·dim / 1e9.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class VectorOpsBench {
    @Param({"768"})
    public int dim;

    private float[] a;
    private float[] b;
    private final VectorOps scalar = new ScalarVectorOps();
    private VectorOps panama;

    @Setup
    public void setUp() {
        a = KernelBenchSupport.gaussian(dim, 1);
        b = KernelBenchSupport.gaussian(dim, 2);
        panama = VectorizationProvider.getInstance().vectorOps();
    }

    @Benchmark
    public float dotScalar() {
        return scalar.dot(a, 0, b, 0, dim);
    }

    @Benchmark
    public float dotPanama() {
        return panama.dot(a, 0, b, 0, dim);
    }

    @Benchmark
    public float[] axpyScalar() {
        scalar.axpy(1e-7f, a, 0, b, 0, dim);
        return b;
    }

    @Benchmark
    public float[] axpyPanama() {
        panama.axpy(1e-7f, a, 0, b, 0, dim);
        return b;
    }
}
