package org.sae4j.train.fused;

import java.util.Arrays;

/**
 * The fixed partitions that make the step's sums independent of the thread count: rows in blocks of {@link #ROWS},
 * latents in blocks of {@link #LATENTS}. A thread owns whole blocks; per-block partial sums are merged in block
 * order afterwards, so the same numbers are added in the same order for 1 or 64 threads.
 */
final class Blocks {
    /** Rows per block of the per-feature sums (Σ_b x_b, Σ_b x_b², Σ_b e_b). */
    static final int ROWS = 32;
    /** Latents per block of the pre-encoder bias's ∂/∂b_dec partials. */
    static final int LATENTS = 192;

    private Blocks() {
    }

    /** Start of part {@code t} of {@code parts} equal shares of {@code total}. */
    static int lo(int total, int t, int parts) {
        return (int) ((long) total * t / parts);
    }

    /** First row of thread t's share of {@code rows}: whole blocks of {@link #ROWS}. */
    static int rowLo(int rows, int t, int parts) {
        return Math.min(rows, lo((rows + ROWS - 1) / ROWS, t, parts) * ROWS);
    }

    /** First latent of thread t's share of {@code n}: whole blocks of {@link #LATENTS}. */
    static int latentLo(int n, int t, int parts) {
        return Math.min(n, lo((n + LATENTS - 1) / LATENTS, t, parts) * LATENTS);
    }

    static int rowBlocks(int rows) {
        return (rows + ROWS - 1) / ROWS;
    }

    static int latentBlocks(int n) {
        return (n + LATENTS - 1) / LATENTS;
    }

    /** {@code out[0..d) = Σ_k blk[k·d + i]} over the first {@code blocks} blocks, in block order. */
    static void merge(double[] blk, int blocks, int d, double[] out) {
        Arrays.fill(out, 0, d, 0);
        add(blk, blocks, d, out);
    }

    /** {@code out[0..d) += Σ_k blk[k·d + i]} over the first {@code blocks} blocks, in block order. */
    static void add(double[] blk, int blocks, int d, double[] out) {
        for (int k = 0; k < blocks; k++) {
            for (int i = 0; i < d; i++) {
                out[i] += blk[k * d + i];
            }
        }
    }
}
