package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;

/**
 * Phase 8, the norm pass (sparse path): per latent, its scalars from its codes and the squared norm of its gradient for
 * clipping. Gradient rows are cheap to rebuild from the codes, so none is
 * stored: this pass rebuilds them to measure them, and the update pass rebuilds them again ({@link #rowsFor}).
 */
final class SparseNormPass {
    private final Sae sae;
    private final VectorOps ops;
    private final int n;
    /** Output width (decoder rows); encoder rows have {@link #dIn}. */
    private final int d;
    private final int dIn;
    private final boolean jump;
    private final boolean unitNorm;
    private final double eps;

    // The pass's own scratch, per latent or per thread; the step's tensors come in as parameters.
    /** D_j·(raw ∂/∂D_j): the unit-norm projection's part, from the row pass's dots: n. */
    private final double[] latDg;
    /** ‖∂W_enc[j]‖² and ‖raw ∂W_dec[j]‖², summed over column chunks: n each. */
    private final double[] latEnc2;
    private final double[] latDec2;
    /** Norms taken without rows (≤ 2 entries): n. */
    private final boolean[] latSmall;
    /** Per-thread gradient rows: threads×(PACK_GROUP·d) each. */
    private final float[][] rowA;
    private final float[][] rowB;
    /** Per thread: one latent's entries as weights and row offsets into x̃ and e (grown on demand). */
    private final float[][] encAlpha;
    private final int[][] encOff;
    private final float[][] decAlpha;
    private final int[][] decOff;
    private int normChunkBytes = 1 << 20;

    SparseNormPass(Sae sae, VectorOps ops, int threads) {
        this.sae = sae;
        this.ops = ops;
        this.n = sae.latents();
        this.d = sae.outDim();
        this.dIn = sae.dim();
        this.jump = sae.config().activation() == Activation.JUMPRELU;
        this.unitNorm = sae.config().unitNormDecoder();
        this.eps = sae.config().jumpReluBandwidth();
        latDg = new double[n];
        latEnc2 = new double[n];
        latDec2 = new double[n];
        latSmall = new boolean[n];
        // The update pass takes a group of latents' rows at once (GradientRows#rowsFor(t, j0, j1)).
        rowA = new float[threads][PackedEncoder.PACK_GROUP * dIn];
        rowB = new float[threads][PackedEncoder.PACK_GROUP * d];
        encAlpha = new float[threads][16];
        encOff = new int[threads][16];
        decAlpha = new float[threads][16];
        decOff = new int[threads][16];
    }

    /**
     * Phase 8 on the sparse path. Reads x̃, e and the per-row norms ({@code t.rows}), the kept entries by latent
     * ({@code t.codes}), {@code t.scales}, AuxK's entries ({@code t.aux}) and {@code terms}; writes each latent's
     * scalars, squared norm and ∂b_dec share into {@code grads}. Returns where the update pass finds the rows: rebuilt
     * per latent from the same inputs.
     */
    GradientRows run(KernelPool pool, StepTensors t, LatentGradients grads, LatentTerms terms) {
        Latents pass = new Latents(t.rows, t.scales, t.codes, t.aux, grads, terms);
        pool.run(pass);
        return pass;
    }

    /** For tests: a smaller norm-pass chunk budget crosses chunk boundaries at small sizes. */
    void normChunkBytes(int bytes) {
        normChunkBytes = bytes;
    }

    /** One step's pass: the tensors it reads and the gradients it writes, fixed for the step. */
    private final class Latents implements KernelPool.Task, GradientRows {
        private final RowBuffers rowsBuf;
        private final LatentScales scales;
        private final Codes codes;
        private final AuxK aux;
        private final LatentGradients grads;
        private final LatentTerms terms;

        Latents(RowBuffers rows, LatentScales scales, Codes codes, AuxK aux, LatentGradients grads,
                LatentTerms terms) {
            this.rowsBuf = rows;
            this.scales = scales;
            this.codes = codes;
            this.aux = aux;
            this.grads = grads;
            this.terms = terms;
        }

