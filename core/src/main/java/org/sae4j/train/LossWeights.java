package org.sae4j.train;

import java.util.List;
import org.sae4j.train.loss.LossTerm;

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
 * @param userTerms             user {@link LossTerm}s with their coefficients in force, in registration order
 * @param preActCoef            λ of JumpReLU's pre-activation loss ({@link org.sae4j.train.loss.PreAct}), 0 = off
 */
public record LossWeights(double reanimationCoef, ReanimationForm reanimationForm, double l1Coef,
                          boolean l1DecoderNormWeighted, double l0Coef, double auxkCoef, int auxkK,
                          List<Weighted> userTerms, double preActCoef) {

    /** A user term and its coefficient this step. */
    public record Weighted(LossTerm term, double coef) {
    }

    /** mse only. */
    public static final LossWeights MSE_ONLY = new LossWeights(0, ReanimationForm.SEED, 0, false, 0, 0, 0);

    public LossWeights {
        userTerms = List.copyOf(userTerms);
    }

    /** Without the pre-activation loss. */
    public LossWeights(double reanimationCoef, ReanimationForm reanimationForm, double l1Coef,
                       boolean l1DecoderNormWeighted, double l0Coef, double auxkCoef, int auxkK,
                       List<Weighted> userTerms) {
        this(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef, auxkK, userTerms, 0);
    }

    /** The built-in terms only. */
    public LossWeights(double reanimationCoef, ReanimationForm reanimationForm, double l1Coef,
                       boolean l1DecoderNormWeighted, double l0Coef, double auxkCoef, int auxkK) {
        this(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef, auxkK, List.of(), 0);
    }

    public LossWeights withReanimation(double coef, ReanimationForm form) {
        return new LossWeights(coef, form, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef, auxkK, userTerms,
                preActCoef);
    }

    public LossWeights withL1(double coef, boolean decoderNormWeighted) {
        return new LossWeights(reanimationCoef, reanimationForm, coef, decoderNormWeighted, l0Coef, auxkCoef, auxkK,
                userTerms, preActCoef);
    }

    public LossWeights withL0(double coef) {
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, coef, auxkCoef, auxkK,
                userTerms, preActCoef);
    }

    public LossWeights withAuxK(double coef, int k) {
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, coef, k,
                userTerms, preActCoef);
    }

    public LossWeights withPreAct(double coef) {
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef, auxkK,
                userTerms, coef);
    }

    /** These weights plus user term {@code term} at {@code coef}. */
    public LossWeights withTerm(LossTerm term, double coef) {
        List<Weighted> all = new java.util.ArrayList<>(userTerms);
        all.add(new Weighted(term, coef));
        return new LossWeights(reanimationCoef, reanimationForm, l1Coef, l1DecoderNormWeighted, l0Coef, auxkCoef,
                auxkK, all, preActCoef);
    }
}
