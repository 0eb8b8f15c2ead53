package org.sae4j.train.fused;

/**
 * This step's loss-term scalars that the per-latent phases need (src/docs/design.md §3), fixed once the forward pass is done.
 *
 * @param rows       B, rows of the batch
 * @param l1PerZ     the L1 term's ∂/∂z per active code, λ₁/B (0 when off)
 * @param l1Weighted whether the L1 term weights each code by ‖W_dec[j]‖
 * @param l0PerH     JumpReLU's L0 term per straight-through entry, λ₀/B (0 otherwise)
 * @param reanimGrad the re-animation term's ∂L/∂pre for every entry of a latent in {@code reDead} (0 when off)
 * @param reDead     the re-animation term's dead set: the batch mask or the window mask
 */
public record LatentTerms(int rows, double l1PerZ, boolean l1Weighted, double l0PerH, double reanimGrad, boolean[] reDead) {

    /** Whether latent j gets the re-animation term's share this step. */
    boolean reanimates(int j) {
        return reDead[j] && reanimGrad != 0;
    }

    boolean weightedL1() {
        return l1PerZ != 0 && l1Weighted;
    }
}
