package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.kernels.VectorOps;

/**
 * The batch and what the step computes per row (B = rows of this batch ≤ {@code maxRows}; the encoder reads width
 * {@code dIn}, the decoder writes width {@code d}: both the input width for an autoencoder, a transcoder's d_in and
 * d_out), like llm.c's activation tensors: allocated once, reused every step. "x" below is the reconstruction's
 * target: the input itself, or a transcoder's target y minus its skip path.
 */
public final class RowBuffers {
    /** Output width (the target's, x̂'s and e's). */
    final int d;
    /** Input width (x̃'s). */
    final int dIn;
    final int maxRows;

    // This step's batch: rows [xOff, xOff + rows·stride) of the caller's array, each the input (and a transcoder's
    // target after it).
    float[] rowsIn;
    int rowsOff;
    int rows;
    /** Width of a row of the caller's array: d, or a transcoder's d_in + d_out. */
    final int stride;
    // The reconstruction target: rows [xOff, xOff + rows·d) of x (the caller's array for an autoencoder, else
    // {@link #target}).
    float[] x;
    int xOff;

    /** x̃ = x (or x − b_dec with a pre-encoder bias), the encoder's input: B×dIn. */
    final float[] xin;
    /** A transcoder's target minus its skip path, y − W_skip·x: B×d; null for an autoencoder. */
    final float[] target;
    /** Per block of {@link Blocks#ROWS} rows: a transcoder's Σ_b x_b (its input sums), ⌈B/32⌉×dIn; else null. */
    final double[] blkSumIn;
    /** Their merged sum, dIn; null for an autoencoder. */
    private final double[] sumIn;
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
    /** Σ_b y_b and Σ_b y_b² of the target y merged in block order (for R²): d. */
    final double[] sumXd;
    final double[] sumX2;
    /** Σ_b x̃_b as float (the re-animation gradient's row): dIn. */
    final float[] sumX;
    /** ‖Σ_b x̃_b‖² of the float vector. */
    double sumXNorm2;

    /**
     * Per latent group, the upstream its atoms see ({@code eByGroup[0] == e}; a plain dictionary has one group).
     * With Matryoshka prefixes, group g's is {@code Σ_{m ≥ g} w·c·(x̂_m − x)}: M×(B×d).
     */
    final float[][] eByGroup;
    /** ‖eByGroup[g]_b‖² per group and row ({@code rowE2ByGroup[0] == rowE2}): M×B. */
    final double[][] rowE2ByGroup;
    /** Matryoshka: each latent's group, n; null for a plain dictionary. */
    final int[] groupOf;
    /** Matryoshka: Σ_i (x̂_m − x)² per prefix and row, M×B; null for a plain dictionary. */
    final double[][] prefixSse;
    /** Matryoshka: the weight of each prefix's mse in the loss (1 or 1/M). */
    final float prefixWeight;

    RowBuffers(int maxRows, int d) {
        this(maxRows, d, d, null, 0);
    }

    /**
     * @param dIn     the encoder's input width; {@code d} the output's (equal for an autoencoder)
     * @param nesting Matryoshka prefixes of a dictionary of {@code latents} latents, or null
     */
    RowBuffers(int maxRows, int dIn, int d, org.sae4j.model.Matryoshka nesting, int latents) {
        this(maxRows, dIn, d, nesting, latents, false);
    }

    /** @param transcoder whether rows hold an input then a separate target (a transcoder's) */
    RowBuffers(int maxRows, int dIn, int d, org.sae4j.model.Matryoshka nesting, int latents, boolean transcoder) {
        this.d = d;
        this.dIn = dIn;
        this.maxRows = maxRows;
        this.stride = transcoder ? dIn + d : d;
        xin = new float[maxRows * dIn];
        target = transcoder ? new float[maxRows * d] : null;
        blkSumIn = transcoder ? new double[Blocks.rowBlocks(maxRows) * dIn] : null;
        sumIn = transcoder ? new double[dIn] : null;
        xhat = new float[maxRows * d];
        e = new float[maxRows * d];
        rowSse = new double[maxRows];
        rowX2 = new double[maxRows];
        rowE2 = new double[maxRows];
        int groups = nesting == null ? 1 : nesting.prefixes();
        eByGroup = new float[groups][];
        rowE2ByGroup = new double[groups][];
        eByGroup[0] = e;
        rowE2ByGroup[0] = rowE2;
        for (int g = 1; g < groups; g++) {
            eByGroup[g] = new float[maxRows * d];
            rowE2ByGroup[g] = new double[maxRows];
        }
        groupOf = nesting == null ? null : nesting.groupOf(latents);
        prefixSse = nesting == null ? null : new double[groups][maxRows];
        prefixWeight = nesting == null ? 1f : (float) nesting.weight();
        int rowBlocks = Blocks.rowBlocks(maxRows);
        blkSumX = new double[rowBlocks * d];
        blkSumX2 = new double[rowBlocks * d];
        blkSumE = new double[rowBlocks * d];
        sumXd = new double[d];
        sumX2 = new double[d];
        sumX = new float[dIn];
    }

