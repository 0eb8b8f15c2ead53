package org.sae4j.train.fused;

import org.sae4j.Sae;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;

/**
 * A skip transcoder's linear path {@code ŷ = … + x·W_skipᵀ} (src/docs/design.md §3.8), as two dense GEMMs around
 * the sparse step: forward, the target the dictionary must reconstruct becomes {@code y − x·W_skipᵀ} (so every other
 * phase runs unchanged); backward, {@code ∂W_skip = eᵀ·X} from the mse's upstream e (AuxK's residual is
 * detached). Then the update applies it like any other tensor.
 */
final class SkipPath {
    private final Sae sae;
    private final RowBuffers rowsBuf;
    private final Gemm gemm;
    private final VectorOps ops;
    /** W_skip packed for {@code X·W_skipᵀ}: d_out×d_in. */
    private final Gemm.Workspace ws;
    /** {@code X·W_skipᵀ} of the batch: B×d_out. */
    private final float[] out;
    /** ∂L/∂W_skip: d_out×d_in. */
    final float[] grad;

    SkipPath(Sae sae, RowBuffers rows, Gemm gemm, VectorOps ops) {
        this.sae = sae;
        this.rowsBuf = rows;
        this.gemm = gemm;
        this.ops = ops;
        ws = gemm.newWorkspace(rows.d, rows.dIn);
        out = new float[rows.maxRows * rows.d];
        grad = new float[rows.d * rows.dIn];
    }

    /** After {@link Prepare}: the bound batch's target becomes {@code y − x·W_skipᵀ}. */
    void forward(KernelPool pool) {
        RowBuffers r = rowsBuf;
        gemm.packW(sae.wSkip(), 0, ws, pool);
        gemm.multTransB(r.xin, 0, r.rows, ws, null, 0, out, 0, pool);
        ops.axpy(-1f, out, 0, r.target, 0, r.rows * r.d);
    }

    /** After the row pass: {@code ∂W_skip = eᵀ·X}; returns its squared norm (for the global clip). */
    double backward(KernelPool pool) {
        RowBuffers r = rowsBuf;
        gemm.multTransA(r.e, 0, r.xin, 0, r.rows, grad, 0, ws, pool);
        return ops.sumSquares(grad, 0, grad.length);
    }
}
