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
 * One op = one call; GFLOP/s = ops/s × 2·dim / 1e9. The {@code decode…} pair is one sparse row's decode as the row
 * pass runs it: {@code rowEntries} random rows of a {@code latents}×dim matrix (50 MB at the defaults, out of cache)
 * summed into one output row, by one axpy per row against one {@code addScaledRows} call.
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

    @Param({"16384"})
    public int latents;

    @Param({"32"})
    public int rowEntries;

    private float[] a;
    private float[] b;
    private float[] matrix;
    private int[] rowOff;
    private float[] rowAlpha;
    private int draw;
    private final VectorOps scalar = new ScalarVectorOps();
    private VectorOps panama;

    @Setup
    public void setUp() {
        a = KernelBenchSupport.gaussian(dim, 1);
        b = KernelBenchSupport.gaussian(dim, 2);
        panama = VectorizationProvider.getInstance().vectorOps();
        matrix = KernelBenchSupport.gaussian(latents * dim, 3);
        java.util.Random r = new java.util.Random(4);
        rowOff = new int[1 << 16];
        for (int i = 0; i < rowOff.length; i++) {
            rowOff[i] = r.nextInt(latents) * dim;
        }
        rowAlpha = new float[rowOff.length];
        java.util.Arrays.fill(rowAlpha, 1e-7f);
    }

    /** The next op's rows: a fresh window of the random offsets, so rows come from memory, not cache. */
    private int nextRows() {
        draw = (draw + rowEntries) % (rowOff.length - rowEntries);
        return draw;
    }

    @Benchmark
    public float[] decodeAxpyPerRow() {
        int s0 = nextRows();
        for (int s = s0; s < s0 + rowEntries; s++) {
            panama.axpy(rowAlpha[s], matrix, rowOff[s], b, 0, dim);
        }
        return b;
    }

    @Benchmark
    public float[] decodeAddScaledRows() {
        int s0 = nextRows();
        panama.addScaledRows(rowAlpha, rowOff, s0, s0 + rowEntries, matrix, b, 0, dim);
        return b;
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