        /**
         * The squared gradient norm per latent. Norms add over columns, so the rows are rebuilt one column chunk at a
         * time over all of the thread's latents: the chunk of x̃ and e they gather from stays in L2 (whole rows of both
         * do not). The decoder row's projection and L1 share are applied analytically, so W_dec is not read.
         */
        @Override
        public void run(int t, int parts) {
            float[] gEnc = rowA[t];
            float[] gDec = rowB[t];
            LatentTerms tm = terms;
            int j0 = Blocks.latentLo(n, t, parts);
            int j1 = Blocks.latentLo(n, t + 1, parts);
            grads.clearDecoderBiasBlocks(j0, j1);
            for (int j = j0; j < j1; j++) {
                latentScalars(j, tm);
                latSmall[j] = smallLatentNorms(j, tm);
            }
            int chunk = normChunk();
            int width = Math.max(dIn, d);
            for (int c0 = 0; c0 < width; c0 += chunk) {
                // A transcoder's encoder and decoder rows differ in width: a chunk past one's end covers only the
                // other.
                int lenEnc = Math.max(0, Math.min(chunk, dIn - c0));
                int lenDec = Math.max(0, Math.min(chunk, d - c0));
                for (int j = j0; j < j1; j++) {
                    if (latSmall[j]) {
                        continue;
                    }
                    if (c0 == 0) {
                        latEnc2[j] = 0;
                        latDec2[j] = 0;
                    }
                    latentRows(t, j, gEnc, 0, gDec, 0, c0, lenEnc, lenDec, tm);
                    latEnc2[j] += ops.sumSquares(gEnc, 0, lenEnc);
                    latDec2[j] += ops.sumSquares(gDec, 0, lenDec);
                }
            }
            double[] decNorm = tm.dDecNorm();
            float[] norm = scales.norm;
            for (int j = j0; j < j1; j++) {
                double dg = latDg[j];
                double dec2 = latDec2[j];
                if (unitNorm) {
                    // ‖(g − D(D·g))/‖W‖‖² = (‖g‖² − (D·g)²)/‖W‖² for unit D; the weighted-L1 share (l1·Σz/‖W‖)·W is
                    // orthogonal to it, with norm l1·Σz.
                    double inv = scales.invNorm[j];
                    dec2 = Math.max(0, dec2 - dg * dg) * inv * inv;
                    if (decNorm != null) {
                        dec2 += decNorm[j] * decNorm[j];
                    }
                } else if (decNorm != null) {
                    // ‖g + αW‖² with α = l1·Σz/‖W‖ and W·g = dg (the row phase's dots are unscaled here).
                    double alpha = (float) (decNorm[j] / norm[j]);
                    dec2 += 2 * alpha * dg + alpha * alpha * norm[j] * norm[j];
                }
                grads.addDecoderBiasShare(j);
                grads.norm2[j] = latEnc2[j] + dec2 + (double) grads.gBEnc[j] * grads.gBEnc[j]
                        + (double) grads.gT[j] * grads.gT[j];
            }
        }

