package org.sae4j.train.fused;

import org.sae4j.kernels.DenseCodes;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;

/**
 * The dense path, for ReLU/JumpReLU while most codes are active (early training): the B×n matrices are stored and
 * every product is a GEMM, as a dense framework does (fused-step.md). It replaces the sparse path's phases 3–5
 * (selection, row pass, grouping by latent) and 8 (norm pass); per latent, sums run in row order. Its B×n and n×d
 * matrices are its own, allocated on first use.
 */
final class DensePath implements GradientRows {
    /**
     * Latents per block of {@link #columns}: all rows of one block before the next, so the block's sums (5 arrays)
     * and per-latent inputs stay in L1/L2 instead of streaming n of them through the cache per row.
     */
    private static final int COLUMN_BLOCK = 512;

    private final Sae sae;
    private final Gemm gemm;
    private final VectorOps ops;
    private final DenseCodes denseOps;
    private final int n;
    /** Output width (W_dec rows); encoder rows have {@link #dIn}. */
    private final int d;
    private final int dIn;
    private final int maxRows;
    private final boolean jump;

    // The path's own tensors, allocated on first use and read by no other phase (except through sums() and the
    // GradientRows view).
    /** B×n: pre-activations; codes times decode scale (Zs); e·W_decᵀ, then ∂L/∂pre. */
    private float[] pre;
    private float[] zs;
    private float[] dz;
    /** n×dIn and n×d: ∂W_enc and ∂W_dec, all rows. */
    private float[] gEnc;
    private float[] gDec;
    /** W_dec packed for the two decoder products. */
    private Gemm.Workspace wsDec;
    /** Per-latent sums over rows, in row order. */
    private DenseCodes.Sums colSums;

    DensePath(Sae sae, int maxRows, Gemm gemm, VectorOps ops, DenseCodes denseOps) {
        this.sae = sae;
        this.gemm = gemm;
        this.ops = ops;
        this.denseOps = denseOps;
        this.n = sae.latents();
        this.d = sae.outDim();
        this.dIn = sae.dim();
        this.maxRows = maxRows;
        this.jump = sae.config().activation() == Activation.JUMPRELU;
    }

    private void ensureBuffers() {
        if (pre == null) {
            pre = new float[maxRows * n];
            zs = new float[maxRows * n];
            dz = new float[maxRows * n];
            gEnc = new float[n * dIn];
            gDec = new float[n * d];
            wsDec = gemm.newWorkspace(n, d);
            colSums = new DenseCodes.Sums(n);
        }
    }

    /**
     * Phases 3–5 in dense form, with the raw gradient rows: {@code Pre = X̃·W_encᵀ + b}, codes,
     * {@code X̂ = Zs·W_dec + b_dec}, e, {@code E·W_decᵀ}, ∂/∂pre with the per-latent sums, {@code ∂Preᵀ·X̃} and
     * {@code Zsᵀ·E}. Reads x̃ and the target from {@code t.rows}, {@code t.scales}, {@code t.encoder}; writes x̂, e
     * and the per-row sums into {@code t.rows}, AuxK's candidates into {@code t.aux}, the batch's dead latents into
     * {@code dead}; returns how many.
     *
     * @param dSumZ  the loss terms' ∂L/∂(Σ_b z_bj) per latent, added to ∂/∂z at every active entry (null: none)
     * @param dCount the loss terms' ∂L/∂count_j per latent (JumpReLU's L0: λ₀/B; null: none)
     */
    int forward(KernelPool pool, StepTensors t, float[] dSumZ, double[] dCount, boolean[] dead, Lap lap) {
        RowBuffers r = t.rows;
        LatentScales scales = t.scales;
        PackedEncoder enc = t.encoder;
        int rows = r.rows;
        ensureBuffers();
        enc.ensurePacked(pool);
        lap.lap("prepare");
        gemm.multTransB(r.xin, 0, rows, enc.ws, sae.bEnc(), 0, pre, 0, pool);
        lap.lap("dense: X·W_encᵀ");
        if (t.aux.on) {
            t.aux.selectDense(pool, pre);
        }
        pool.run((th, parts) -> codes(th, parts, rows, scales));       // Zs = z · decode scale
        lap.lap("dense: codes");
        gemm.mult(zs, 0, sae.wDec(), 0, rows, r.xhat, 0, wsDec, pool); // x̂ − b_dec
        lap.lap("dense: Zs·W_dec");
        pool.run((th, parts) -> residual(th, parts, r));              // x̂ += b_dec, e, sse
        gemm.packW(sae.wDec(), 0, wsDec, pool);
        lap.lap("dense: residual, pack W_dec");
        gemm.multTransB(r.e, 0, rows, wsDec, null, 0, dz, 0, pool);   // e_b · W_dec[j]
        lap.lap("dense: e·W_decᵀ");
        pool.run((th, parts) -> columns(th, parts, rows, scales, dSumZ, dCount)); // ∂/∂z, ∂/∂pre, per-latent sums
        lap.lap("dense: columns");
        gemm.multTransA(dz, 0, r.xin, 0, rows, gEnc, 0, enc.ws, pool);  // Σ_b ∂pre_bj x̃_b
        lap.lap("dense: ∂preᵀ·X̃");
        gemm.multTransA(zs, 0, r.e, 0, rows, gDec, 0, wsDec, pool);     // Σ_b (z_bj·scale_j) e_b
        lap.lap("dense: Zsᵀ·e");
        int deadCount = 0;
        for (int j = 0; j < n; j++) {
            dead[j] = colSums.active[j] == 0;
            if (dead[j]) {
                deadCount++;
            }
        }
        return deadCount;
    }

