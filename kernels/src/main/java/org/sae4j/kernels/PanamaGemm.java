package org.sae4j.kernels;

import static org.sae4j.kernels.GemmChecks.chunkStart;

import java.util.Objects;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API twin of {@link ScalarGemm}.
 *
 * <p>{@code X·Wᵀ}: {@link #packW} copies W into panels of {@link #NR} = 3 vectors of latents; panel p holds, for
 * every k, the {@code NR} values {@code W[p·NR + jj][k]} contiguously (zero rows pad the last panel, so the hot
 * loop has no column tail). Each thread owns a contiguous range of rows (so the epilogue sees whole rows) and
 * first copies them into tiles of {@link #MR} rows, k-major and zero-padded ({@code packX}): the micro-kernel then
 * reads X through one index and the row tail needs no special kernel. The micro-kernel keeps an MR × 3-vector
 * tile of C in registers — 7×3 on 512-bit species (21 accumulators + 3 panel vectors + 7 broadcasts = 31 of the
 * 32 registers; an 8×3 tile made C2 spill accumulators on every k), 3×3 on narrower ones (AVX2 has 16) — and per
 * k does 3 vector loads, MR broadcasts and 3·MR FMAs. Blocking: W is walked in column blocks of
 * {@code panelsPerBlock} panels (≤640 KiB, stays in L2 while all the thread's row tiles pass over it); inside a
 * block each row tile (MR×d, in L1) meets every panel. The finished MR × block tile lands in a per-thread buffer,
 * gets the bias and is then stored or handed to the epilogue. k is not blocked: for the SAE shapes (d ≤ ~1.5k)
 * an MR×d row tile fits L1 whole. Two k-blocked GotoBLAS orders (panel slice in L1, row tiles streamed) were
 * measured: over all rows of a thread no faster; with row blocks in L2 slower, as W is then re-read from memory
 * once per row block and memory bandwidth is the scarce resource on this machine.
 *
 * <p>{@code Gᵀ·X} and {@code G·W} reuse the same micro-kernel, each thread on its own contiguous rows of C (so
 * every element's sum runs in the same order whatever the thread count). Per reduction block of {@link #KB} steps
 * a thread packs the whole vector-side block (X or W rows, already along d) into NR-wide panels by plain copy.
 * Then, per block of its A tiles (the broadcast side, from G, [p][MR]) that fits {@link #A_BUDGET}, it packs those
 * tiles and runs panels outer, tiles inner: each panel comes from memory once per A block and is reused from L2 by
 * every tile, and each A tile is reused from L2 by every panel. Each MR × NR result goes straight into C (added
 * from the second reduction block on), so C is written once per reduction block: with the former KB = 256 and a
 * freshly packed 256-step A slice per row tile, Gᵀ·X re-read and re-wrote its 50 MB C four times.
 */
final class PanamaGemm implements Gemm {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private static final int L = S.length();
    /** Panel width: three vectors of latents. */
    static final int NR = 3 * L;
    /**
     * Rows per register tile of X·Wᵀ: 7 on 512-bit species (21 accumulators, 32 registers on AVX-512), else 3
     * (9 accumulators; AVX2 has 16 registers). Must match the kernel picked in {@code xwt}.
     */
    static final int MR = L >= 16 ? 7 : 3;
    /**
     * Bytes of packed W one column block may take: it stays in L2 while all row tiles of a thread pass over it.
     * 300 KiB-1 MiB measured alike here (2 MiB L2); one panel per block (X re-streamed per panel) or 1.6 MiB
     * were slower. 640 KiB leaves room on 1 MiB-L2 parts.
     */
    static final int L2_BUDGET = 640 << 10;
    /**
     * Reduction block of Gᵀ·X and G·W: C is read and written once per block, and one NR × KB panel (192 KiB) plus
     * an A block share L2. 1024 covers a whole SAE batch (one pass over Gᵀ·X's C); 512 and 2048 measured alike.
     */
    static final int KB = 1024;
    /**
     * Bytes of packed A tiles (the broadcast side of Gᵀ·X and G·W) one block may take; the block stays in L2 while
     * every panel passes over it. 0.75-1.5 MiB measured alike.
     */
    static final int A_BUDGET = 1 << 20;

    private final int l2Budget;
    private final int kb;
    private final int aBudget;

    PanamaGemm() {
        this(L2_BUDGET, KB, A_BUDGET);
    }

    /**
     * With a different column-block budget (bytes), reduction block and A-block budget (bytes): tests use tiny ones
     * to cross many block boundaries at small sizes.
     */
    PanamaGemm(int l2Budget, int kb, int aBudget) {
        if (kb < 1) {
            throw new IllegalArgumentException("kb must be >= 1");
        }
        this.l2Budget = l2Budget;
        this.kb = kb;
        this.aBudget = aBudget;
    }

    @Override
    public Workspace newWorkspace(int n, int d) {
        GemmChecks.shape(n, d);
        return new PanamaWorkspace(n, d, l2Budget, kb, aBudget);
    }

    private static PanamaWorkspace ws(Workspace ws) {
        if (ws instanceof PanamaWorkspace p) {
            return p;
        }
        throw new IllegalArgumentException("workspace was not created by PanamaGemm: " + ws);
    }

    @Override
    public void packW(float[] w, int wOff, Workspace workspace, KernelPool pool) {
        PanamaWorkspace ws = ws(workspace);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        ws.job.set(Job.PACK, w, wOff, null, 0, null, 0, 0, null, 0, null);
        GemmChecks.run(pool, ws.job);
    }

    @Override
    public void packRows(float[] w, int wOff, int j0, int j1, Workspace workspace) {
        PanamaWorkspace ws = ws(workspace);
        GemmChecks.rows(j0, j1, ws.n);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        // Whole panels inside the range take the gather path; the rows of panels cut by the range (shared with a
        // neighbour's range, or the last partial panel) are transposed one by one.
        int pFirst = (j0 + NR - 1) / NR;
        int pEnd = Math.min(j1 / NR, ws.n / NR);
        if (pFirst < pEnd) {
            packRowsScalar(w, wOff, ws, j0, pFirst * NR);
            pack(w, wOff, ws, pFirst, pEnd);
            packRowsScalar(w, wOff, ws, pEnd * NR, j1);
        } else {
            packRowsScalar(w, wOff, ws, j0, j1);
        }
    }

    private static void packRowsScalar(float[] w, int wOff, PanamaWorkspace ws, int j0, int j1) {
        final int d = ws.d;
        for (int j = j0; j < j1; j++) {
            int base = (j / NR) * NR * d + j % NR;
            int src = wOff + j * d;
            for (int k = 0; k < d; k++) {
                ws.packed[base + k * NR] = w[src + k];
            }
        }
    }

    @Override
    public void multTransB(float[] x, int xOff, int batch, Workspace workspace, float[] bias, int biasOff,
                           float[] c, int cOff, KernelPool pool) {
        PanamaWorkspace ws = ws(workspace);
        GemmChecks.range("c", c, cOff, (long) batch * ws.n);
        prepare(ws, x, xOff, batch, bias, biasOff, pool);
        ws.job.set(Job.XWT, x, xOff, null, 0, c, cOff, batch, bias, biasOff, null);
        GemmChecks.run(pool, ws.job);
    }

    @Override
    public void multTransB(float[] x, int xOff, int batch, Workspace workspace, float[] bias, int biasOff,
                           Epilogue epilogue, KernelPool pool) {
        PanamaWorkspace ws = ws(workspace);
        Objects.requireNonNull(epilogue, "epilogue");
        prepare(ws, x, xOff, batch, bias, biasOff, pool);
        ws.job.set(Job.XWT, x, xOff, null, 0, null, 0, batch, bias, biasOff, epilogue);
        GemmChecks.run(pool, ws.job);
    }

    private static void prepare(PanamaWorkspace ws, float[] x, int xOff, int batch, float[] bias, int biasOff,
                                KernelPool pool) {
        GemmChecks.batch(batch);
        GemmChecks.range("x", x, xOff, (long) batch * ws.d);
        if (bias != null) {
            GemmChecks.range("bias", bias, biasOff, ws.n);
        }
        int threads = GemmChecks.threads(pool);
        if (ws.blocks.length < threads) {
            // Grown once per pool size, on the caller thread before dispatch: no allocation on later calls.
            float[][] b = new float[threads][];
            for (int t = 0; t < threads; t++) {
                b[t] = new float[MR * ws.blockCols];
            }
            ws.blocks = b;
        }
        // Largest per-thread row chunk, rounded up to whole tiles.
        long need = (long) (chunkStart(batch, threads, MR, 1) + MR - 1) / MR * MR * ws.d;
        if (ws.xPacked.length < threads || ws.xPacked[0].length < need) {
            if (need > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("batch × d too large for one thread's X tile buffer: " + need);
            }
            float[][] xp = new float[Math.max(threads, ws.xPacked.length)][];
            for (int t = 0; t < xp.length; t++) {
                xp[t] = new float[(int) need];
            }
            ws.xPacked = xp;
        }
    }

    @Override
    public void multTransA(float[] g, int gOff, float[] x, int xOff, int batch, float[] c, int cOff,
                           Workspace workspace, KernelPool pool) {
        PanamaWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        GemmChecks.range("g", g, gOff, (long) batch * ws.n);
        GemmChecks.range("x", x, xOff, (long) batch * ws.d);
        GemmChecks.range("c", c, cOff, (long) ws.n * ws.d);
        prepareDense(ws, pool);
        ws.job.set(Job.GTX, g, gOff, x, xOff, c, cOff, batch, null, 0, null);
        GemmChecks.run(pool, ws.job);
    }

    @Override
    public void mult(float[] g, int gOff, float[] w, int wOff, int batch, float[] c, int cOff,
                     Workspace workspace, KernelPool pool) {
        PanamaWorkspace ws = ws(workspace);
        GemmChecks.batch(batch);
        GemmChecks.range("g", g, gOff, (long) batch * ws.n);
        GemmChecks.range("w", w, wOff, (long) ws.n * ws.d);
        GemmChecks.range("c", c, cOff, (long) batch * ws.d);
        prepareDense(ws, pool);
        ws.job.set(Job.GW, g, gOff, w, wOff, c, cOff, batch, null, 0, null);
        GemmChecks.run(pool, ws.job);
    }

    /** Per-thread buffers of Gᵀ·X / G·W, sized by d, kb and the A budget only: allocated once per pool size. */
    private static void prepareDense(PanamaWorkspace ws, KernelPool pool) {
        int threads = GemmChecks.threads(pool);
        if (ws.tile.length < threads) {
            int panels = (ws.d + NR - 1) / NR;
            float[][] b = new float[threads][];
            float[][] a = new float[threads][];
            float[][] tl = new float[threads][];
            for (int t = 0; t < threads; t++) {
                b[t] = new float[Math.multiplyExact(panels * NR, ws.kb)];
                a[t] = new float[ws.aFloats];
                tl[t] = new float[MR * NR];
            }
            ws.bPacked = b;
            ws.aPacked = a;
            ws.tile = tl;
        }
    }

    static final class PanamaWorkspace implements Workspace {
        final int n;
        final int d;
        final int panels;
        /** Panels per column block, so that a block of packed W (panelsPerBlock · NR · d floats) fits L2_BUDGET. */
        final int panelsPerBlock;
        final int blockCols;
        /** Panel p at [p·NR·d, (p+1)·NR·d): element (k, jj) at p·NR·d + k·NR + jj. Padding rows stay zero. */
        final float[] packed;
        /** Reduction block of Gᵀ·X and G·W (KB unless a test asked otherwise). */
        final int kb;
        /** Floats of one thread's packed A block: whole MR × kb tiles. */
        final int aFloats;
        float[][] blocks = new float[0][];
        /** {0, d, 2d, …}: gather offsets of one column across L rows of W. */
        final int[] rowIndex = new int[L];
        /** Element e of L consecutive p of a G·W A tile ([p][MR]) comes from G offset (e % MR)·n + e / MR. */
        final int[] transposeIndex = new int[MR * L];
        /** Per thread: its rows of X in MR-row tiles (see packX); grown when batch or pool size grows. */
        float[][] xPacked = new float[0][];
        /** Per thread, for Gᵀ·X and G·W: the packed vector-side block, the A block and one MR × NR tile. */
        float[][] bPacked = new float[0][];
        float[][] aPacked = new float[0][];
        float[][] tile = new float[0][];
        final Job job = new Job(this);

        PanamaWorkspace(int n, int d, int l2Budget, int kb, int aBudget) {
            this.kb = kb;
            // Whole A tiles of the longest reduction block: at least one.
            this.aFloats = Math.multiplyExact(tileStride(kb), Math.max(1, aBudget / (4 * tileStride(kb))));
            this.n = n;
            this.d = d;
            this.panels = (n + NR - 1) / NR;
            this.panelsPerBlock = Math.max(1, Math.min(panels, l2Budget / (4 * NR * d)));
            this.blockCols = panelsPerBlock * NR;
            this.packed = new float[Math.multiplyExact(Math.multiplyExact(panels, NR), d)];
            for (int i = 0; i < L; i++) {
                rowIndex[i] = i * d;
            }
            for (int e = 0; e < MR * L; e++) {
                transposeIndex[e] = (e % MR) * n + e / MR;
            }
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
        static final int PACK = 0;
        static final int XWT = 1;
        static final int GTX = 2;
        static final int GW = 3;

        private final PanamaWorkspace ws;

        Job(PanamaWorkspace ws) {
            this.ws = ws;
        }

        @Override
        public void run(int t, int threads) {
            PanamaWorkspace ws = this.ws;
            switch (op) {
                case PACK -> pack(a, aOff, ws, chunkStart(ws.panels, threads, 1, t),
                        chunkStart(ws.panels, threads, 1, t + 1));
                case XWT -> xwt(ws, t, a, aOff, chunkStart(batch, threads, MR, t),
                        chunkStart(batch, threads, MR, t + 1), bias, biasOff, c, cOff, epilogue);
                case GTX -> gtx(ws, t, a, aOff, b, bOff, batch, c, cOff, chunkStart(ws.n, threads, MR, t),
                        chunkStart(ws.n, threads, MR, t + 1));
                case GW -> gw(ws, t, a, aOff, b, bOff, c, cOff, chunkStart(batch, threads, MR, t),
                        chunkStart(batch, threads, MR, t + 1));
                default -> throw new IllegalStateException("op " + op);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Packing

    private static void pack(float[] w, int wOff, PanamaWorkspace ws, int p0, int p1) {
        final int d = ws.d;
        final float[] packed = ws.packed;
        final int[] rowIdx = ws.rowIndex;
        for (int p = p0; p < p1; p++) {
            int base = p * NR * d;
            int rows = Math.min(NR, ws.n - p * NR);
            if (rows == NR) {
                // Gather column k of L consecutive rows (row stride d): along k the same few cache lines are
                // reused, and each gather feeds one contiguous vector store. Several times faster than a scalar
                // transpose here.
                int src0 = wOff + p * NR * d;
                int src1 = src0 + L * d;
                int src2 = src1 + L * d;
                for (int k = 0; k < d; k++) {
                    int dst = base + k * NR;
                    FloatVector.fromArray(S, w, src0 + k, rowIdx, 0).intoArray(packed, dst);
                    FloatVector.fromArray(S, w, src1 + k, rowIdx, 0).intoArray(packed, dst + L);
                    FloatVector.fromArray(S, w, src2 + k, rowIdx, 0).intoArray(packed, dst + 2 * L);
                }
            } else {
                // Last, partial panel: plain transpose; its padding rows were zeroed at creation and stay zero.
                for (int jj = 0; jj < rows; jj++) {
                    int src = wOff + (p * NR + jj) * d;
                    for (int k = 0; k < d; k++) {
                        packed[base + k * NR + jj] = w[src + k];
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // C = X·Wᵀ + bias

    private static void xwt(PanamaWorkspace ws, int t, float[] x, int xOff, int r0, int r1, float[] bias,
                            int biasOff, float[] c, int cOff, Epilogue epilogue) {
        if (r0 >= r1) {
            return;
        }
        final int n = ws.n;
        final int d = ws.d;
        final float[] packed = ws.packed;
        final float[] buf = ws.blocks[t];
        final float[] xp = ws.xPacked[t];
        final int ldb = ws.blockCols;
        final int tiles = (r1 - r0 + MR - 1) / MR;
        packX(x, xOff, d, r0, r1, xp);
        for (int p0 = 0; p0 < ws.panels; p0 += ws.panelsPerBlock) {
            int p1 = Math.min(ws.panels, p0 + ws.panelsPerBlock);
            int col0 = p0 * NR;
            int cols = Math.min(n, p1 * NR) - col0;
            for (int i = 0; i < tiles; i++) {
                int row0 = r0 + i * MR;
                int rows = Math.min(MR, r1 - row0);
                int xo = i * MR * d;
                for (int p = p0; p < p1; p++) {
                    if (MR == 7) {
                        xwt7(xp, xo, d, packed, p * NR * d, buf, (p - p0) * NR, ldb, false);
                    } else {
                        xwt3(xp, xo, d, packed, p * NR * d, buf, (p - p0) * NR, ldb, false);
                    }
                }
                if (bias != null) {
                    for (int r = 0; r < rows; r++) {
                        addInPlace(buf, r * ldb, bias, biasOff + col0, cols);
                    }
                }
                if (epilogue != null) {
                    epilogue.accept(t, row0, rows, col0, cols, buf, 0, ldb);
                } else {
                    for (int r = 0; r < rows; r++) {
                        System.arraycopy(buf, r * ldb, c, cOff + (row0 + r) * n + col0, cols);
                    }
                }
            }
        }
    }

    /**
     * Rows [r0, r1) of X into tiles of MR rows: tile i at i·MR·d, element (k, r) at i·MR·d + k·MR + r, missing rows
     * of the last tile zero. The micro-kernel then reads X through one index, so its range checks hoist and it
     * needs no general register per row.
     */
    private static void packX(float[] x, int xOff, int d, int r0, int r1, float[] xp) {
        for (int row0 = r0, base = 0; row0 < r1; row0 += MR, base += MR * d) {
            int rows = Math.min(MR, r1 - row0);
            for (int r = 0; r < rows; r++) {
                int src = xOff + (row0 + r) * d;
                for (int k = 0; k < d; k++) {
                    xp[base + k * MR + r] = x[src + k];
                }
            }
            for (int r = rows; r < MR; r++) {
                for (int k = 0; k < d; k++) {
                    xp[base + k * MR + r] = 0f;
                }
            }
        }
    }

    private static void addInPlace(float[] a, int aOff, float[] b, int bOff, int len) {
        int i = 0;
        for (int bound = S.loopBound(len); i < bound; i += L) {
            FloatVector.fromArray(S, a, aOff + i).add(FloatVector.fromArray(S, b, bOff + i)).intoArray(a, aOff + i);
        }
        for (; i < len; i++) {
            a[aOff + i] += b[bOff + i];
        }
    }

    /**
     * One 7-row tile of packed X (at xo) × one packed panel (at po): the 7 × NR block of C goes to buf (row stride
     * ldb). 7 rows, not 8: 21 accumulators + 3 panel vectors + 7 broadcasts fit the 32 vector registers; with 8
     * rows C2 spilled three accumulators to the stack on every k.
     */
    private static void xwt7(float[] xp, int xo, int d, float[] pw, int po, float[] buf, int bo, int ldb,
                             boolean acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00;
        FloatVector c60 = c00, c61 = c00, c62 = c00;
        // Unrolled by two: halves the index arithmetic per FMA (on AVX-512 it competes with the FMAs for
        // ports 0 and 5); measured +12-15% when the panel streams from L2.
        FloatVector w0, w1, w2, a;
        int k = 0;
        for (; k + 1 < d; k += 2) {
            int pk = po + k * NR;
            int xk = xo + k * 7;
            w0 = FloatVector.fromArray(S, pw, pk);
            w1 = FloatVector.fromArray(S, pw, pk + L);
            w2 = FloatVector.fromArray(S, pw, pk + 2 * L);
            a = FloatVector.broadcast(S, xp[xk]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            a = FloatVector.broadcast(S, xp[xk + 3]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
            a = FloatVector.broadcast(S, xp[xk + 4]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            c42 = w2.fma(a, c42);
            a = FloatVector.broadcast(S, xp[xk + 5]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
            c52 = w2.fma(a, c52);
            a = FloatVector.broadcast(S, xp[xk + 6]);
            c60 = w0.fma(a, c60);
            c61 = w1.fma(a, c61);
            c62 = w2.fma(a, c62);
            w0 = FloatVector.fromArray(S, pw, pk + NR);
            w1 = FloatVector.fromArray(S, pw, pk + NR + L);
            w2 = FloatVector.fromArray(S, pw, pk + NR + 2 * L);
            a = FloatVector.broadcast(S, xp[xk + 7]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 7 + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 7 + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            a = FloatVector.broadcast(S, xp[xk + 7 + 3]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
            a = FloatVector.broadcast(S, xp[xk + 7 + 4]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            c42 = w2.fma(a, c42);
            a = FloatVector.broadcast(S, xp[xk + 7 + 5]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
            c52 = w2.fma(a, c52);
            a = FloatVector.broadcast(S, xp[xk + 7 + 6]);
            c60 = w0.fma(a, c60);
            c61 = w1.fma(a, c61);
            c62 = w2.fma(a, c62);
        }
        if (k < d) {
            int pk = po + k * NR;
            int xk = xo + k * 7;
            w0 = FloatVector.fromArray(S, pw, pk);
            w1 = FloatVector.fromArray(S, pw, pk + L);
            w2 = FloatVector.fromArray(S, pw, pk + 2 * L);
            a = FloatVector.broadcast(S, xp[xk]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            a = FloatVector.broadcast(S, xp[xk + 3]);
            c30 = w0.fma(a, c30);
            c31 = w1.fma(a, c31);
            c32 = w2.fma(a, c32);
            a = FloatVector.broadcast(S, xp[xk + 4]);
            c40 = w0.fma(a, c40);
            c41 = w1.fma(a, c41);
            c42 = w2.fma(a, c42);
            a = FloatVector.broadcast(S, xp[xk + 5]);
            c50 = w0.fma(a, c50);
            c51 = w1.fma(a, c51);
            c52 = w2.fma(a, c52);
            a = FloatVector.broadcast(S, xp[xk + 6]);
            c60 = w0.fma(a, c60);
            c61 = w1.fma(a, c61);
            c62 = w2.fma(a, c62);
        }
        if (acc) {
            // Accumulating into C: the tile's own sum first, then C added, as a separate pass would.
            c00 = c00.add(FloatVector.fromArray(S, buf, bo));
            c01 = c01.add(FloatVector.fromArray(S, buf, bo + L));
            c02 = c02.add(FloatVector.fromArray(S, buf, bo + 2 * L));
            c10 = c10.add(FloatVector.fromArray(S, buf, bo + ldb));
            c11 = c11.add(FloatVector.fromArray(S, buf, bo + ldb + L));
            c12 = c12.add(FloatVector.fromArray(S, buf, bo + ldb + 2 * L));
            c20 = c20.add(FloatVector.fromArray(S, buf, bo + 2 * ldb));
            c21 = c21.add(FloatVector.fromArray(S, buf, bo + 2 * ldb + L));
            c22 = c22.add(FloatVector.fromArray(S, buf, bo + 2 * ldb + 2 * L));
            c30 = c30.add(FloatVector.fromArray(S, buf, bo + 3 * ldb));
            c31 = c31.add(FloatVector.fromArray(S, buf, bo + 3 * ldb + L));
            c32 = c32.add(FloatVector.fromArray(S, buf, bo + 3 * ldb + 2 * L));
            c40 = c40.add(FloatVector.fromArray(S, buf, bo + 4 * ldb));
            c41 = c41.add(FloatVector.fromArray(S, buf, bo + 4 * ldb + L));
            c42 = c42.add(FloatVector.fromArray(S, buf, bo + 4 * ldb + 2 * L));
            c50 = c50.add(FloatVector.fromArray(S, buf, bo + 5 * ldb));
            c51 = c51.add(FloatVector.fromArray(S, buf, bo + 5 * ldb + L));
            c52 = c52.add(FloatVector.fromArray(S, buf, bo + 5 * ldb + 2 * L));
            c60 = c60.add(FloatVector.fromArray(S, buf, bo + 6 * ldb));
            c61 = c61.add(FloatVector.fromArray(S, buf, bo + 6 * ldb + L));
            c62 = c62.add(FloatVector.fromArray(S, buf, bo + 6 * ldb + 2 * L));
        }
        c00.intoArray(buf, bo);
        c01.intoArray(buf, bo + L);
        c02.intoArray(buf, bo + 2 * L);
        c10.intoArray(buf, bo + ldb);
        c11.intoArray(buf, bo + ldb + L);
        c12.intoArray(buf, bo + ldb + 2 * L);
        c20.intoArray(buf, bo + 2 * ldb);
        c21.intoArray(buf, bo + 2 * ldb + L);
        c22.intoArray(buf, bo + 2 * ldb + 2 * L);
        c30.intoArray(buf, bo + 3 * ldb);
        c31.intoArray(buf, bo + 3 * ldb + L);
        c32.intoArray(buf, bo + 3 * ldb + 2 * L);
        c40.intoArray(buf, bo + 4 * ldb);
        c41.intoArray(buf, bo + 4 * ldb + L);
        c42.intoArray(buf, bo + 4 * ldb + 2 * L);
        c50.intoArray(buf, bo + 5 * ldb);
        c51.intoArray(buf, bo + 5 * ldb + L);
        c52.intoArray(buf, bo + 5 * ldb + 2 * L);
        c60.intoArray(buf, bo + 6 * ldb);
        c61.intoArray(buf, bo + 6 * ldb + L);
        c62.intoArray(buf, bo + 6 * ldb + 2 * L);
    }

    /**
     * 3-row tile for species narrower than 512 bits: 9 accumulators + 3 panel vectors + 3 broadcasts fit the 16
     * registers of AVX2.
     */
    private static void xwt3(float[] xp, int xo, int d, float[] pw, int po, float[] buf, int bo, int ldb,
                             boolean acc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        // Unrolled by two: halves the index arithmetic per FMA (on AVX-512 it competes with the FMAs for
        // ports 0 and 5); measured +12-15% when the panel streams from L2.
        FloatVector w0, w1, w2, a;
        int k = 0;
        for (; k + 1 < d; k += 2) {
            int pk = po + k * NR;
            int xk = xo + k * 3;
            w0 = FloatVector.fromArray(S, pw, pk);
            w1 = FloatVector.fromArray(S, pw, pk + L);
            w2 = FloatVector.fromArray(S, pw, pk + 2 * L);
            a = FloatVector.broadcast(S, xp[xk]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
            w0 = FloatVector.fromArray(S, pw, pk + NR);
            w1 = FloatVector.fromArray(S, pw, pk + NR + L);
            w2 = FloatVector.fromArray(S, pw, pk + NR + 2 * L);
            a = FloatVector.broadcast(S, xp[xk + 3]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 3 + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 3 + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
        }
        if (k < d) {
            int pk = po + k * NR;
            int xk = xo + k * 3;
            w0 = FloatVector.fromArray(S, pw, pk);
            w1 = FloatVector.fromArray(S, pw, pk + L);
            w2 = FloatVector.fromArray(S, pw, pk + 2 * L);
            a = FloatVector.broadcast(S, xp[xk]);
            c00 = w0.fma(a, c00);
            c01 = w1.fma(a, c01);
            c02 = w2.fma(a, c02);
            a = FloatVector.broadcast(S, xp[xk + 1]);
            c10 = w0.fma(a, c10);
            c11 = w1.fma(a, c11);
            c12 = w2.fma(a, c12);
            a = FloatVector.broadcast(S, xp[xk + 2]);
            c20 = w0.fma(a, c20);
            c21 = w1.fma(a, c21);
            c22 = w2.fma(a, c22);
        }
        if (acc) {
            // Accumulating into C: the tile's own sum first, then C added, as a separate pass would.
            c00 = c00.add(FloatVector.fromArray(S, buf, bo));
            c01 = c01.add(FloatVector.fromArray(S, buf, bo + L));
            c02 = c02.add(FloatVector.fromArray(S, buf, bo + 2 * L));
            c10 = c10.add(FloatVector.fromArray(S, buf, bo + ldb));
            c11 = c11.add(FloatVector.fromArray(S, buf, bo + ldb + L));
            c12 = c12.add(FloatVector.fromArray(S, buf, bo + ldb + 2 * L));
            c20 = c20.add(FloatVector.fromArray(S, buf, bo + 2 * ldb));
            c21 = c21.add(FloatVector.fromArray(S, buf, bo + 2 * ldb + L));
            c22 = c22.add(FloatVector.fromArray(S, buf, bo + 2 * ldb + 2 * L));
        }
        c00.intoArray(buf, bo);
        c01.intoArray(buf, bo + L);
        c02.intoArray(buf, bo + 2 * L);
        c10.intoArray(buf, bo + ldb);
        c11.intoArray(buf, bo + ldb + L);
        c12.intoArray(buf, bo + ldb + 2 * L);
        c20.intoArray(buf, bo + 2 * ldb);
        c21.intoArray(buf, bo + 2 * ldb + L);
        c22.intoArray(buf, bo + 2 * ldb + 2 * L);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Gᵀ·X and G·W: C[r][k] = Σ_p A(r, p)·Bm[p][k]. Per reduction block of kb steps a thread packs the whole Bm block
    // into NR-wide panels ([panel][p][NR], zero-padded); then, per block of A tiles that fits aBudget, it packs those
    // tiles ([tile][p][MR]) and runs every panel over every tile of the block: the panel (NR·kc floats) is read from
    // memory once per A block and then from L2, each A tile from L2, and every C tile is written (or added to) once
    // per reduction block.

    /** C(n×d) = Gᵀ·X for C rows (latents) [j0, j1): A(r, p) = G[p][r], Bm = X, reduction over the batch. */
    private static void gtx(PanamaWorkspace ws, int t, float[] g, int gOff, float[] x, int xOff, int batch,
                            float[] c, int cOff, int j0, int j1) {
        final int n = ws.n;
        final int d = ws.d;
        if (j0 >= j1) {
            return;
        }
        if (batch == 0) {
            java.util.Arrays.fill(c, cOff + j0 * d, cOff + j1 * d, 0f);
            return;
        }
        final float[] ap = ws.aPacked[t];
        for (int q0 = 0; q0 < batch; q0 += ws.kb) {
            int kc = Math.min(ws.kb, batch - q0);
            packPanels(x, xOff + q0 * d, d, kc, d, ws.bPacked[t]);
            int ts = tileStride(kc);
            int span = MR * Math.max(1, ap.length / ts);
            for (int jb = j0; jb < j1; jb += span) {
                int m = Math.min(span, j1 - jb);
                // A tile i, element (p, r) = G[(q0 + p)·n + jb + i·MR + r]: G is read row by row. A whole tile's MR
                // floats go as one L-lane copy: the L − MR extra lanes land in slot p + 1, which the next p
                // overwrites (or, after the last p, in the tile's padding); near the end of g, and for a ragged
                // last tile, element by element.
                int full = m / MR;
                int tiles = (m + MR - 1) / MR;
                for (int p = 0; p < kc; p++) {
                    int src = gOff + (q0 + p) * n + jb;
                    int dst = p * MR;
                    int i = 0;
                    int vecEnd = Math.min(full, Math.floorDiv(g.length - L - src, MR) + 1);
                    for (; i < vecEnd; i++) {
                        FloatVector.fromArray(S, g, src + i * MR).intoArray(ap, i * ts + dst);
                    }
                    for (; i < tiles; i++) {
                        int rows = Math.min(MR, m - i * MR);
                        int so = src + i * MR;
                        int o = i * ts + dst;
                        for (int r = 0; r < rows; r++) {
                            ap[o + r] = g[so + r];
                        }
                        for (int r = rows; r < MR; r++) {
                            ap[o + r] = 0f;
                        }
                    }
                }
                blockTimesPanels(ws, t, kc, ts, m, c, cOff + jb * d, q0 > 0);
            }
        }
    }

    /** C(B×d) = G·W for C rows [r0, r1): A(r, p) = G[r][p], Bm = W, reduction over the latents. */
    private static void gw(PanamaWorkspace ws, int t, float[] g, int gOff, float[] w, int wOff, float[] c, int cOff,
                           int r0, int r1) {
        final int n = ws.n;
        final int d = ws.d;
        if (r0 >= r1) {
            return;
        }
        final float[] ap = ws.aPacked[t];
        final int[] idx = ws.transposeIndex;
        for (int q0 = 0; q0 < n; q0 += ws.kb) {
            int kc = Math.min(ws.kb, n - q0);
            packPanels(w, wOff + q0 * d, d, kc, d, ws.bPacked[t]);
            int ts = tileStride(kc);
            int span = MR * Math.max(1, ap.length / ts);
            for (int rb = r0; rb < r1; rb += span) {
                int m = Math.min(span, r1 - rb);
                // A tile i, element (p, rr) = G[(rb + i·MR + rr)·n + q0 + p]: a transpose of MR row pieces. L steps
                // of p are MR·L contiguous floats of the tile: MR gathers (through transposeIndex) fill them.
                for (int i = 0; i * MR < m; i++) {
                    int rows = Math.min(MR, m - i * MR);
                    int base = i * ts;
                    int src = gOff + (rb + i * MR) * n + q0;
                    int p = 0;
                    if (rows == MR) {
                        for (; p + L <= kc; p += L) {
                            for (int v = 0; v < MR; v++) {
                                FloatVector.fromArray(S, g, src + p, idx, v * L)
                                        .intoArray(ap, base + p * MR + v * L);
                            }
                        }
                    }
                    for (int rr = 0; rr < MR; rr++) {
                        if (rr < rows) {
                            int so = src + rr * n;
                            for (int pp = p; pp < kc; pp++) {
                                ap[base + pp * MR + rr] = g[so + pp];
                            }
                        } else {
                            for (int pp = p; pp < kc; pp++) {
                                ap[base + pp * MR + rr] = 0f;
                            }
                        }
                    }
                }
                blockTimesPanels(ws, t, kc, ts, m, c, cOff + rb * d, q0 > 0);
            }
        }
    }

    /**
     * Floats from one packed A tile (MR × kc) to the next: L more than the tile, for the over-long copies of gtx's
     * packing and so that tiles do not all fall into the same L1 set (MR·kc·4 bytes is often a multiple of 4 KiB).
     */
    private static int tileStride(int kc) {
        return MR * kc + L;
    }

    /**
     * rows × cols of {@code src} (row stride ld) into NR-wide panels: panel q at q·NR·rows, element (p, jj) at
     * q·NR·rows + p·NR + jj; columns past {@code cols} zero. A straight copy (rows are already along the vector).
     */
    private static void packPanels(float[] src, int off, int ld, int rows, int cols, float[] dst) {
        int full = cols / NR;
        for (int q = 0; q < full; q++) {
            int base = q * NR * rows;
            int s = off + q * NR;
            for (int p = 0; p < rows; p++) {
                int so = s + p * ld;
                int dOff = base + p * NR;
                FloatVector.fromArray(S, src, so).intoArray(dst, dOff);
                FloatVector.fromArray(S, src, so + L).intoArray(dst, dOff + L);
                FloatVector.fromArray(S, src, so + 2 * L).intoArray(dst, dOff + 2 * L);
            }
        }
        int rest = cols - full * NR;
        if (rest > 0) {
            int base = full * NR * rows;
            for (int p = 0; p < rows; p++) {
                int so = off + full * NR + p * ld;
                int dOff = base + p * NR;
                for (int jj = 0; jj < rest; jj++) {
                    dst[dOff + jj] = src[so + jj];
                }
                for (int jj = rest; jj < NR; jj++) {
                    dst[dOff + jj] = 0f;
                }
            }
        }
    }

    /**
     * Every packed panel of the Bm block times every packed A tile of the block (m rows of C from row stride d
     * offset {@code co}), panels outer so each panel is fetched once and then reused from L2. Whole MR × NR tiles
     * go straight into C (stored, or added when {@code acc}); ragged ones through the per-thread tile buffer.
     */
    private static void blockTimesPanels(PanamaWorkspace ws, int t, int kc, int ts, int m, float[] c, int co,
                                         boolean acc) {
        final int d = ws.d;
        final float[] ap = ws.aPacked[t];
        final float[] bp = ws.bPacked[t];
        final float[] tile = ws.tile[t];
        final int panels = (d + NR - 1) / NR;
        final int tiles = (m + MR - 1) / MR;
        for (int q = 0; q < panels; q++) {
            int k0 = q * NR;
            int cols = Math.min(NR, d - k0);
            int po = q * NR * kc;
            for (int i = 0; i < tiles; i++) {
                int rows = Math.min(MR, m - i * MR);
                int ao = i * ts;
                int cr0 = co + i * MR * d + k0;
                if (rows == MR && cols == NR) {
                    if (MR == 7) {
                        xwt7(ap, ao, kc, bp, po, c, cr0, d, acc);
                    } else {
                        xwt3(ap, ao, kc, bp, po, c, cr0, d, acc);
                    }
                    continue;
                }
                if (MR == 7) {
                    xwt7(ap, ao, kc, bp, po, tile, 0, NR, false);
                } else {
                    xwt3(ap, ao, kc, bp, po, tile, 0, NR, false);
                }
                for (int r = 0; r < rows; r++) {
                    int cr = cr0 + r * d;
                    int tr = r * NR;
                    if (acc) {
                        for (int k = 0; k < cols; k++) {
                            c[cr + k] += tile[tr + k];
                        }
                    } else {
                        System.arraycopy(tile, tr, c, cr, cols);
                    }
                }
            }
        }
    }
}
