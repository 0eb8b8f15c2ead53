package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;

/**
 * Per-latent gradient results of a step (n entries each unless noted), written by either path's norm pass and read
 * by the sums and the update pass, with the finishing pieces both paths share: the re-animation share of a dead
 * latent (the loss terms' share through Σ_b pre_bj), ∂b_enc and ∂log θ, the unit-norm projection and weighted-L1 share of ∂W_dec, and the pre-encoder bias's
 * share of ∂b_dec (src/docs/design.md §3).
 */
final class LatentGradients {
    /** ∂L/∂b_enc[j]. */
    final float[] gBEnc;
    /** ∂L/∂log θ_j (JumpReLU; 0 otherwise). */
    final float[] gT;
    /** ‖∂L/∂(W_enc[j], b_enc[j], W_dec[j], log θ_j)‖², for the global-norm clip. */
    final double[] norm2;
    /** Active entries of latent j. */
    final int[] active;
    /** The batch's dead mask: latent j fired nowhere in the batch. */
    final boolean[] dead;
    /** Per block of {@link Blocks#LATENTS} latents: −Σ_j ∂b_enc[j]·W_enc[j] (pre-encoder bias only), blocks×d. */
    final double[] blkDecBias;

    private final Sae sae;
    private final LatentScales scales;
    private final RowBuffers rowsBuf;
    private final VectorOps ops;
    /** Output width (W_dec rows); the encoder's rows have {@link #dIn}. */
    private final int d;
    private final int dIn;
    private final boolean jump;
    private final boolean unitNorm;
    private final boolean preEnc;

    LatentGradients(Sae sae, LatentScales scales, RowBuffers rows, VectorOps ops) {
        int n = sae.latents();
        this.sae = sae;
        this.scales = scales;
        this.rowsBuf = rows;
        this.ops = ops;
        this.d = sae.outDim();
        this.dIn = sae.dim();
        this.jump = sae.config().activation() == Activation.JUMPRELU;
        this.unitNorm = sae.config().unitNormDecoder();
        this.preEnc = sae.config().preEncoderBias();
        gBEnc = new float[n];
        gT = new float[n];
        norm2 = new double[n];
        active = new int[n];
        dead = new boolean[n];
        blkDecBias = new double[preEnc ? Blocks.latentBlocks(n) * d : 0]; // pre-encoder bias: d = dIn
    }

    /** Clears the per-latent-block ∂/∂b_dec partials of latents [j0, j1) (block-aligned at j0). */
    void clearDecoderBiasBlocks(int j0, int j1) {
        if (preEnc) {
            Arrays.fill(blkDecBias, j0 / Blocks.LATENTS * dIn, (j1 + Blocks.LATENTS - 1) / Blocks.LATENTS * dIn, 0);
        }
    }

    /** With a pre-encoder bias, x̃ = x − b_dec: latent j's share −(Σ_b ∂pre_bj)·W_enc[j] of ∂/∂b_dec. */
    void addDecoderBiasShare(int j) {
        if (preEnc) {
            float[] wEnc = sae.wEnc();
            int base = j / Blocks.LATENTS * dIn;
            double g = gBEnc[j];
            for (int i = 0; i < dIn; i++) {
                blkDecBias[base + i] -= g * wEnc[j * dIn + i];
            }
        }
    }

    /**
     * The loss terms' share of ∂W_enc[j] through Σ_b pre_bj, columns [c0, c0 + len): every row's ∂pre_bj gets
     * dSumPre[j], so the sum is dSumPre[j]·Σ_b x̃_b, without the B×n matrix.
     */
    void addReanimationRow(int j, float[] gEnc, int encOff, int c0, int len, LatentTerms terms) {
        if (terms.reanimates(j)) {
            ops.axpy((float) terms.dSumPre()[j], rowsBuf.sumX, c0, gEnc, encOff, len);
        }
    }

    /** Sets ∂b_enc[j] (adding the loss terms' share through Σ_b pre_bj, dSumPre[j] per row) and ∂log θ_j. */
    void setScalars(int j, double bEncGrad, double tGrad, LatentTerms terms) {
        if (terms.reanimates(j)) {
            bEncGrad += terms.dSumPre()[j] * terms.rows();
        }
        gBEnc[j] = (float) bEncGrad;
        gT[j] = (float) (tGrad * (jump ? scales.theta[j] : 0f));
    }

    /**
     * ∂W_dec[j] from its raw sum: through D = W/‖W‖ when the dictionary is unit-norm, plus the loss terms' share
     * through ‖W_dec[j]‖ (the weighted L1's): (∂L/∂‖W_dec[j]‖)·W_dec[j]/‖W_dec[j]‖.
     */
    void finishDecoder(int j, float[] gDec, int decOff, LatentTerms terms) {
        float[] wDec = sae.wDec();
        float inv = scales.invNorm[j];
        if (unitNorm) {
            // Through D = W/‖W‖: (g − D (D·g)) / ‖W‖.
            float dg = inv * ops.dot(wDec, j * d, gDec, decOff, d);
            ops.axpy(-dg * inv, wDec, j * d, gDec, decOff, d);
            ops.scale(inv, gDec, decOff, d);
        }
        if (terms.dDecNorm() != null) {
            ops.axpy((float) (terms.dDecNorm()[j] / scales.norm[j]), wDec, j * d, gDec, decOff, d);
        }
    }

    /** Sums over latents, in latent order, after a norm pass. */
    Totals totals() {
        double n2 = 0;
        long act = 0;
        for (int j = 0; j < gBEnc.length; j++) {
            n2 += norm2[j];
            act += active[j];
        }
        return new Totals(n2, act);
    }

    /** Σ_j of the per-latent figures. */
    record Totals(double norm2, long active) {
    }
}
