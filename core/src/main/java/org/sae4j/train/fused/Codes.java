package org.sae4j.train.fused;

import org.sae4j.kernels.KernelPool;

/**
 * The sparse path's kept entries (nnz of them; TopK keeps B·k, ReLU/JumpReLU the entries above their cut, plus
 * JumpReLU's straight-through band), laid out by row and indexed by latent, like a CSR matrix with a CSC index.
 * The arrays grow (by a quarter) only when a batch keeps more entries than they hold.
 */
public final class Codes {
    /** Row b owns slots [rowPtr[b], rowPtr[b+1]): B+1. */
    final int[] rowPtr;
    /** Latent j owns byLatent[colPtr[j] .. colPtr[j+1]): n+1. */
    final int[] colPtr;
    // Per kept entry ("slot", nnz of them):
    /** Latent index. */
    int[] idx;
    /** Pre-activation. */
    float[] val;
    /** ∂L/∂z. */
    float[] dz;
    /** e_b·D_j: ∂mse/∂z before the L1 term. */
    float[] ed;
    /** ∂L/∂pre, gated (a dead latent's re-animation share is added analytically, per latent). */
    float[] dpre;
    /** Row. */
    int[] row;
    /** Slots in latent order (stable: row order within a latent): nnz. */
    int[] byLatent;
    /** Kept entries this step. */
    int count;
    /** Σ_b z_bj over latent j's active entries, in row order: n (set by {@link #groupByLatent}). */
    final double[] zSum;
    private int[] deadParts = new int[0];
    private int[] cursor = new int[0];
    private final int n;
    private final int maxRows;

    Codes(int maxRows, int n, int initialCapacity) {
        this.n = n;
        this.maxRows = maxRows;
        rowPtr = new int[maxRows + 1];
        colPtr = new int[n + 1];
        zSum = new double[n];
        allocate(initialCapacity);
    }

    private void allocate(int cap) {
        idx = new int[cap];
        val = new float[cap];
        dz = new float[cap];
        ed = new float[cap];
        dpre = new float[cap];
        row = new int[cap];
        byLatent = new int[cap];
    }

    void ensureCapacity(int nnz) {
        if (idx.length < nnz) {
            allocate(nnz + (nnz >> 2));
        }
    }

    /** Counting-sort cursors for at least {@code size} buckets (rows or latents); grows once, then reused. */
    int[] cursor(int size) {
        if (cursor.length < size) {
            cursor = new int[Math.max(size, Math.max(n, maxRows))];
        }
        return cursor;
    }

    /**
     * Phase 5, grouping by latent (sparse path): indexes the {@link #count} entries by latent (a counting sort,
     * stable), then, in one pool job over latent blocks, sums each latent's active entries: {@link #zSum},
     * {@code active} (the count) and {@code dead} (none active). Reads the decode thresholds in {@code scales}.
     * Returns how many latents are dead.
     */
    int groupByLatent(KernelPool pool, LatentScales scales, int[] active, boolean[] dead) {
        int nnz = count;
        java.util.Arrays.fill(colPtr, 0);
        for (int s = 0; s < nnz; s++) {
            colPtr[idx[s] + 1]++;
        }
        for (int j = 0; j < n; j++) {
            colPtr[j + 1] += colPtr[j];
        }
        int[] cur = cursor(n);
        System.arraycopy(colPtr, 0, cur, 0, n);
        for (int s = 0; s < nnz; s++) {
            byLatent[cur[idx[s]]++] = s;
        }
        if (deadParts.length < pool.threads()) {
            deadParts = new int[pool.threads()];
        }
        pool.run((t, parts) -> latentSums(t, parts, scales, active, dead));
        int deadCount = 0;
        for (int t = 0; t < pool.threads(); t++) {
            deadCount += deadParts[t];
        }
        return deadCount;
    }

    /** Latent block t's sums, each over the latent's entries in {@link #byLatent} (row) order. */
    private void latentSums(int t, int parts, LatentScales scales, int[] active, boolean[] dead) {
        int j0 = Blocks.latentLo(n, t, parts);
        int j1 = Blocks.latentLo(n, t + 1, parts);
        int deadHere = 0;
        for (int j = j0; j < j1; j++) {
            double z = 0;
            int c = 0;
            for (int q = colPtr[j]; q < colPtr[j + 1]; q++) {
                int s = byLatent[q];
                if (scales.isActive(val[s], j)) {
                    z += val[s];
                    c++;
                }
            }
            zSum[j] = z;
            active[j] = c;
            dead[j] = c == 0;
            deadHere += c == 0 ? 1 : 0;
        }
        deadParts[t] = deadHere;
    }
}
