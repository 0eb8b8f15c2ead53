package org.sae4j.kernels;

import static org.sae4j.kernels.GemmChecks.chunkStart;

/**
 * Scalar twin of {@link PanamaGemm}: plain loops, sequential float sums, the oracle the Panama kernels are tested
 * against. It still splits rows over the pool and honours the {@link Gemm.Epilogue} contract, so the scalar
 * provider is a complete (slow) substitute.
 */
public final class ScalarGemm implements Gemm {
    // Epilogue blocks: a few rows × a few hundred columns, like the Panama kernel, so the contract is exercised.
    static final int BLOCK_ROWS = 4;
    static final int BLOCK_COLS = 256;

    @Override
    public Workspace newWorkspace(int n, int d) {
        GemmChecks.shape(n, d);
        return new ScalarWorkspace(n, d);
    }

    private static ScalarWorkspace ws(Workspace ws) {
        if (ws instanceof ScalarWorkspace s) {
            return s;
        }
        throw new IllegalArgumentException("workspace was not created by ScalarGemm: " + ws);
    }

    @Override
    public void packW(float[] w, int wOff, Workspace workspace, KernelPool pool) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        // The scalar "packed" layout is a plain row-major copy: packing must snapshot W either way.
        System.arraycopy(w, wOff, ws.w, 0, ws.n * ws.d);
    }

    @Override
    public void packRows(float[] w, int wOff, int j0, int j1, Workspace workspace) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.rows(j0, j1, ws.n);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        System.arraycopy(w, wOff + j0 * ws.d, ws.w, j0 * ws.d, (j1 - j0) * ws.d);
    }

    @Override
    public void multTransB(float[] x, int xOff, int batch, Workspace workspace, float[] bias, int biasOff,
                           float[] c, int cOff, KernelPool pool) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        GemmChecks.range("c", c, cOff, (long) batch * ws.n);
        start(ws, x, xOff, batch, bias, biasOff, pool);
        ws.job.set(Job.XWT_STORE, x, xOff, null, 0, c, cOff, batch, bias, biasOff, null);
        GemmChecks.run(pool, ws.job);
    }

    @Override
    public void multTransB(float[] x, int xOff, int batch, Workspace workspace, float[] bias, int biasOff,
                           Epilogue epilogue, KernelPool pool) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        java.util.Objects.requireNonNull(epilogue, "epilogue");
        start(ws, x, xOff, batch, bias, biasOff, pool);
        ws.job.set(Job.XWT_EPI, x, xOff, null, 0, null, 0, batch, bias, biasOff, epilogue);
        GemmChecks.run(pool, ws.job);
    }

    private static void start(ScalarWorkspace ws, float[] x, int xOff, int batch, float[] bias, int biasOff,
                              KernelPool pool) {
        GemmChecks.range("x", x, xOff, (long) batch * ws.d);
        if (bias != null) {
            GemmChecks.range("bias", bias, biasOff, ws.n);
        }
        int threads = GemmChecks.threads(pool);
        if (ws.blocks.length < threads) {
            float[][] b = new float[threads][];
            for (int t = 0; t < threads; t++) {
                b[t] = new float[BLOCK_ROWS * BLOCK_COLS];
            }
            ws.blocks = b;
        }
    }

    @Override
    public void multTransA(float[] g, int gOff, float[] x, int xOff, int batch, float[] c, int cOff,
                           Workspace workspace, KernelPool pool) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        GemmChecks.range("g", g, gOff, (long) batch * ws.n);
        GemmChecks.range("x", x, xOff, (long) batch * ws.d);
        GemmChecks.range("c", c, cOff, (long) ws.n * ws.d);
        ws.job.set(Job.GTX, g, gOff, x, xOff, c, cOff, batch, null, 0, null);
        GemmChecks.run(pool, ws.job);
    }

    @Override
    public void mult(float[] g, int gOff, float[] w, int wOff, int batch, float[] c, int cOff,
                     Workspace workspace, KernelPool pool) {
        ScalarWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        GemmChecks.range("g", g, gOff, (long) batch * ws.n);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        GemmChecks.range("c", c, cOff, (long) batch * ws.d);
        ws.job.set(Job.GW, g, gOff, w, wOff, c, cOff, batch, null, 0, null);
        GemmChecks.run(pool, ws.job);
    }

    static final class ScalarWorkspace implements Workspace {
        final int n;
        final int d;
        final float[] w;
        float[][] blocks = new float[0][];
        final Job job = new Job(this);

        ScalarWorkspace(int n, int d) {
            this.n = n;
            this.d = d;
            this.w = new float[Math.multiplyExact(n, d)];
        }

        @Override
        public int n() {
            return n;
        }

        @Override
        public int d() {
            return d;
        }
    }

    /** The reusable per-workspace task: arguments are set before each dispatch, so no lambda is built per call. */
    static final class Job extends GemmJob {
        static final int XWT_STORE = 0;
        static final int XWT_EPI = 1;
        static final int GTX = 2;
        static final int GW = 3;

        private final ScalarWorkspace ws;

        Job(ScalarWorkspace ws) {
            this.ws = ws;
        }

        @Override
        public void run(int t, int threads) {
            int n = ws.n;
            int d = ws.d;
            switch (op) {
                case XWT_STORE, XWT_EPI -> {
                    int r0 = chunkStart(batch, threads, 1, t);
                    int r1 = chunkStart(batch, threads, 1, t + 1);
                    xwt(t, r0, r1, n, d);
                }
                case GTX -> {
                    int j0 = chunkStart(n, threads, 1, t);
                    int j1 = chunkStart(n, threads, 1, t + 1);
                    for (int j = j0; j < j1; j++) {
                        for (int k = 0; k < d; k++) {
                            float s = 0f;
                            for (int bb = 0; bb < batch; bb++) {
                                s += a[aOff + bb * n + j] * b[bOff + bb * d + k];
                            }
                            c[cOff + j * d + k] = s;
                        }
                    }
                }
                case GW -> {
                    int r0 = chunkStart(batch, threads, 1, t);
                    int r1 = chunkStart(batch, threads, 1, t + 1);
                    for (int r = r0; r < r1; r++) {
                        for (int k = 0; k < d; k++) {
                            float s = 0f;
                            for (int j = 0; j < n; j++) {
                                s += a[aOff + r * n + j] * b[bOff + j * d + k];
                            }
                            c[cOff + r * d + k] = s;
                        }
                    }
                }
                default -> throw new IllegalStateException("op " + op);
            }
        }

        private void xwt(int t, int r0, int r1, int n, int d) {
            float[] w = ws.w;
            float[] buf = ws.blocks[t];
            // Column blocks outer, row blocks inner: the same delivery order as the Panama kernel.
            for (int col0 = 0; col0 < n; col0 += BLOCK_COLS) {
                int cols = Math.min(BLOCK_COLS, n - col0);
                for (int row0 = r0; row0 < r1; row0 += BLOCK_ROWS) {
                    int rows = Math.min(BLOCK_ROWS, r1 - row0);
                    for (int r = 0; r < rows; r++) {
                        int xr = aOff + (row0 + r) * d;
                        for (int cc = 0; cc < cols; cc++) {
                            int wr = (col0 + cc) * d;
                            float s = 0f;
                            for (int k = 0; k < d; k++) {
                                s += a[xr + k] * w[wr + k];
                            }
                            if (bias != null) {
                                s += bias[biasOff + col0 + cc];
                            }
                            buf[r * BLOCK_COLS + cc] = s;
                        }
                    }
                    if (epilogue != null) {
                        epilogue.accept(t, row0, rows, col0, cols, buf, 0, BLOCK_COLS);
                    } else {
                        for (int r = 0; r < rows; r++) {
                            System.arraycopy(buf, r * BLOCK_COLS, c, cOff + (row0 + r) * n + col0, cols);
                        }
                    }
                }
            }
        }
    }
}
