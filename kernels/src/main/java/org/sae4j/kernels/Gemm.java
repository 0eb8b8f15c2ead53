package org.sae4j.kernels;

/**
 * Dense single-precision matrix products over row-major {@code float[]} with offsets, in the three shapes a dense
 * autoencoder step needs. With {@code X} B×d, {@code W} n×d (row j = vector j), {@code G} B×n:
 * <ul>
 *   <li>{@link #multTransB} — {@code C(B×n) = X·Wᵀ + bias}: the encoder product, the one that must be fast. W is
 *       first copied into a {@link Workspace} by {@link #packW} (the layout is the implementation's choice);
 *       the output can be stored into C or handed block by block to an {@link Epilogue}.</li>
 *   <li>{@link #multTransA} — {@code C(n×d) = Gᵀ·X}: the weight gradient from a dense ∂pre.</li>
 *   <li>{@link #mult} — {@code C(B×d) = G·W}: dense decode, or ∂X from ∂pre.</li>
 * </ul>
 * All three overwrite C. Sums run in float in an unspecified order (and may use fused multiply-add): results
 * differ from a sequential sum by rounding, so compare with tolerances that grow with the reduction length.
 *
 * <p>Threads: every method takes a {@link KernelPool} ({@code null} = the caller thread only). Output rows are
 * split into contiguous chunks, one per pool thread.
 *
 * <p>Allocation: a {@link Workspace} is created once per shape ({@code n, d}) and reused; after the first call with a
 * given pool size, no method allocates. A workspace is used by one call at a time.
 */
public interface Gemm {

    /**
     * Caller-owned scratch for one shape {@code (n, d)}: the packed copy of W for {@link #multTransB} and the
     * per-thread buffers and reusable task objects of all three products. Belongs to the {@link Gemm} that created
     * it; not thread-safe (one product at a time).
     */
    interface Workspace {
        /** Rows of W (latents), i.e. the columns of {@code X·Wᵀ}. */
        int n();

        /** Columns of W and X (the reduction length of {@code X·Wᵀ}). */
        int d();
    }

    /**
     * Receives finished blocks of {@code X·Wᵀ + bias} in place of storing them into C. This is where a fused step
     * applies activation, TopK selection and fire counts without ever materialising the B×n product.
     *
     * <p>Contract, for one {@link #multTransB} call:
     * <ul>
     *   <li>Each output row belongs to exactly one thread; every call for that row comes from that thread and
     *       carries its index {@code thread} (0 ≤ thread &lt; pool threads), so per-thread state such as fire counts
     *       can be kept in slot {@code thread} without synchronisation. Calls from different threads run
     *       concurrently.</li>
     *   <li>For a given row the blocks arrive in strictly increasing {@code col0} and cover {@code [0, n)} exactly
     *       once, without gaps: a running per-row threshold (TopK) can be carried from one block to the next.
     *       Blocks of different rows of the same thread interleave (all row blocks of one column range, then the
     *       next column range).</li>
     *   <li>Element {@code (row0 + r, col0 + c)} is at {@code buf[off + r·ld + c]} for {@code r < rows},
     *       {@code c < cols}; it already includes the bias when a bias was passed. The buffer is the kernel's
     *       scratch: valid only during the call, and the epilogue may overwrite it.</li>
     *   <li>All calls happen-before {@link #multTransB} returns.</li>
     * </ul>
     */
    @FunctionalInterface
    interface Epilogue {
        void accept(int thread, int row0, int rows, int col0, int cols, float[] buf, int off, int ld);
    }

    /** A workspace for W of shape n×d (n, d ≥ 1). */
    Workspace newWorkspace(int n, int d);

    /**
     * Copies W (n×d row-major at {@code w[wOff..]}, shape from {@code ws}) into the workspace's packed layout for
     * {@link #multTransB}. Call again whenever W changes (every training step); packing is split over the pool.
     */
    void packW(float[] w, int wOff, Workspace ws, KernelPool pool);

    /**
     * Re-packs rows {@code [j0, j1)} of W (n×d row-major at {@code w[wOff..]}) into the workspace, on the calling
     * thread. Calls for disjoint row ranges may run concurrently (they write disjoint elements): a training step that
     * updates W row by row on several threads re-packs each thread's rows while they are hot in cache, instead of a
     * separate {@link #packW} pass over all of W.
     */
    void packRows(float[] w, int wOff, int j0, int j1, Workspace ws);

    /**
     * {@code C = X·Wᵀ + bias}: {@code C[b·n + j] = Σ_k X[b·d + k]·W[j·d + k] + bias[j]} for {@code b < batch},
     * {@code j < n}, with W as last packed into {@code ws}. X is batch×d at {@code x[xOff..]}, C is batch×n at
     * {@code c[cOff..]}; {@code bias} (length ≥ {@code biasOff + n}) may be null.
     */
    void multTransB(float[] x, int xOff, int batch, Workspace ws, float[] bias, int biasOff,
                    float[] c, int cOff, KernelPool pool);

    /**
     * Same product as the storing {@link #multTransB}, but each finished block of {@code X·Wᵀ + bias} goes to
     * {@code epilogue} (see {@link Epilogue} for the order guarantees) and nothing is stored.
     */
    void multTransB(float[] x, int xOff, int batch, Workspace ws, float[] bias, int biasOff,
                    Epilogue epilogue, KernelPool pool);

    /**
     * {@code C = Gᵀ·X}: {@code C[j·d + k] = Σ_b G[b·n + j]·X[b·d + k]} — the n×d weight gradient. G is batch×n at
     * {@code g[gOff..]}, X is batch×d at {@code x[xOff..]}, C is n×d at {@code c[cOff..]}; n and d from {@code ws}.
     */
    void multTransA(float[] g, int gOff, float[] x, int xOff, int batch, float[] c, int cOff,
                    Workspace ws, KernelPool pool);

    /**
     * {@code C = G·W}: {@code C[b·d + k] = Σ_j G[b·n + j]·W[j·d + k]} — dense decode, or ∂X from ∂pre. G is batch×n
     * at {@code g[gOff..]}, W is n×d row-major at {@code w[wOff..]} (unpacked), C is batch×d at {@code c[cOff..]};
     * n and d from {@code ws}.
     */
    void mult(float[] g, int gOff, float[] w, int wOff, int batch, float[] c, int cOff,
              Workspace ws, KernelPool pool);
}
