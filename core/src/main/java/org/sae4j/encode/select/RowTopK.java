package org.sae4j.encode.select;

import org.sae4j.encode.SaeEncoder;
import org.sae4j.kernels.ThresholdSelect;

/**
 * Running top-k of each row of a matrix that arrives in column blocks (the GEMM epilogue's order: per row, blocks in
 * increasing column order). One heap per row, worst kept entry at the root (lowest value, then highest index), so a
 * later column equal to the current k-th loses and ties go to the lower index, as {@link TopK} rules.
 * A SIMD scan ({@link ThresholdSelect}) against the root finds the few columns that can enter.
 *
 * <p>Row {@code b}'s entries sit in slots {@code b·cap() .. b·cap() + size(b) - 1} in heap order (not sorted).
 * Shared by the fused training step and {@link SaeEncoder}. Not thread-safe, but rows are independent: threads that
 * own disjoint rows may offer concurrently (the GEMM epilogue contract).
 */
public final class RowTopK {
    private final int cap;
    private int limit;
    private final float[] val;
    private final int[] idx;
    private final int[] size;

    /** Room for {@code rows} rows of up to {@code cap} entries each. */
    public RowTopK(int rows, int cap) {
        this.cap = cap;
        this.limit = cap;
        this.val = new float[rows * cap];
        this.idx = new int[rows * cap];
        this.size = new int[rows];
    }

    public int cap() {
        return cap;
    }

    /** Entries kept in row {@code row} so far. */
    public int size(int row) {
        return size[row];
    }

    /** Value in slot {@code slot} ({@code row·cap() + q}, {@code q < size(row)}). */
    public float value(int slot) {
        return val[slot];
    }

    /** Column in slot {@code slot}. */
    public int index(int slot) {
        return idx[slot];
    }

    /** Clears the first {@code rows} rows and keeps at most {@code limit ≤ cap} entries per row from now on. */
    public void reset(int rows, int limit) {
        if (limit > cap) {
            throw new IllegalArgumentException("limit " + limit + " exceeds capacity " + cap);
        }
        this.limit = limit;
        java.util.Arrays.fill(size, 0, rows, 0);
    }

    /** Offers every column of one block row. {@code cand} needs room for {@code cols} ints. */
    public void offer(ThresholdSelect select, int row, int col0, float[] buf, int base, int cols, int[] cand) {
        offerAbove(select, row, col0, buf, base, cols, Float.NEGATIVE_INFINITY, cand);
    }

    /**
     * As {@link #offer}, but only columns whose value exceeds {@code min} may enter (e.g. 0 for TopK followed by
     * ReLU, a global threshold for BatchTopK's inference): the scan skips the rest even while the heap is not full.
     */
    public void offerAbove(ThresholdSelect select, int row, int col0, float[] buf, int base, int cols, float min,
                           int[] cand) {
        int h = row * cap;
        float floor = size[row] < limit ? min : Math.max(min, val[h]);
        int count = select.above(buf, base, cols, floor, cand, 0);
        for (int q = 0; q < count; q++) {
            push(row, buf[base + cand[q]], col0 + cand[q]);
        }
    }

    /**
     * Offers only the columns whose value exceeds {@code colFloor[col]} (e.g. 0 for eligible columns and +∞ for the
     * others), as AuxK's selection among dead latents.
     */
    public void offerAbove(ThresholdSelect select, int row, int col0, float[] buf, int base, int cols,
                           float[] colFloor, int[] cand) {
        int count = select.aboveEach(buf, base, cols, colFloor, col0, cand, 0);
        for (int q = 0; q < count; q++) {
            push(row, buf[base + cand[q]], col0 + cand[q]);
        }
    }

    private void push(int row, float v, int col) {
        int h = row * cap;
        int n = size[row];
        if (n < limit) {
            int i = n;
            size[row] = n + 1;
            while (i > 0) {
                int parent = (i - 1) >> 1;
                if (!worse(v, col, val[h + parent], idx[h + parent])) {
                    break;
                }
                val[h + i] = val[h + parent];
                idx[h + i] = idx[h + parent];
                i = parent;
            }
            val[h + i] = v;
            idx[h + i] = col;
        } else if (v > val[h]) {
            siftDown(h, limit, v, col);
        }
    }

    private static boolean worse(float v, int i, float ov, int oi) {
        return v < ov || (v == ov && i > oi);
    }

    /**
     * Empties row {@code row} into {@code idxOut/valOut[off ..]} best first (value descending, ties to the lower
     * column), by popping the worst entry to the back; returns how many. Allocates nothing.
     */
    public int drainSorted(int row, int[] idxOut, float[] valOut, int off) {
        int h = row * cap;
        int m = size[row];
        for (int s = m; s > 0; s--) {
            idxOut[off + s - 1] = idx[h];
            valOut[off + s - 1] = val[h];
            siftDown(h, s - 1, val[h + s - 1], idx[h + s - 1]);
        }
        size[row] = 0;
        return m;
    }

    /** Places (v, col) at the root of the heap of {@code n} entries at {@code h} and restores the heap order. */
    private void siftDown(int h, int n, float v, int col) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int w = l;
            int r = l + 1;
            if (r < n && worse(val[h + r], idx[h + r], val[h + l], idx[h + l])) {
                w = r;
            }
            if (!worse(val[h + w], idx[h + w], v, col)) {
                break;
            }
            val[h + i] = val[h + w];
            idx[h + i] = idx[h + w];
            i = w;
        }
        val[h + i] = v;
        idx[h + i] = col;
    }
}
