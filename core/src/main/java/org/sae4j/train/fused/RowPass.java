package org.sae4j.train.fused;

import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Sae;

/**
 * Phase 4, the row pass (sparse path): per row, decode from the kept entries, residual, mse, {@code e_b}, and at
 * each kept entry {@code ∂L/∂z} and {@code ∂L/∂pre} (src/docs/design.md §3.1, §3.3).
 */
final class RowPass {
    private final Sae sae;
    private final VectorOps ops;
    private final int d;
    /** Per thread: the current row's active entries as decode weights and W_dec offsets (grown on demand). */
    private final float[][] rowAlpha;
    private final int[][] rowOff;

    RowPass(Sae sae, VectorOps ops, int threads) {
        this.sae = sae;
        this.ops = ops;
        this.d = sae.outDim();
        rowAlpha = new float[threads][64];
        rowOff = new int[threads][64];
    }

    /**
     * Reads the bound batch's x̃ and target ({@code rows}), the kept entries' latents and pre-activations
     * ({@code codes}), the decode scales and {@code dSumZ}; writes x̂, e (and each Matryoshka group's upstream), the
     * per-row sums and the Σ e block partials into {@code rows}, and ∂/∂z, e·D and ∂/∂pre per entry into
     * {@code codes}.
     *
     * @param dSumZ the loss terms' ∂L/∂(Σ_b z_bj) per latent, added to ∂/∂z at every kept entry (null: none)
     */
    void run(KernelPool pool, RowBuffers rows, LatentScales scales, Codes codes, float[] dSumZ) {
        pool.run((t, parts) -> rowBlock(t, parts, rows, scales, codes, dSumZ));
    }

    private void rowBlock(int t, int parts, RowBuffers r, LatentScales scales, Codes cs, float[] add) {
        float[] wDec = sae.wDec();
        float[] bDec = sae.bDec();
        float[] invNorm = scales.invNorm;
        float c = r.residualScale();
        int b1 = Blocks.rowLo(r.rows, t + 1, parts);
        if (r.groupOf != null) {
            for (int b = Blocks.rowLo(r.rows, t, parts); b < b1; b++) {
                prefixRow(b, c, add, r, scales, cs);
            }
            return;
        }
        for (int b = Blocks.rowLo(r.rows, t, parts); b < b1; b++) {
            int xb = b * d;
            System.arraycopy(bDec, 0, r.xhat, xb, d);
            int lo = cs.rowPtr[b];
            int hi = cs.rowPtr[b + 1];
            if (rowAlpha[t].length < hi - lo) {
                rowAlpha[t] = new float[hi - lo];
                rowOff[t] = new int[hi - lo];
            }
            float[] alpha = rowAlpha[t];
            int[] off = rowOff[t];
            int m = 0;
            for (int s = lo; s < hi; s++) {
                int j = cs.idx[s];
                if (scales.isActive(cs.val[s], j)) {
                    alpha[m] = cs.val[s] * invNorm[j];
                    off[m++] = j * d;
                }
            }
            ops.addScaledRows(alpha, off, 0, m, wDec, r.xhat, xb, d);
            r.residualRow(b, c);
            r.rowE2[b] = ops.sumSquares(r.e, xb, d);   // for the norm pass's latents with ≤ 2 entries
            r.rowX2[b] = ops.sumSquares(r.xin, b * r.dIn, r.dIn);
            for (int s = cs.rowPtr[b]; s < cs.rowPtr[b + 1]; s++) {
                int j = cs.idx[s];
                float dz = invNorm[j] * ops.dot(r.e, xb, wDec, j * d, d);
                cs.ed[s] = dz;
                if (add != null) {
                    dz += add[j];
                }
                cs.dz[s] = dz;
                cs.dpre[s] = scales.isActive(cs.val[s], j) ? dz : 0f;
            }
        }
    }

    /**
     * Row b of a Matryoshka dictionary: the reconstruction grows prefix by prefix (each group's kept entries added
     * once, so the decode costs what the plain one does), each prefix's residual is taken on the way, and each
     * kept entry's ∂L/∂z reads its group's upstream (design.md §3.6).
     */
    private void prefixRow(int b, float c, float[] add, RowBuffers r, LatentScales scales, Codes cs) {
        float[] wDec = sae.wDec();
        float[] invNorm = scales.invNorm;
        int[] group = r.groupOf;
        int xb = b * d;
        System.arraycopy(sae.bDec(), 0, r.xhat, xb, d);
        for (int g = 0; g < r.eByGroup.length; g++) {
            for (int s = cs.rowPtr[b]; s < cs.rowPtr[b + 1]; s++) {
                int j = cs.idx[s];
                if (group[j] == g && scales.isActive(cs.val[s], j)) {
                    ops.axpy(cs.val[s] * invNorm[j], wDec, j * d, r.xhat, xb, d);
                }
            }
            r.prefixResidualRow(b, g, c);
        }
        r.suffixSumsRow(b, ops);
        r.rowX2[b] = ops.sumSquares(r.xin, b * r.dIn, r.dIn);
        for (int s = cs.rowPtr[b]; s < cs.rowPtr[b + 1]; s++) {
            int j = cs.idx[s];
            float dz = invNorm[j] * ops.dot(r.eByGroup[group[j]], xb, wDec, j * d, d);
            cs.ed[s] = dz;
            if (add != null) {
                dz += add[j];
            }
            cs.dz[s] = dz;
            cs.dpre[s] = scales.isActive(cs.val[s], j) ? dz : 0f;
        }
    }
}
