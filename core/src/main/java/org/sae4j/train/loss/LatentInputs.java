package org.sae4j.train.loss;

/**
 * What a {@link LossTerm} may read of one batch: scalars and per-latent aggregates. Each per-latent figure is
 * computed when asked for (the step keeps none it does not already have), so a term pays only for what it reads.
 * Parameters are those before this step's update.
 *
 * <p>Two stages: before the forward pass ({@link LossTerm#codeGradient}) only B, n, d, the step, the window's dead
 * mask, ‖W_dec[j]‖ and θ_j are known; the batch's aggregates (dead mask, counts, Σ pre, Σ z) then throw
 * {@link IllegalStateException}. After it ({@link LossTerm#evaluate}) everything is.
 */
public interface LatentInputs {
    /** B, rows of the batch. */
    int rows();

    /** n, latents. */
    int latents();

    /** d, input width. */
    int dim();

    /** 0-based index of this step. */
    long step();

    /** Latent j fired (z > 0) in no row of this batch: the seed's dead mask. */
    boolean batchDead(int j);

    /** How many latents are {@link #batchDead}. */
    int batchDeadCount();

    /** Latent j has not fired within the dead window (before this batch). */
    boolean windowDead(int j);

    /** How many latents are {@link #windowDead}. */
    int windowDeadCount();

    /** Rows of this batch where latent j is active (z > 0). */
    int count(int j);

    /** Σ_b pre_bj over all rows, fired or not (the smooth aggregate {@link LatentPartials#addSumPre} differentiates). */
    double sumPre(int j);

    /** Σ_b z_bj, the latent's summed codes (read-only here: no gradient channel). */
    double sumZ(int j);

    /** ‖W_dec[j]‖. */
    double decoderNorm(int j);

    /** JumpReLU's θ_j = exp(log θ_j), known before the forward pass; NaN for the other activations. */
    double threshold(int j);
}
