package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.encode.select.RowTopK;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Sae;

/**
 * The AuxK term (src/docs/design.md §3.4): the top-k_aux window-dead latents of each row reconstruct the residual
 * r_b = x_b − x̂_b (detached). Its candidates are picked by the main selection (sparse path: in the GEMM's epilogue;
 * dense path: from the stored pre-activations); then, after the main forward pass, {@link #forward} computes ê, the
 * normalised error and ∂/∂pre at the kept entries, and {@link #addRows} adds a latent's share to its gradient rows.
 * Buffers are allocated on first use.
 */
final class AuxK {
    private final Sae sae;
    private final RowBuffers rowsBuf;
    private final LatentScales scales;
    private final ThresholdSelect select;
    private final VectorOps ops;
    private final int n;
    private final int d;
    private final int maxRows;
    private final int threads;

    /** 0 for window-dead latents, +∞ for the others: the candidates' floor, n. */
    private final float[] floor;
    /** Σ_b r_b / B: d. */
    private final double[] mean;
    /** The kept (value, latent) of each row: B×cap. */
    RowTopK best;
    /** ê_b, then f_b = ∂L/∂ê_b: B×d. */
    float[] e;
    /** r_b = x_b − x̂_b: B×d. */
    private float[] res;
    /** ∂L/∂pre per kept slot (row·cap + q): B×cap. */
    float[] dpre;
    /** Slots grouped by latent: latent j owns byLatent[colPtr[j] .. colPtr[j+1]). */
    int[] colPtr;
    int[] byLatent;
    private double[] rowVar;
    private double[] rowErr;
    private int[] cursor;
    private int[][] denseCand;
    /** The term is on this step (a coefficient and at least one window-dead latent). */
    boolean on;

    AuxK(Sae sae, RowBuffers rows, LatentScales scales, ThresholdSelect select, VectorOps ops, int threads) {
        this.sae = sae;
        this.rowsBuf = rows;
        this.scales = scales;
        this.select = select;
        this.ops = ops;
        this.n = sae.latents();
        this.d = sae.outDim(); // ê and the residual live in the output space
        this.maxRows = rows.maxRows;
        this.threads = threads;
        floor = new float[n];
        mean = new double[d];
    }

    /**
     * Starts a step: on when {@code coef ≠ 0} and some latent is window-dead. Returns sparsify's weight
     * min(1, dead/k_aux) (fewer dead, less weight), 0 when off.
     */
    double begin(double coef, int auxK, boolean[] windowDead, int windowDeadCount, int rows) {
        on = coef != 0 && windowDeadCount > 0;
        if (!on) {
            return 0;
        }
        int nominal = auxK > 0 ? auxK : Math.max(1, d / 2);
        double scale = Math.min(1.0, (double) windowDeadCount / nominal);
        ensureBuffers(nominal);
        best.reset(rows, Math.min(nominal, windowDeadCount));
        for (int j = 0; j < n; j++) {
            floor[j] = windowDead[j] ? 0f : Float.POSITIVE_INFINITY;
        }
        return scale;
    }

    private void ensureBuffers(int cap) {
        if (best == null || best.cap() != cap) {
            best = new RowTopK(maxRows, cap);
            e = new float[maxRows * d];
            res = new float[maxRows * d];
            dpre = new float[maxRows * cap];
            colPtr = new int[n + 1];
            byLatent = new int[maxRows * cap];
            rowVar = new double[maxRows];
            rowErr = new double[maxRows];
            cursor = new int[n];
        }
    }

    /** Sparse path, in the GEMM's epilogue: offers one finished block of a row. */
    void offer(int row, int col0, float[] buf, int base, int cols, int[] cand) {
        best.offerAbove(select, row, col0, buf, base, cols, floor, cand);
    }

    /** Dense path: picks the candidates from the stored B×n pre-activations. */
    void selectDense(KernelPool pool, float[] pre) {
        if (denseCand == null) {
            denseCand = new int[threads][n];
        }
        pool.run((t, parts) -> denseSelect(t, parts, pre));
    }

    private void denseSelect(int t, int parts, float[] pre) {
        int rows = rowsBuf.rows;
        for (int b = Blocks.lo(rows, t, parts); b < Blocks.lo(rows, t + 1, parts); b++) {
            best.offerAbove(select, b, 0, pre, b * n, n, floor, denseCand[t]);
        }
    }