    /** Binds {@code rows} rows from {@code off}; an autoencoder's are also its targets. */
    void bind(float[] rowsIn, int off, int rows) {
        this.rowsIn = rowsIn;
        this.rowsOff = off;
        this.rows = rows;
        this.x = target == null ? rowsIn : target;
        this.xOff = target == null ? off : 0;
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
        int blk = sumEBlock(b);
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
     * Offset of row b's block partial in {@link #blkSumE}, cleared at the block's first row (threads own whole
     * blocks, so no other thread adds to it).
     */
    private int sumEBlock(int b) {
        int blk = b / Blocks.ROWS * d;
        if (b % Blocks.ROWS == 0) {
            Arrays.fill(blkSumE, blk, blk + d, 0);
        }
        return blk;
    }

    /** The upstream latent j's atom sees: e, or its Matryoshka group's. */
    float[] eFor(int j) {
        return groupOf == null ? e : eByGroup[groupOf[j]];
    }

    /** ‖·‖² per row of {@link #eFor}{@code (j)}. */
    double[] rowE2For(int j) {
        return groupOf == null ? rowE2 : rowE2ByGroup[groupOf[j]];
    }

    /**
     * Matryoshka: the residual of prefix g of row b (its reconstruction in {@link #xhat}), {@code w·c·(x̂_g − x)}
     * into group g's upstream and its squared error into {@link #prefixSse}; the last prefix's is also
     * {@link #rowSse} (the whole dictionary's error, for the metrics).
     */
    void prefixResidualRow(int b, int g, float c) {
        int xb = b * d;
        float[] eg = eByGroup[g];
        float wc = prefixWeight * c;
        double sse = 0;
        for (int i = 0; i < d; i++) {
            float diff = xhat[xb + i] - x[xOff + xb + i];
            sse += (double) diff * diff;
            eg[xb + i] = wc * diff;
        }
        prefixSse[g][b] = sse;
        if (g == eByGroup.length - 1) {
            rowSse[b] = sse;
        }
    }

    /**
     * Matryoshka, after every prefix of row b: group g's upstream becomes the sum over prefixes g..M−1 (a latent
     * is in every prefix from its own on), and group 0's (all prefixes) is b_dec's share in Σ_b e_b.
     */
    void suffixSumsRow(int b, VectorOps ops) {
        int xb = b * d;
        for (int g = eByGroup.length - 2; g >= 0; g--) {
            float[] eg = eByGroup[g];
            float[] next = eByGroup[g + 1];
            for (int i = 0; i < d; i++) {
                eg[xb + i] += next[xb + i];
            }
        }
        int blk = sumEBlock(b);
        for (int i = 0; i < d; i++) {
            blkSumE[blk + i] += e[xb + i];
        }
        for (int g = 0; g < eByGroup.length; g++) {
            rowE2ByGroup[g][b] = ops.sumSquares(eByGroup[g], xb, d);
        }
    }

    /** The loss's reconstruction sum: Σ_b Σ_i (x̂ − x)², or with Matryoshka Σ_m w·Σ_b Σ_i (x̂_m − x)². */
    double reconstructionSse() {
        if (prefixSse == null) {
            return sse();
        }
        double total = 0;
        for (double[] m : prefixSse) {
            double s = 0;
            for (int b = 0; b < rows; b++) {
                s += m[b];
            }
            total += (double) prefixWeight * s;
        }
        return total;
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
        if (blkSumIn != null) {
            // A transcoder's encoder reads another array than the one it reconstructs; no pre-encoder bias.
            Blocks.merge(blkSumIn, blocks, dIn, sumIn);
            for (int i = 0; i < dIn; i++) {
                sumX[i] = (float) sumIn[i];
            }
        } else {
            for (int i = 0; i < d; i++) {
                sumX[i] = (float) (sumXd[i] - (preEncoderBias ? (double) rows * bDec[i] : 0));
            }
        }
        sumXNorm2 = ops.sumSquares(sumX, 0, dIn);
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
