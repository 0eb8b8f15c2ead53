package org.sae4j.train.fused;

/**
 * This step's loss-term figures that the per-latent phases need (src/docs/design.md §3.6), fixed once the forward
 * pass and the {@link org.sae4j.train.loss.LossTerm}s are done.
 *
 * @param rows     B, rows of the batch
 * @param dCount   per latent, ∂L/∂count_j (JumpReLU's L0: λ₀/B), through the threshold's straight-through
 *                 estimate; null when no term wrote one
 * @param dSumPre  per latent, ∂L/∂(Σ_b pre_bj) from the loss terms (re-animation and user terms), added to ∂L/∂pre
 *                 at every row of the latent; null when no term wrote one
 * @param dDecNorm per latent, ∂L/∂‖W_dec[j]‖ (the weighted L1's, and user terms'); null when no term wrote one
 */
public record LatentTerms(int rows, double[] dCount, double[] dSumPre, double[] dDecNorm) {

    /** Whether latent j gets a share through Σ_b pre_bj this step. */
    boolean reanimates(int j) {
        return dSumPre != null && dSumPre[j] != 0;
    }
}
