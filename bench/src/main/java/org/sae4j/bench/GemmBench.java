package org.sae4j.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ScalarGemm;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The encoder product {@code C(B×n) = X(B×d)·W(n×d)ᵀ}, one op = one product, throughput mode (ops/s).
 * GFLOP/s = score · 2·batch·dim·latents / 1e9 (one multiply and one add per term; no bias, as OpenBLAS's
 * {@code A @ B} reference has none).
 *
 * <ul>
 *   <li>{@code panama}: {@link Gemm#packW} + {@link Gemm#multTransB} — training repacks W every step, so packing
 *       is part of the op. Uses the {@code threads} pool.</li>
 *   <li>{@code panamaPrepacked}: the product alone (W packed once in setup): the cost when W is fixed
 *       (inference), and with {@code panama} it gives the packing cost.</li>
 *   <li>{@code panamaMultTransA} / {@code panamaMult}: the other dense products of a training step,
 *       {@code Gᵀ·X} (n×d) and {@code G·W} (B×d), same 2·B·d·n flops.</li>
 *   <li>{@code scalar}: the scalar twin (pack + product) on the same pool; very slow at SAE shapes.</li>
 *   <li>{@code ejml}: EJML {@code CommonOps_FDRM.multTransB}, single-threaded whatever {@code threads} says.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
public class GemmBench {

    @Param({"1024"})
    public int batch;

    @Param({"768"})
    public int dim;

    @Param({"16384"})
    public int latents;

    @Param({"2"})
    public int threads;

    private float[] x;
    private float[] w;
    private float[] g;
    private float[] c;
    private float[] cTransA;
    private float[] cMult;
    private KernelPool pool;
    private Gemm panama;
    private Gemm.Workspace panamaWs;
    private Gemm.Workspace panamaPrepackedWs;
    private final Gemm scalarGemm = new ScalarGemm();
    private Gemm.Workspace scalarWs;
    private FMatrixRMaj ex;
    private FMatrixRMaj ew;
    private FMatrixRMaj ec;

    @Setup(Level.Trial)
    public void setup() {
        VectorizationProvider provider = VectorizationProvider.getInstance();
        if (!provider.name().equals("panama")) {
            throw new IllegalStateException("Panama kernels unavailable: run with --add-modules jdk.incubator.vector");
        }
        Random r = new Random(42);
        x = random(r, batch * dim);
        w = random(r, latents * dim);
        g = random(r, batch * latents);
        c = new float[batch * latents];
        cTransA = new float[latents * dim];
        cMult = new float[batch * dim];
        pool = new KernelPool(threads);
        panama = provider.gemm();
        panamaWs = panama.newWorkspace(latents, dim);
        panamaPrepackedWs = panama.newWorkspace(latents, dim);
        panama.packW(w, 0, panamaPrepackedWs, pool);
        scalarWs = scalarGemm.newWorkspace(latents, dim);
        ex = FMatrixRMaj.wrap(batch, dim, x);
        ew = FMatrixRMaj.wrap(latents, dim, w);
        ec = new FMatrixRMaj(batch, latents);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private static float[] random(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Benchmark
    public float[] panama() {
        panama.packW(w, 0, panamaWs, pool);
        panama.multTransB(x, 0, batch, panamaWs, null, 0, c, 0, pool);
        return c;
    }

    @Benchmark
    public float[] panamaPrepacked() {
        panama.multTransB(x, 0, batch, panamaPrepackedWs, null, 0, c, 0, pool);
        return c;
    }

    @Benchmark
    public float[] panamaMultTransA() {
        panama.multTransA(g, 0, x, 0, batch, cTransA, 0, panamaWs, pool);
        return cTransA;
    }

    @Benchmark
    public float[] panamaMult() {
        panama.mult(g, 0, w, 0, batch, cMult, 0, panamaWs, pool);
        return cMult;
    }

    @Benchmark
    public float[] scalar() {
        scalarGemm.packW(w, 0, scalarWs, pool);
        scalarGemm.multTransB(x, 0, batch, scalarWs, null, 0, c, 0, pool);
        return c;
    }

    @Benchmark
    public FMatrixRMaj ejml() {
        CommonOps_FDRM.multTransB(ex, ew, ec);
        return ec;
    }
}