        /**
         * Latent j's scalars from its codes, without touching a row: ∂b_enc[j] (with the re-animation share),
         * ∂log θ_j and D_j·(raw ∂/∂D_j) from the dots the row pass took (Σ_b z_bj and the active count are
         * {@link Codes#groupByLatent}'s).
         */
        private void latentScalars(int j, LatentTerms tm) {
            Codes cs = codes;
            double bEncGrad = 0;
            double tGrad = 0;
            double dg = 0;
            float th = jump ? scales.theta[j] : 0f;
            for (int q = cs.colPtr[j]; q < cs.colPtr[j + 1]; q++) {
                int s = cs.byLatent[q];
                bEncGrad += cs.dpre[s];
                if (scales.isActive(cs.val[s], j)) {
                    dg += (double) cs.val[s] * cs.ed[s];
                }
                if (jump && Math.abs((cs.val[s] - (double) th) / eps) < 0.5) {
                    tGrad += cs.dz[s] * (-th / eps) - (tm.dCount() != null ? tm.dCount()[j] : 0) / eps;
                }
            }
            if (aux.on) {
                for (int q = aux.colPtr[j]; q < aux.colPtr[j + 1]; q++) {
                    int slot = aux.byLatent[q];
                    bEncGrad += aux.dpre[slot];
                    dg += (double) aux.best.value(slot) * aux.dpre[slot]; // dpre = D_j·f_b
                }
            }
            grads.setScalars(j, bEncGrad, tGrad, tm);
            latDg[j] = dg;
        }

        /**
         * Columns [c0, c0 + lenEnc) of latent j's encoder gradient row into {@code gEnc[0..lenEnc)} (∂W_enc[j],
         * complete) and [c0, c0 + lenDec) of its decoder row into {@code gDec[0..lenDec)} (∂W_dec[j] before
         * {@link LatentGradients#finishDecoder}), rebuilt from the codes.
         */
        private void latentRows(int t, int j, float[] gEnc, int encOff0, float[] gDec, int decOff0, int c0,
                                int lenEnc, int lenDec, LatentTerms tm) {
            Codes cs = codes;
            int lo = cs.colPtr[j];
            int hi = cs.colPtr[j + 1];
            if (encAlpha[t].length < hi - lo) {
                encAlpha[t] = new float[hi - lo];
                encOff[t] = new int[hi - lo];
                decAlpha[t] = new float[hi - lo];
                decOff[t] = new int[hi - lo];
            }
            float[] ea = encAlpha[t];
            int[] eo = encOff[t];
            float[] da = decAlpha[t];
            int[] dOff = decOff[t];
            int me = 0;
            int md = 0;
            for (int q = lo; q < hi; q++) {
                int s = cs.byLatent[q];
                int b = cs.row[s];
                float dp = cs.dpre[s];
                if (dp != 0f) {
                    ea[me] = dp;
                    eo[me++] = b * dIn + c0;
                }
                if (scales.isActive(cs.val[s], j) && cs.val[s] != 0f) {
                    da[md] = cs.val[s];
                    dOff[md++] = b * d + c0;
                }
            }
            // Each row gathers its sources a few at a time (addScaledRows), in entry order as one axpy each would.
            Arrays.fill(gEnc, encOff0, encOff0 + lenEnc, 0f);
            Arrays.fill(gDec, decOff0, decOff0 + lenDec, 0f);
            if (lenEnc > 0) {
                ops.addScaledRows(ea, eo, 0, me, rowsBuf.xin, gEnc, encOff0, lenEnc);
            }
            if (lenDec > 0) {
                ops.addScaledRows(da, dOff, 0, md, rowsBuf.eFor(j), gDec, decOff0, lenDec);
            }
            if (aux.on) {
                aux.addRows(j, gEnc, encOff0, gDec, decOff0, c0, lenEnc, lenDec);
            }
            if (lenEnc > 0) {
                grads.addReanimationRow(j, gEnc, encOff0, c0, lenEnc, tm);
            }
        }

