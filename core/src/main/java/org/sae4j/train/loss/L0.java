package org.sae4j.train.loss;

/**
 * JumpReLU's L0 term through the {@link LossTerm} contract: {@code L0 = (1/B) Σ_j count_j}, entering the loss as
 * {@code λ₀·L0}. Its ∂/∂count_j = λ₀/B is known before the forward pass ({@link #codeGradient}); the step turns it into
 * the threshold's straight-through pseudo-gradient (Rajamanoharan et al. 2024). The step passes a coefficient only
 * for JumpReLU, where the term counts.
 */
public final class L0 implements LossTerm {

    @Override
    public String name() {
        return "l0";
    }

    @Override
    public void codeGradient(LatentInputs before, double coef, LatentPartials out) {
        if (coef == 0) {
            return;
        }
        double perCount = coef / before.rows();
        for (int j = 0; j < before.latents(); j++) {
            out.addCount(j, perCount);
        }
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        long count = 0;
        for (int j = 0; j < in.latents(); j++) {
            count += in.count(j);
        }
        return in.rows() == 0 ? 0 : (double) count / in.rows();
    }
}
