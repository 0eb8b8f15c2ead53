package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.encode.select.RowTopK;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;

/**
 * Phase 3, encode and select (sparse path): the GEMM {@code X̃·W_encᵀ + b_enc} whose epilogue keeps, per row, only
 * the entries the step needs — a running top-k (TopK; a margin of 4k for BatchTopK's batch-wide cut), each group's running
 * maximum (GroupMax: one entry per group, k per row, laid out as TopK's), the entries above 0 (ReLU)
 * or above θ − ε/2 (JumpReLU: active entries plus the straight-through band), and AuxK's candidates — then the
 * gather of the kept entries into {@link Codes} by row. The B×n matrix is never stored (BatchTopK's rare overflow
 * excepted).
 */
final class Selection {
    private final Sae sae;
    private final Activation act;
    private final int n;
    private final int k;
    /**
     * Entries kept per row by the epilogue: k (TopK's heap; GroupMax, one per group), a margin over k (BatchTopK's
     * heap), 0 (ReLU/JumpReLU).
     */
    final int candCap;
    private final int threads;
    private final ThresholdSelect select;
    private final LatentScales scales;
    private final AuxK aux;

    /** TopK/BatchTopK: the best (value, index) of each row, B×candCap. */
    private final RowTopK best;
    /** GroupMax: each row's first maximal entry of every group, B×k; null otherwise. */
    private final GroupMax groupMax;
    /** ReLU/JumpReLU: per-thread lists of kept (row, latent, pre) in arrival order. */
    private final int[][] cooRow;
    private final int[][] cooCol;
    private final float[][] cooVal;
    private final int[] cooLen;
    /** Per-thread candidate positions of one block row: threads×n. */
    private final int[][] cand;
    /** BatchTopK: candidates as sortable keys, value descending then row-major index ascending. */
    private long[] batchKeys = new long[0];
    /** BatchTopK's overflow: the whole B×n product, allocated on first need. */
    private float[] fullPre;

    private final Gemm.Epilogue epilogue = this::acceptBlock;

    Selection(Sae sae, int maxRows, int threads, LatentScales scales, AuxK aux, ThresholdSelect select) {
        this.sae = sae;
        this.act = sae.config().activation();
        this.n = sae.latents();
        this.k = act.usesK() ? sae.config().k() : 0;
        boolean groups = act == Activation.GROUPMAX;
        this.candCap = keptPerRow(sae);
        this.threads = threads;
        this.scales = scales;
        this.aux = aux;
        this.select = select;
        best = new RowTopK(candCap > 0 && !groups ? maxRows : 0, candCap);
        groupMax = groups ? new GroupMax(maxRows, n, k) : null;
        int initialCap = initialCooCapacity(maxRows, n, threads, candCap);
        cooRow = new int[threads][initialCap];
        cooCol = new int[threads][initialCap];
        cooVal = new float[threads][initialCap];
        cooLen = new int[threads];
        cand = new int[threads][n];
    }

    /** {@link #candCap} of a model: what the epilogue keeps per row for its activation. */
    static int keptPerRow(Sae sae) {
        Activation act = sae.config().activation();
        int k = act.usesK() ? sae.config().k() : 0;
        return act == Activation.TOPK || act == Activation.GROUPMAX ? k
                : act == Activation.BATCHTOPK ? Math.min(sae.latents(), 4 * k) : 0;
    }

    /** Per-thread starting size of the ReLU/JumpReLU lists (they grow by half when full). */
    static int initialCooCapacity(int maxRows, int n, int threads, int candCap) {
        return candCap > 0 ? 0 : Math.max(16, maxRows * Math.min(n, 64) / threads);
    }

    /** The first size of {@link Codes}: all of TopK's entries, or the lists' starting sizes together. */
    static int initialCodeCapacity(int maxRows, int n, int threads, int candCap) {
        return candCap > 0 ? maxRows * candCap : initialCooCapacity(maxRows, n, threads, candCap) * threads;
    }

