package org.sae4j.train;

/**
 * Coefficients of the loss terms for one step (src/docs/design.md §3). A term with coefficient 0 is skipped.
 *
 * @param reanimationCoef       coef of the re-animation term; {@code loss = mse − coef · reanim}
 * @param reanimationForm       seed (batch mean) or overcomplete (per dead latent) normalisation
 * @param l1Coef                λ₁ of {@code (1/B) Σ_bj z_bj} (ReLU's sparsity term)
 * @param l1DecoderNormWeighted weight each latent's L1 by {@code ‖W_dec[j]‖}
 * @param l0Coef                λ₀ of {@code (1/B) Σ_bj H(pre_bj − θ_j)} (JumpReLU's sparsity term)
 * @param auxkCoef              coefficient of AuxK (Gao et al. 2024; 1/32 in the paper), 0 = off
 * @param auxkK                 k_aux, the dead latents per row that reconstruct the residual (0 = d/2)
 */
public record LossWeights(double reanimationCoef, ReanimationForm reanimationForm, double l1Coef,
                          boolean l1DecoderNormWeighted, double l0Coef, double auxkCoef, int auxkK) {

    /** mse only. */
    public static final LossWeights MSE_ONLY = new LossWeights(0, ReanimationForm.SEED, 0, false, 0, 0, 0);

    public LossWeights withReanimation(double coef, ReanimationForm form) {
        return new LossWeights(coef, form, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef, auxkK);
    }

    public LossWeights withL1(double coef, boolean decoderNormWeighted) {
        return new LossWeights(reanimationCoef, reanimationForm, coef, decoderNormWeighted, l0Coef, auxkCoef, auxkK);
    }

    public LossWeights withL0(double coef) {
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, coef, auxkCoef, auxkK);
    }

    public LossWeights withAuxK(double coef, int k) {
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, coef, k);
    }
}
