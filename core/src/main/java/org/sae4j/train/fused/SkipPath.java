package org.sae4j.train.fused;

import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Sae;

/**
 * A skip transcoder's linear path {@code ŷ = … + x·W_skipᵀ} (src/docs/design.md §3.8), as two dense GEMMs around
 * the sparse step: forward (end of phase 1), the target the dictionary must reconstruct becomes {@code y − x·W_skipᵀ}
 * (so every other phase runs unchanged); backward (phase 9), {@code ∂W_skip = eᵀ·X} from the mse's upstream e
 * (AuxK's residual is detached). Then the update applies it like any other tensor.
 */
final class SkipPath {
    private final Sae sae;
    private final Gemm gemm;
    private final VectorOps ops;
    /** W_skip packed for {@code X·W_skipᵀ}: d_out×d_in. */
    private final Gemm.Workspace ws;
    /** {@code X·W_skipᵀ} of the batch: B×d_out (scratch of {@link #forward}). */
    private final float[] out;

    SkipPath(Sae sae, int maxRows, Gemm gemm, VectorOps ops) {
        this.sae = sae;
        this.gemm = gemm;
        this.ops = ops;
        ws = gemm.newWorkspace(sae.outDim(), sae.dim());
        out = new float[maxRows * sae.outDim()];
    }

    /** After {@link Prepare}: reads x̃, writes the bound batch's target {@code y − x·W_skipᵀ} into {@code rows}. */
    void forward(KernelPool pool, RowBuffers rows) {
        gemm.packW(sae.wSkip(), 0, ws, pool);
        gemm.multTransB(rows.xin, 0, rows.rows, ws, null, 0, out, 0, pool);
        ops.axpy(-1f, out, 0, rows.target, 0, rows.rows * rows.d);
    }

    /**
     * After the row pass: reads x̃ and e from {@code rows}, writes {@code grad = ∂W_skip = eᵀ·X}; returns its squared
     * norm (for the global clip).
     */
    double backward(KernelPool pool, RowBuffers rows, float[] grad) {
        gemm.multTransA(rows.e, 0, rows.xin, 0, rows.rows, grad, 0, ws, pool);
        return ops.sumSquares(grad, 0, grad.length);
    }
}