    /**
     * Runs the selecting GEMM over x̃ ({@code rows}) with the packed W_enc ({@code enc}) and b_enc; keeps each row's
     * entries in this object's heaps or lists (read by {@link #gather}) and AuxK's candidates in the AuxK tensors.
     */
    void encode(KernelPool pool, RowBuffers rows, PackedEncoder enc) {
        if (groupMax != null) {
            groupMax.reset(rows.rows);
        } else if (candCap > 0) {
            best.reset(rows.rows, candCap);
        } else {
            Arrays.fill(cooLen, 0);
        }
        enc.gemm.multTransB(rows.xin, 0, rows.rows, enc.ws, sae.bEnc(), 0, epilogue, pool);
    }

    /** GEMM epilogue: keep the entries this activation needs from one finished block. */
    private void acceptBlock(int t, int row0, int nRows, int col0, int cols, float[] buf, int off, int ld) {
        int[] c = cand[t];
        for (int r = 0; r < nRows; r++) {
            int row = row0 + r;
            int base = off + r * ld;
            if (aux.on) {
                aux.offer(row, col0, buf, base, cols, c);
            }
            if (groupMax != null) {
                groupMax.offer(row, col0, buf, base, cols);
                continue;
            }
            if (candCap > 0) {
                best.offer(select, row, col0, buf, base, cols, c);
                continue;
            }
            int count = act == Activation.RELU
                    ? select.above(buf, base, cols, 0f, c, 0)
                    : select.aboveEach(buf, base, cols, scales.keepAbove, col0, c, 0);
            for (int q = 0; q < count; q++) {
                append(t, row, col0 + c[q], buf[base + c[q]]);
            }
        }
    }

    private void append(int t, int row, int col, float v) {
        int len = cooLen[t];
        if (len == cooRow[t].length) {
            int cap = Math.max(16, len + (len >> 1));
            cooRow[t] = Arrays.copyOf(cooRow[t], cap);
            cooCol[t] = Arrays.copyOf(cooCol[t], cap);
            cooVal[t] = Arrays.copyOf(cooVal[t], cap);
        }
        cooRow[t][len] = row;
        cooCol[t][len] = col;
        cooVal[t][len] = v;
        cooLen[t] = len + 1;
    }

    /**
     * Lays the kept entries out by row in {@code codes} (sets {@code codes.count}); BatchTopK re-reads x̃ from
     * {@code rowsBuf} on its rare overflow. Returns BatchTopK's smallest kept value (NaN when none was positive, and
     * for the other activations).
     */
    float gather(KernelPool pool, RowBuffers rowsBuf, PackedEncoder enc, Codes codes) {
        int rows = rowsBuf.rows;
        if (act == Activation.BATCHTOPK) {
            return gatherBatchTopK(pool, rowsBuf, enc, codes);
        }
        int[] rowPtr = codes.rowPtr;
        if (act == Activation.TOPK) {
            for (int b = 0; b <= rows; b++) {
                rowPtr[b] = b * k;
            }
            int nnz = rows * k;
            for (int s = 0; s < nnz; s++) {
                codes.idx[s] = best.index(s);
                codes.val[s] = best.value(s);
                codes.row[s] = s / k;
            }
            codes.count = nnz;
            return Float.NaN;
        }
        if (groupMax != null) {
            // Every group keeps its maximum, even a non-positive one (an inactive entry, as TopK's), so each row
            // has exactly k slots, in group (hence latent) order.
            for (int b = 0; b <= rows; b++) {
                rowPtr[b] = b * k;
            }
            int nnz = rows * k;
            for (int s = 0; s < nnz; s++) {
                codes.idx[s] = groupMax.index(s / k, s % k);
                codes.val[s] = groupMax.value(s / k, s % k);
                codes.row[s] = s / k;
            }
            codes.count = nnz;
            return Float.NaN;
        }
        Arrays.fill(rowPtr, 0, rows + 1, 0);
        int nnz = 0;
        for (int t = 0; t < threads; t++) {
            for (int q = 0; q < cooLen[t]; q++) {
                rowPtr[cooRow[t][q] + 1]++;
            }
            nnz += cooLen[t];
        }
        codes.ensureCapacity(nnz);
        for (int b = 0; b < rows; b++) {
            rowPtr[b + 1] += rowPtr[b];
        }
        int[] cur = codes.cursor(rows);
        System.arraycopy(rowPtr, 0, cur, 0, rows);
        // Each row's entries come from one thread in increasing latent order, so rows stay sorted.
        for (int t = 0; t < threads; t++) {
            for (int q = 0; q < cooLen[t]; q++) {
                int s = cur[cooRow[t][q]]++;
                codes.idx[s] = cooCol[t][q];
                codes.val[s] = cooVal[t][q];
                codes.row[s] = cooRow[t][q];
            }
        }
        codes.count = nnz;
        return Float.NaN;
    }

