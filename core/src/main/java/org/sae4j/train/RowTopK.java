package org.sae4j.train;

import org.sae4j.kernels.ThresholdSelect;

/**
 * Running top-k of each row of a matrix that arrives in column blocks (the GEMM epilogue's order: per row, blocks in
 * increasing column order). One heap per row, worst kept entry at the root (lowest value, then highest index), so a
 * later column equal to the current k-th loses and ties go to the lower index, as {@link org.sae4j.TopK} rules.
 * A SIMD scan ({@link ThresholdSelect}) against the root finds the few columns that can enter.
 */
final class RowTopK {
    private final int cap;
    private int limit;
    final float[] val;
    final int[] idx;
    final int[] size;

    RowTopK(int rows, int cap) {
        this.cap = cap;
        this.limit = cap;
        this.val = new float[rows * cap];
        this.idx = new int[rows * cap];
        this.size = new int[rows];
    }

    int cap() {
        return cap;
    }

    /** Clears the first {@code rows} rows and keeps at most {@code limit ≤ cap} entries per row from now on. */
    void reset(int rows, int limit) {
        if (limit > cap) {
            throw new IllegalArgumentException("limit " + limit + " exceeds capacity " + cap);
        }
        this.limit = limit;
        java.util.Arrays.fill(size, 0, rows, 0);
    }

    /** Offers every column of one block row. {@code cand} needs room for {@code cols} ints. */
    void offer(ThresholdSelect select, int row, int col0, float[] buf, int base, int cols, int[] cand) {
        int h = row * cap;
        float floor = size[row] < limit ? Float.NEGATIVE_INFINITY : val[h];
        int count = select.above(buf, base, cols, floor, cand, 0);
        for (int q = 0; q < count; q++) {
            push(row, buf[base + cand[q]], col0 + cand[q]);
        }
    }

    /**
     * Offers only the columns whose value exceeds {@code colFloor[col]} (e.g. 0 for eligible columns and +∞ for the
     * others), as AuxK's selection among dead latents.
     */
    void offerAbove(ThresholdSelect select, int row, int col0, float[] buf, int base, int cols, float[] colFloor,
                    int[] cand) {
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
            siftDownFromRoot(h, v, col);
        }
    }

    private static boolean worse(float v, int i, float ov, int oi) {
        return v < ov || (v == ov && i > oi);
    }

    private void siftDownFromRoot(int h, float v, int col) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= limit) {
                break;
            }
            int w = l;
            int r = l + 1;
            if (r < limit && worse(val[h + r], idx[h + r], val[h + l], idx[h + l])) {
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
