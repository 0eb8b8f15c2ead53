package org.sae4j.encode;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.sae4j.BadInputException;
import org.sae4j.encode.select.RowTopK;
import org.sae4j.encode.select.TopK;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;

/**
 * {@link SaeEncoder}'s batch path: the GEMM with {@code W_enc} packed once and an epilogue that keeps each row's top
 * codes (or, for {@link #encodeDense}, thresholds each block), so the n-wide pre-activation row is never stored. One
 * product runs at a time under {@link #lock}; the scratch is owned here and reused, so a warm call allocates nothing.
 */
final class BatchEncoder {
    // Rows per batch product: enough for the GEMM to reach speed, small enough for the heaps to stay in cache.
    private static final int CHUNK_ROWS = 256;
    // Bound on the batch heaps (rows × cap entries) when a caller asks for very many codes per row.
    private static final int MAX_HEAP_ENTRIES = 1 << 16;

    private final EncoderWeights w;
    private final int d;
    private final int n;
    private final Activation act;
    private final EncoderMode mode;
    private final ScreenedEncoder screen;  // the approximate modes' compressed copy; else unused here
    private final ThresholdSelect select;

    // Guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final KernelPool pool;
    private final Gemm gemm;
    private final Gemm.Workspace ws;   // null in an approximate mode
    private final float[] xin;     // CHUNK_ROWS × d: standardised / shifted inputs, when either applies
    private final int[][] cand;    // per pool thread: candidate columns of one block row
    private final Gemm.Epilogue epilogue = this::acceptBlock;
    private final Gemm.Epilogue denseEpilogue = this::denseBlock;
    private RowTopK heaps;         // grown to the largest k asked for
    private final GroupMax groups; // GroupMax: each row's running group maxima (one chunk), else null
    private final long[] groupKeys; // GroupMax: one row's sort keys
    private float[] denseOut;      // encodeDense's output and the first row of the current chunk
    private int denseRow0;
    private int[] topIdx = new int[0];  // encodeDense's TopK codes, grown on demand
    private float[] topVal = new float[0];

    BatchEncoder(EncoderWeights w, EncoderMode mode, ScreenedEncoder screen, KernelPool pool) {
        this.w = w;
        this.d = w.d;
        this.n = w.n;
        this.act = w.act;
        this.mode = mode;
        this.screen = screen;
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.select = p.thresholdSelect();
        this.pool = pool;
        this.gemm = p.gemm();
        if (mode.approximate()) {
            this.ws = null;
        } else {
            this.ws = gemm.newWorkspace(n, d);
            gemm.packW(w.wEnc, 0, ws, pool);
        }
        this.xin = w.prepares() ? new float[CHUNK_ROWS * d] : null;
        this.cand = new int[mode.approximate() ? 0 : pool.threads()][n];
        this.heaps = newHeaps(act == Activation.TOPK ? w.config.k() : 32);
        boolean gm = act == Activation.GROUPMAX;
        this.groups = gm && !mode.approximate() ? new GroupMax(chunkRows(w.config.k()), n, w.config.k()) : null;
        this.groupKeys = new long[gm ? w.config.k() : 0];
    }