    /**
     * Phase 6, after the main forward pass (x̂ known): reads x, x̂ and x̃'s batch size from the rows bound at
     * construction; writes ê, the residual's variance, the error, ∂/∂pre at the kept entries and the entries grouped
     * by latent (this object's tensors). Returns the normalised error before the coefficient.
     */
    double forward(KernelPool pool, double coef, double scale) {
        int rows = rowsBuf.rows;
        pool.run((t, parts) -> reconstruct(t, parts, rows));
        Arrays.fill(mean, 0);
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                mean[i] += res[b * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            mean[i] /= rows;
        }
        pool.run((t, parts) -> error(t, parts, rows));
        double var = 0;
        double err = 0;
        for (int b = 0; b < rows; b++) {
            var += rowVar[b];
            err += rowErr[b];
        }
        float c = var > 0 ? (float) (2 * coef * scale / var) : 0f;
        pool.run((t, parts) -> gradient(t, parts, rows, c));
        groupByLatent(rows);
        return var > 0 ? scale * err / var : 0;
    }

    private void groupByLatent(int rows) {
        int cap = best.cap();
        Arrays.fill(colPtr, 0);
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < best.size(b); q++) {
                colPtr[best.index(b * cap + q) + 1]++;
            }
        }
        for (int j = 0; j < n; j++) {
            colPtr[j + 1] += colPtr[j];
        }
        System.arraycopy(colPtr, 0, cursor, 0, n);
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < best.size(b); q++) {
                byLatent[cursor[best.index(b * cap + q)]++] = b * cap + q;
            }
        }
    }

    private void reconstruct(int t, int parts, int rows) {
        float[] wDec = sae.wDec();
        float[] x = rowsBuf.x;
        int xOff = rowsBuf.xOff;
        float[] xhat = rowsBuf.xhat;
        int cap = best.cap();
        for (int b = Blocks.lo(rows, t, parts); b < Blocks.lo(rows, t + 1, parts); b++) {
            Arrays.fill(e, b * d, (b + 1) * d, 0f);
            for (int q = 0; q < best.size(b); q++) {
                int j = best.index(b * cap + q);
                ops.axpy(best.value(b * cap + q) * scales.invNorm[j], wDec, j * d, e, b * d, d);
            }
            for (int i = 0; i < d; i++) {
                res[b * d + i] = x[xOff + b * d + i] - xhat[b * d + i];
            }
        }
    }

    private void error(int t, int parts, int rows) {
        for (int b = Blocks.lo(rows, t, parts); b < Blocks.lo(rows, t + 1, parts); b++) {
            double var = 0;
            double err = 0;
            for (int i = 0; i < d; i++) {
                double cv = res[b * d + i] - mean[i];
                double e2 = e[b * d + i] - res[b * d + i];
                var += cv * cv;
                err += e2 * e2;
            }
            rowVar[b] = var;
            rowErr[b] = err;
        }
    }

    /** f_b = c·(ê_b − r_b) (into e) and ∂/∂pre = D_j·f_b at each kept entry. */
    private void gradient(int t, int parts, int rows, float c) {
        float[] wDec = sae.wDec();
        int cap = best.cap();
        for (int b = Blocks.lo(rows, t, parts); b < Blocks.lo(rows, t + 1, parts); b++) {
            for (int i = 0; i < d; i++) {
                e[b * d + i] = c * (e[b * d + i] - res[b * d + i]);
            }
            for (int q = 0; q < best.size(b); q++) {
                int j = best.index(b * cap + q);
                dpre[b * cap + q] = scales.invNorm[j] * ops.dot(e, b * d, wDec, j * d, d);
            }
        }
    }

    /**
     * Adds columns [c0, c0 + lenEnc) and [c0, c0 + lenDec) of latent j's AuxK share to its raw encoder and decoder
     * gradient rows at {@code encOff}/{@code decOff} (a transcoder's two widths differ, so a chunk may cover only
     * one of them); returns its share of ∂/∂b_enc[j].
     */
    double addRows(int j, float[] gEnc, int encOff, float[] gDec, int decOff, int c0, int lenEnc, int lenDec) {
        int cap = best.cap();
        float[] xin = rowsBuf.xin;
        int dIn = rowsBuf.dIn;
        double bEnc = 0;
        for (int q = colPtr[j]; q < colPtr[j + 1]; q++) {
            int slot = byLatent[q];
            int b = slot / cap;
            if (lenEnc > 0) {
                ops.axpy(dpre[slot], xin, b * dIn + c0, gEnc, encOff, lenEnc);
            }
            if (lenDec > 0) {
                ops.axpy(best.value(slot), e, b * d + c0, gDec, decOff, lenDec);
            }
            bEnc += dpre[slot];
        }
        return bEnc;
    }
}
