package org.sae4j.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sae4j.encode.EncoderMode;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/**
 * {@link SaeEncoder} as a service uses it, on a TopK model (tied random init, biases zero):
 * <ul>
 *   <li>{@code single}: one {@link SaeEncoder#encode(float[])} per op, µs/op, in the encoder {@code mode}
 *       ({@code float32}: the lock-free GEMV over all of {@code W_enc}; {@code bf16}/{@code int8}: the exact screen
 *       over the compressed copy, then the candidates in float32; {@code bf16-approx}/{@code int8-approx}: the
 *       compressed copy alone). Only {@code single} depends on the mode.</li>
 *   <li>{@code batchOfOne}: one row through the batch path, µs/op — the GEMM with its top-k epilogue on all cores,
 *       for comparison with {@code single} (it holds the encoder's batch lock, so calls from several threads
 *       queue).</li>
 *   <li>{@code batch}: {@value #BATCH} rows per invocation through the batch encode into reused buffers, reported
 *       per row, so the score is vectors/s — the GEMM on {@code KernelPool.common()} (all cores).</li>
 *   <li>{@code gemm}: the product alone at the same shape ({@code X·W_encᵀ + b} stored into a {@value #BATCH}×n
 *       matrix, W packed once), per row: the ceiling {@code batch} is measured against.</li>
 * </ul>
 * The batch benchmarks: run them with {@code -p mode=float32} (the approximate modes encode batches row by row).
 * Inputs cycle through {@value #INPUTS} Gaussian vectors so successive calls do not see the same data.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EncodeBench {
    static final int BATCH = 1024;
    static final int INPUTS = 64;

    @Param({"768", "2304"})
    public int dim;
    @Param({"16384"})
    public int latents;
    @Param({"32"})
    public int k;
    @Param({"float32", "bf16", "int8", "bf16-approx", "int8-approx"})
    public String mode;

    private Sae sae;
    private SaeEncoder encoder;
    private float[][] singles;
    private float[] rows;
    private int[] idx;
    private float[] val;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        sae = Sae.initialize(SaeConfig.topK(dim, latents, k));
        encoder = SaeEncoder.of(sae, null, KernelPool.common(), EncoderMode.parse(mode));
        singles = new float[INPUTS][];
        for (int i = 0; i < INPUTS; i++) {
            singles[i] = KernelBenchSupport.gaussian(dim, 100 + i);
        }
        rows = KernelBenchSupport.gaussian(BATCH * dim, 7);
        idx = new int[BATCH * k];
        val = new float[BATCH * k];
    }

    /** W_enc packed for {@link #gemm} alone: the other benchmarks neither pack it nor hold the copy. */
    @State(Scope.Benchmark)
    public static class PackedWeights {
        Gemm gemm;
        Gemm.Workspace ws;
        float[] bias;
        float[] product;

        @Setup(Level.Trial)
        public void setUp(EncodeBench b) {
            gemm = VectorizationProvider.getInstance().gemm();
            ws = gemm.newWorkspace(b.latents, b.dim);
            gemm.packW(b.sae.wEnc(), 0, ws, KernelPool.common());
            bias = b.sae.bEnc().clone();
            product = new float[BATCH * b.latents];
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public SparseCode single() {
        next = (next + 1) % INPUTS;
        return encoder.encode(singles[next]);
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int batchOfOne() {
        next = (next + 1) % INPUTS;
        return encoder.encode(singles[next], 1, idx, val, k);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public int batch() {
        return encoder.encode(rows, BATCH, idx, val, k);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public float gemm(PackedWeights w) {
        w.gemm.multTransB(rows, 0, BATCH, w.ws, w.bias, 0, w.product, 0, KernelPool.common());
        return w.product[0];
    }
}
