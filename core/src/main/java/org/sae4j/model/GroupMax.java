package org.sae4j.model;

/**
 * GroupMax selection ({@link Activation#GROUPMAX}): the n latents form {@code groups} contiguous groups of
 * {@code n / groups}, and each row keeps the first latent with its group's largest pre-activation.
 *
 * <p>As sparsify's {@code FusedEncoder.forward} ({@code sparsify/fused_encoder.py} at {@code 9d3b136c}):
 * {@code preacts.unflatten(-1, (k, -1)).max(dim=-1)} plus the offsets {@code arange(0, n, n // k)}; torch's
 * {@code max(dim)} returns the index of the first maximal value, so ties go to the lower index, as here.
 *
 * <p>Two forms: {@link #select} marks the kept latents of a whole row; an instance is the running form for a
 * matrix that arrives in column blocks (a GEMM epilogue), one (value, index) slot per row and group. Rows are
 * independent, so threads that own disjoint rows may offer concurrently (the GEMM epilogue contract).
 */
public final class GroupMax {
    private final int groups;
    private final int size;
    private final float[] val;
    private final int[] idx;

    /** Room for {@code rows} rows of a model with {@code latents} latents in {@code groups} groups. */
    public GroupMax(int rows, int latents, int groups) {
        this.groups = groups;
        this.size = latents / groups;
        this.val = new float[rows * groups];
        this.idx = new int[rows * groups];
    }

    /** Slots per row: one per group. */
    public int groups() {
        return groups;
    }

    /** Forgets the first {@code rows} rows' maxima. */
    public void reset(int rows) {
        java.util.Arrays.fill(idx, 0, rows * groups, -1);
    }

    /** Offers one block row: columns {@code col0 .. col0 + cols} of row {@code row} at {@code buf[base ..]}. */
    public void offer(int row, int col0, float[] buf, int base, int cols) {
        int h = row * groups;
        int c = 0;
        while (c < cols) {
            int j = col0 + c;
            int g = j / size;
            int end = Math.min(cols, (g + 1) * size - col0); // this group's part of the block
            int s = h + g;
            int bi = idx[s];
            float bv = val[s];
            for (; c < end; c++) {
                float v = buf[base + c];
                // Blocks of a row may come in any column order: an equal value wins only from a lower column.
                if (bi < 0 || v > bv || (v == bv && col0 + c < bi)) {
                    bv = v;
                    bi = col0 + c;
                }
            }
            val[s] = bv;
            idx[s] = bi;
        }
    }

    /** Group g's kept pre-activation in row {@code row}. */
    public float value(int row, int g) {
        return val[row * groups + g];
    }

    /** Group g's kept latent in row {@code row}. */
    public int index(int row, int g) {
        return idx[row * groups + g];
    }

    /**
     * Row {@code row}'s non-zero codes (kept pre-activations above 0, as {@code relu}), strongest first (value
     * descending, ties to the lower latent), at most {@code limit}, into {@code idxOut/valOut[off ..]}; returns how
     * many. {@code keys} needs room for {@link #groups()} longs.
     */
    public int drainSorted(int row, int limit, int[] idxOut, float[] valOut, int off, long[] keys) {
        int m = 0;
        for (int g = 0; g < groups; g++) {
            float v = val[row * groups + g];
            if (v > 0) {
                // Positive floats order like their bits: ascending keys = value descending, then index ascending.
                keys[m++] = ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(v)) << 32) | idx[row * groups + g];
            }
        }
        java.util.Arrays.sort(keys, 0, m);
        int kept = Math.min(m, limit);
        for (int q = 0; q < kept; q++) {
            idxOut[off + q] = (int) keys[q];
            valOut[off + q] = Float.intBitsToFloat(Integer.MAX_VALUE - (int) (keys[q] >>> 32));
        }
        return kept;
    }

    /**
     * Marks in {@code selected[0..n)} the first maximal entry of each of the {@code groups} groups of
     * {@code row[off..off+n)}; {@code groups} must divide n.
     */
    public static void select(double[] row, int off, int n, int groups, boolean[] selected) {
        int size = n / groups;
        java.util.Arrays.fill(selected, 0, n, false);
        for (int g = 0; g < groups; g++) {
            int best = g * size;
            for (int j = best + 1; j < (g + 1) * size; j++) {
                if (row[off + j] > row[off + best]) {
                    best = j;
                }
            }
            selected[best] = true;
        }
    }

    /** The largest divisor of {@code n} that is at most {@code k} (at least 1): a valid group count near k. */
    public static int groupsAtMost(int n, int k) {
        for (int g = Math.min(n, Math.max(1, k)); g > 1; g--) {
            if (n % g == 0) {
                return g;
            }
        }
        return 1;
    }
}