        /**
         * Norms of a latent with at most two entries (TopK: most latents) without building its rows, from the rows'
         * squared norms and one dot: ‖a·u + b·w‖² = a²‖u‖² + b²‖w‖² + 2ab·u·w. Returns false (rows must be built) with
         * AuxK, or when the re-animation row Σ_b x̃_b would mix with entries.
         */
        private boolean smallLatentNorms(int j, LatentTerms tm) {
            Codes cs = codes;
            RowBuffers r = rowsBuf;
            int c = cs.colPtr[j + 1] - cs.colPtr[j];
            boolean reanim = tm.reanimates(j);
            if (c > 2 || aux.on || (reanim && c > 0)) {
                return false;
            }
            double enc2 = 0;
            double dec2 = 0;
            if (c == 0) {
                double g = reanim ? (float) tm.dSumPre()[j] : 0;
                enc2 = reanim ? g * g * r.sumXNorm2 : 0;
            } else {
                int s1 = cs.byLatent[cs.colPtr[j]];
                int b1 = cs.row[s1];
                double a1 = cs.dpre[s1];
                double z1 = scales.isActive(cs.val[s1], j) ? cs.val[s1] : 0;
                enc2 = a1 * a1 * r.rowX2[b1];
                double[] rowE2 = r.rowE2For(j);
                float[] e = r.eFor(j);
                dec2 = z1 * z1 * rowE2[b1];
                if (c == 2) {
                    int s2 = cs.byLatent[cs.colPtr[j] + 1];
                    int b2 = cs.row[s2];
                    double a2 = cs.dpre[s2];
                    double z2 = scales.isActive(cs.val[s2], j) ? cs.val[s2] : 0;
                    enc2 += a2 * a2 * r.rowX2[b2];
                    dec2 += z2 * z2 * rowE2[b2];
                    if (a1 * a2 != 0) {
                        enc2 += 2 * a1 * a2 * ops.dot(r.xin, b1 * dIn, r.xin, b2 * dIn, dIn);
                    }
                    if (z1 * z2 != 0) {
                        dec2 += 2 * z1 * z2 * ops.dot(e, b1 * d, e, b2 * d, d);
                    }
                }
            }
            latEnc2[j] = enc2;
            latDec2[j] = dec2;
            return true;
        }

        /**
         * Columns per norm-pass chunk: x̃ and e (and AuxK's ê) restricted to a chunk take ≈ 1 MiB. Chunking pays only
         * when latents gather several rows each (measured: ReLU at L0 = 64, 4 per latent, 14-17 ms against 19-21 ms;
         * TopK k=32, 2 per latent, 10-13 against 7-11), so below 3 per latent rows are built whole.
         */
        private int normChunk() {
            int width = Math.max(dIn, d);
            if (codes.count < 3L * n) {
                return width;
            }
            int arrays = aux.on ? 3 : 2;
            int c = normChunkBytes / (arrays * 4 * Math.max(1, rowsBuf.rows));
            return Math.max(16, Math.min(width, c / 16 * 16));
        }

        @Override
        public int rowsFor(int t, int j) {
            return rowsFor(t, j, j + 1);
        }

        @Override
        public int rowsFor(int t, int j0, int j1) {
            for (int j = j0; j < j1; j++) {
                int r = j - j0;
                latentRows(t, j, rowA[t], r * dIn, rowB[t], r * d, 0, dIn, d, terms);
                if (!emptyDecoderRow(j)) {
                    // Most latents of a wide TopK dictionary have no entry: their raw ∂W_dec[j] is zero, and
                    // finishDecoder's projection of a zero row is +0 again when W_dec[j] and 1/‖W_dec[j]‖ are finite
                    // (no 0·∞), so it is skipped, and with it a read of W_dec[j] and two passes over the row.
                    grads.finishDecoder(j, rowB[t], r * d, terms);
                }
            }
            return 0;
        }

        /** Latent j has no kept entry, no AuxK slot, no ‖W_dec[j]‖ term, and a finite atom and inverse norm. */
        private boolean emptyDecoderRow(int j) {
            return codes.colPtr[j] == codes.colPtr[j + 1] && (!aux.on || aux.colPtr[j] == aux.colPtr[j + 1])
                    && terms.dDecNorm() == null && Float.isFinite(scales.norm[j])
                    && Float.isFinite(scales.invNorm[j]);
        }

        @Override
        public float[] encoderRows(int t) {
            return rowA[t];
        }

        @Override
        public float[] decoderRows(int t) {
            return rowB[t];
        }
    }
}