    private void codes(int t, int parts, int rows, LatentScales scales) {
        for (int b = Blocks.lo(rows, t, parts); b < Blocks.lo(rows, t + 1, parts); b++) {
            denseOps.codes(pre, zs, b * n, n, scales.theta, scales.invNorm, 0);
        }
    }

    private void residual(int t, int parts, RowBuffers r) {
        float c = r.residualScale();
        float[] bDec = sae.bDec();
        int b1 = Blocks.rowLo(r.rows, t + 1, parts);
        for (int b = Blocks.rowLo(r.rows, t, parts); b < b1; b++) {
            for (int i = 0; i < d; i++) {
                r.xhat[b * d + i] += bDec[i];
            }
            r.residualRow(b, c);
        }
    }

    /**
     * Turns e·W_dec into ∂/∂pre in place and sums the per-latent figures. Each thread owns a latent range; within
     * it, rows run in order for each block of latents, so every latent's sums are in row order.
     */
    private void columns(int t, int parts, int rows, LatentScales scales, float[] add, double[] dCount) {
        int j0 = Blocks.lo(n, t, parts);
        int j1 = Blocks.lo(n, t + 1, parts);
        colSums.clear(j0, j1);
        double eps = sae.config().jumpReluBandwidth();
        for (int c0 = j0; c0 < j1; c0 += COLUMN_BLOCK) {
            int len = Math.min(COLUMN_BLOCK, j1 - c0);
            if (jump) {
                denseOps.jumpGradient(pre, dz, c0, n, rows, len, scales.theta, scales.invNorm, add, c0, eps, dCount,
                        colSums);
            } else {
                denseOps.gradient(pre, dz, c0, n, rows, len, scales.theta, scales.invNorm, add, c0, colSums);
            }
        }
    }

    /**
     * Phase 8 on the dense path: finishes the stored gradient rows in place and measures them. Reads
     * {@code t.scales} and {@code t.aux}, writes {@code grads}; returns where the update pass finds the rows.
     */
    GradientRows normPass(KernelPool pool, StepTensors t, LatentGradients grads, LatentTerms terms) {
        pool.run((th, parts) -> norms(th, parts, t.scales, t.aux, grads, terms));
        return this;
    }

    private void norms(int t, int parts, LatentScales scales, AuxK aux, LatentGradients grads, LatentTerms tm) {
        int j0 = Blocks.latentLo(n, t, parts);
        int j1 = Blocks.latentLo(n, t + 1, parts);
        grads.clearDecoderBiasBlocks(j0, j1);
        for (int j = j0; j < j1; j++) {
            // gDec holds Σ_b z_bj·scale_j·e_b: undo the decode scale to get ∂/∂D_j.
            if (scales.invNorm[j] != 1f) {
                ops.scale(1f / scales.invNorm[j], gDec, j * d, d);
            }
            double bEncGrad = colSums.grad[j]
                    + (aux.on ? aux.addRows(j, gEnc, j * dIn, gDec, j * d, 0, dIn, d) : 0);
            grads.addReanimationRow(j, gEnc, j * dIn, 0, dIn, tm);
            grads.setScalars(j, bEncGrad, colSums.theta[j], tm);
            grads.finishDecoder(j, gDec, j * d, tm);
            grads.addDecoderBiasShare(j);
            grads.norm2[j] = ops.sumSquares(gEnc, j * dIn, dIn) + ops.sumSquares(gDec, j * d, d)
                    + (double) grads.gBEnc[j] * grads.gBEnc[j] + (double) grads.gT[j] * grads.gT[j];
            grads.active[j] = colSums.active[j];
        }
    }

    /** The per-latent sums of the last forward pass (active count, Σ pre, Σ z, …). */
    DenseCodes.Sums sums() {
        return colSums;
    }

    @Override
    public int rowsFor(int t, int j) {
        return j;
    }

    @Override
    public float[] encoderRows(int t) {
        return gEnc;
    }

    @Override
    public float[] decoderRows(int t) {
        return gDec;
    }
}
