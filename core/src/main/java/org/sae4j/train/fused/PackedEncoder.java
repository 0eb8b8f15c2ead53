package org.sae4j.train.fused;

import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;

/**
 * W_enc packed for the GEMM {@code X̃·W_encᵀ}. The update pass re-packs each group of rows right after writing them,
 * so the next step's GEMM finds a fresh pack; a new step (or one whose model was changed) packs once.
 */
final class PackedEncoder {
    /** W_enc rows re-packed at once: a multiple of the GEMM's panel width. */
    static final int PACK_GROUP = 96;

    final Gemm gemm;
    /** The packed W_enc (n×d); also the workspace of the dense path's {@code ∂Preᵀ·X̃}. */
    final Gemm.Workspace ws;
    private final float[] wEnc;
    private boolean fresh;

    PackedEncoder(Gemm gemm, float[] wEnc, int n, int d) {
        this.gemm = gemm;
        this.wEnc = wEnc;
        this.ws = gemm.newWorkspace(n, d);
    }

    /** Packs W_enc unless the previous step's update pass re-packed every row it wrote. */
    void ensurePacked(KernelPool pool) {
        if (!fresh) {
            gemm.packW(wEnc, 0, ws, pool);
        }
    }

    /** Rows [j0, j1) were just written: re-pack them while they are in cache. */
    void packRows(int j0, int j1) {
        gemm.packRows(wEnc, 0, j0, j1, ws);
    }

    /** After an update pass: every row was re-packed. */
    void markFresh() {
        fresh = true;
    }

    /** W_enc was written outside the update pass: the next step packs it whole. */
    void markStale() {
        fresh = false;
    }
}
