package org.sae4j.train.fused;

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
    private int[] cursor = new int[0];
    private final int n;
    private final int maxRows;

    Codes(int maxRows, int n, int initialCapacity) {
        this.n = n;
        this.maxRows = maxRows;
        rowPtr = new int[maxRows + 1];
        colPtr = new int[n + 1];
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
     * Indexes the {@link #count} entries by latent (a counting sort, stable) and marks the latents none of whose
     * entries is active; returns how many are dead.
     */
    int groupByLatent(LatentScales scales, boolean[] dead) {
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
        int deadCount = 0;
        for (int j = 0; j < n; j++) {
            boolean fired = false;
            for (int q = colPtr[j]; q < colPtr[j + 1] && !fired; q++) {
                fired = scales.isActive(val[byLatent[q]], idx[byLatent[q]]);
            }
            dead[j] = !fired;
            if (!fired) {
                deadCount++;
            }
        }
        return deadCount;
    }
}