    /** {@link SaeEncoder#encode(float[], int, int[], float[], int)}. */
    int encode(float[] x, int rows, int[] idxOut, float[] valOut, int k) {
        if (k < 1) {
            throw new BadInputException("k = " + k + ": expected at least 1 code per row");
        }
        w.checkRows("input", x, rows, false);
        if (idxOut.length < (long) rows * k || valOut.length < (long) rows * k) {
            throw new BadInputException("output buffers: have " + idxOut.length + " indices and " + valOut.length
                    + " values; expected rows × k = " + rows + "×" + k);
        }
        int limit = w.limit(k);
        if (mode.approximate()) {
            return encodeApproximate(x, rows, idxOut, valOut, k, limit);
        }
        int written = 0;
        lock.lock();
        try {
            if (groups != null) {
                return encodeGroups(x, rows, idxOut, valOut, k, limit);
            }
            if (heaps.cap() < limit) {
                heaps = newHeaps(limit);
            }
            int chunk = chunkRows(heaps.cap());
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int br = Math.min(chunk, rows - r0);
                float[] in = chunkInput(x, r0, br);
                int off = in == x ? r0 * d : 0;
                heaps.reset(br, limit);
                gemm.multTransB(in, off, br, ws, w.bEnc, 0, epilogue, pool);
                for (int b = 0; b < br; b++) {
                    int o = (r0 + b) * k;
                    int got = heaps.drainSorted(b, idxOut, valOut, o);
                    Arrays.fill(idxOut, o + got, o + k, -1);
                    Arrays.fill(valOut, o + got, o + k, 0f);
                    written += got;
                }
            }
        } finally {
            lock.unlock();
        }
        return written;
    }

    /** GroupMax's batch path (under the lock): the product per chunk, then each row's positive group maxima. */
    private int encodeGroups(float[] x, int rows, int[] idxOut, float[] valOut, int k, int limit) {
        int written = 0;
        int chunk = chunkRows(w.config.k());
        for (int r0 = 0; r0 < rows; r0 += chunk) {
            int br = Math.min(chunk, rows - r0);
            float[] in = chunkInput(x, r0, br);
            int off = in == x ? r0 * d : 0;
            groups.reset(br);
            gemm.multTransB(in, off, br, ws, w.bEnc, 0, epilogue, pool);
            for (int b = 0; b < br; b++) {
                int o = (r0 + b) * k;
                int got = groups.drainSorted(b, limit, idxOut, valOut, o, groupKeys);
                Arrays.fill(idxOut, o + got, o + k, -1);
                Arrays.fill(valOut, o + got, o + k, 0f);
                written += got;
            }
        }
        return written;
    }

    /** {@link SaeEncoder#encodeDense}. */
    void encodeDense(float[] x, int rows, float[] codesOut) {
        w.checkRows("input", x, rows, false);
        if (codesOut.length < (long) rows * n) {
            throw new BadInputException("output: has " + codesOut.length + " values; expected rows × latents = "
                    + rows + "×" + n);
        }
        Arrays.fill(codesOut, 0, rows * n, 0f);
        if (mode.approximate()) {
            int k = act.atMostKPerRow() ? w.config.k() : n;
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            encode(x, rows, idx, val, k);
            scatter(idx, val, rows, k, codesOut);
            return;
        }
        if (act.atMostKPerRow()) {
            int k = w.config.k();
            lock.lock();
            try {
                if (topIdx.length < rows * k) {
                    topIdx = new int[rows * k];
                    topVal = new float[rows * k];
                }
                encode(x, rows, topIdx, topVal, k);
                scatter(topIdx, topVal, rows, k, codesOut);
            } finally {
                lock.unlock();
            }
            return;
        }
        lock.lock();
        try {
            denseOut = codesOut;
            for (int r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
                int br = Math.min(CHUNK_ROWS, rows - r0);
                float[] in = chunkInput(x, r0, br);
                int off = in == x ? r0 * d : 0;
                denseRow0 = r0;
                gemm.multTransB(in, off, br, ws, w.bEnc, 0, denseEpilogue, pool);
            }
        } finally {
            denseOut = null;
            lock.unlock();
        }
    }

    /** Top-k slots ({@code k} per row, index −1 = empty) into dense rows × n codes (already zeroed). */
    private void scatter(int[] idx, float[] val, int rows, int k, float[] codesOut) {
        for (int q = 0; q < rows * k; q++) {
            if (idx[q] >= 0) {
                codesOut[(q / k) * n + idx[q]] = val[q];
            }
        }
    }

    /** Rows [r0, r0 + br) as the GEMM reads them: {@code x} itself, or prepared into {@code xin} (offset 0). */
    private float[] chunkInput(float[] x, int r0, int br) {
        if (xin == null) {
            return x;
        }
        System.arraycopy(x, r0 * d, xin, 0, br * d);
        w.prepare(xin, 0, br);
        return xin;
    }

    /** GEMM epilogue of {@link #encodeDense}: keeps each value above its threshold (as {@link Sae#activate}). */
    private void denseBlock(int t, int row0, int rows, int col0, int cols, float[] buf, int off, int ld) {
        for (int r = 0; r < rows; r++) {
            int o = (denseRow0 + row0 + r) * n + col0;
            int b = off + r * ld;
            if (w.codeRule) {
                w.rule.codes(buf, b, cols, col0); // as acceptBlock: the rule's codes, then keep those > 0
            }
            for (int c = 0; c < cols; c++) {
                float v = buf[b + c];
                if (v > (w.theta != null ? w.theta[col0 + c] : w.floor)) {
                    denseOut[o + c] = v;
                }
            }
        }
    }

    /** The batch API in an approximate mode: row by row from the compressed copy (there is no float32 GEMM). */
    private int encodeApproximate(float[] x, int rows, int[] idxOut, float[] valOut, int k, int limit) {
        int written = 0;
        float[] in = new float[d];
        ApproximateCodes codes = new ApproximateCodes(w, screen, select, limit); // scratch for every row
        for (int b = 0; b < rows; b++) {
            System.arraycopy(x, b * d, in, 0, d);
            w.prepare(in, 0, 1);
            int o = b * k;
            int got = codes.encode(in, idxOut, valOut, o);
            Arrays.fill(idxOut, o + got, o + k, -1);
            Arrays.fill(valOut, o + got, o + k, 0f);
            written += got;
        }
        return written;
    }

    /** Rows per batch product for heaps of {@code cap} entries per row. */
    private static int chunkRows(int cap) {
        return Math.max(1, Math.min(CHUNK_ROWS, MAX_HEAP_ENTRIES / cap));
    }

    private static RowTopK newHeaps(int cap) {
        return new RowTopK(chunkRows(cap), cap);
    }

    /** GEMM epilogue of the batch path: offers each finished block row to that row's heap. */
    private void acceptBlock(int t, int row0, int rows, int col0, int cols, float[] buf, int off, int ld) {
        int[] c = cand[t];
        for (int r = 0; r < rows; r++) {
            if (groups != null) {
                groups.offer(row0 + r, col0, buf, off + r * ld, cols);
                continue;
            }
            if (w.codeRule) {
                w.rule.codes(buf, off + r * ld, cols, col0); // the epilogue may overwrite the kernel's scratch
            }
            if (w.theta != null) {
                heaps.offerAbove(select, row0 + r, col0, buf, off + r * ld, cols, w.theta, c);
            } else {
                heaps.offerAbove(select, row0 + r, col0, buf, off + r * ld, cols, w.floor, c);
            }
        }
    }
}
