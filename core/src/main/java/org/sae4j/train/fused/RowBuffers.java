package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.kernels.VectorOps;

/**
 * The batch and what the step computes per row (B = rows of this batch ≤ {@code maxRows}, d = input width), like
 * llm.c's activation tensors: allocated once, reused every step.
 */
public final class RowBuffers {
    final int d;
    final int maxRows;

    // This step's batch: rows [xOff, xOff + rows·d) of x, owned by the caller.
    float[] x;
    int xOff;
    int rows;

    /** x̃ = x (or x − b_dec with a pre-encoder bias), the encoder's input: B×d. */
    final float[] xin;
    /** x̂, the reconstruction: B×d. */
    final float[] xhat;
    /** e = ∂mse/∂x̂ = c·(x̂ − x) with c = 2/(B·d): B×d. */
    final float[] e;
    /** Σ_i (x̂ − x)², per row: B. */
    final double[] rowSse;
    /** ‖x̃_b‖², per row (the norm pass's latents with ≤ 2 entries): B. */
    final double[] rowX2;
    /** ‖e_b‖², per row: B. */
    final double[] rowE2;
    /** Per block of {@link Blocks#ROWS} rows: Σ_b x_b, Σ_b x_b², Σ_b e_b — ⌈B/32⌉×d each. */
    final double[] blkSumX;
    final double[] blkSumX2;
    final double[] blkSumE;
    /** Σ_b x_b and Σ_b x_b² merged in block order (for R²): d. */
    final double[] sumXd;
    final double[] sumX2;
    /** Σ_b x̃_b as float (the re-animation gradient's row): d. */
    final float[] sumX;
    /** ‖Σ_b x̃_b‖² of the float vector. */
    double sumXNorm2;

    RowBuffers(int maxRows, int d) {
        this.d = d;
        this.maxRows = maxRows;
        xin = new float[maxRows * d];
        xhat = new float[maxRows * d];
        e = new float[maxRows * d];
        rowSse = new double[maxRows];
        rowX2 = new double[maxRows];
        rowE2 = new double[maxRows];
        int rowBlocks = Blocks.rowBlocks(maxRows);
        blkSumX = new double[rowBlocks * d];
        blkSumX2 = new double[rowBlocks * d];
        blkSumE = new double[rowBlocks * d];
        sumXd = new double[d];
        sumX2 = new double[d];
        sumX = new float[d];
    }

    void bind(float[] x, int off, int rows) {
        this.x = x;
        this.xOff = off;
        this.rows = rows;
    }

    /** The residual gradient's scale c = 2/(B·d) of this batch. */
    float residualScale() {
        return (float) (2.0 / ((double) rows * d));
    }

    /**
     * Row b's residual gradient {@code e_b = c·(x̂_b − x_b)}, its squared error, and its share of Σ_b e_b (the block
     * partial is cleared at the block's first row: threads own whole blocks). Both paths call it.
     */
    void residualRow(int b, float c) {
        int xb = b * d;
        int blk = b / Blocks.ROWS * d;
        if (b % Blocks.ROWS == 0) {
            Arrays.fill(blkSumE, blk, blk + d, 0);
        }
        double sse = 0;
        for (int i = 0; i < d; i++) {
            float diff = xhat[xb + i] - x[xOff + xb + i];
            sse += (double) diff * diff;
            e[xb + i] = c * diff;
            blkSumE[blk + i] += e[xb + i];
        }
        rowSse[b] = sse;
    }

    /**
     * Merges the per-block input sums after {@link Prepare}: Σ_b x_b, Σ_b x_b², and Σ_b x̃_b in double before one
     * rounding. With b_dec at the batch mean Σ_b x̃_b is a near-total cancellation, and Adam would turn float
     * rounding noise in the dead latents' re-animation gradient into full-size steps.
     */
    void mergeInputSums(float[] bDec, boolean preEncoderBias, VectorOps ops) {
        int blocks = Blocks.rowBlocks(rows);
        Blocks.merge(blkSumX, blocks, d, sumXd);
        Blocks.merge(blkSumX2, blocks, d, sumX2);
        for (int i = 0; i < d; i++) {
            sumX[i] = (float) (sumXd[i] - (preEncoderBias ? (double) rows * bDec[i] : 0));
        }
        sumXNorm2 = ops.sumSquares(sumX, 0, d);
    }

    /** Σ_b of the rows' squared errors, in row order. */
    double sse() {
        double sse = 0;
        for (int b = 0; b < rows; b++) {
            sse += rowSse[b];
        }
        return sse;
    }
}