    static long batchKey(float v, int flat) {
        return ((long) (0x7FFFFFFF - Float.floatToIntBits(v)) << 32) | flat;
    }

    static float batchKeyValue(long key) {
        return Float.intBitsToFloat(0x7FFFFFFF - (int) (key >>> 32));
    }

    /**
     * BatchTopK's selection of the {@code B·k} largest positive pre-activations of the batch, from each row's best
     * {@code candCap} candidates. A row whose heap was full and whose worst candidate made the cut may have lost
     * entries that belong in it: then the exact selection is redone over the whole stored product (rare: a row needs
     * more than 4k of the batch's codes). Returns the smallest kept value (NaN when none was positive).
     */
    private float gatherBatchTopK(KernelPool pool, RowBuffers rowsBuf, PackedEncoder enc, Codes codes) {
        int rows = rowsBuf.rows;
        int cap = candCap;
        if (batchKeys.length < rows * cap) {
            batchKeys = new long[rows * cap];
        }
        int count = 0;
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < best.size(b); q++) {
                float v = best.value(b * cap + q);
                if (v > 0) {
                    batchKeys[count++] = batchKey(v, b * n + best.index(b * cap + q));
                }
            }
        }
        Arrays.sort(batchKeys, 0, count);
        int budget = rows * k;
        int kept = Math.min(budget, count);
        boolean overflow = false;
        for (int b = 0; b < rows && cap < n && !overflow; b++) {
            float root = best.value(b * cap); // the row's worst candidate
            if (best.size(b) == cap && root > 0) {
                overflow = count <= budget || batchKey(root, b * n + best.index(b * cap)) <= batchKeys[kept - 1];
            }
        }
        if (overflow) {
            if (fullPre == null) {
                fullPre = new float[rowsBuf.maxRows * n];
            }
            enc.gemm.multTransB(rowsBuf.xin, 0, rows, enc.ws, sae.bEnc(), 0, fullPre, 0, pool);
            count = 0;
            for (int i = 0; i < rows * n; i++) {
                if (fullPre[i] > 0) {
                    if (count == batchKeys.length) {
                        batchKeys = Arrays.copyOf(batchKeys, Math.max(16, count * 2));
                    }
                    batchKeys[count++] = batchKey(fullPre[i], i);
                }
            }
            Arrays.sort(batchKeys, 0, count);
            kept = Math.min(budget, count);
        }
        codes.ensureCapacity(kept);
        int[] rowPtr = codes.rowPtr;
        Arrays.fill(rowPtr, 0, rows + 1, 0);
        for (int q = 0; q < kept; q++) {
            rowPtr[(int) batchKeys[q] / n + 1]++;
        }
        for (int b = 0; b < rows; b++) {
            rowPtr[b + 1] += rowPtr[b];
        }
        int[] cur = codes.cursor(rows);
        System.arraycopy(rowPtr, 0, cur, 0, rows);
        for (int q = 0; q < kept; q++) {
            int flat = (int) batchKeys[q];
            int s = cur[flat / n]++;
            codes.idx[s] = flat % n;
            codes.val[s] = batchKeyValue(batchKeys[q]);
            codes.row[s] = flat / n;
        }
        codes.count = kept;
        return kept > 0 ? batchKeyValue(batchKeys[kept - 1]) : Float.NaN;
    }
}
