package org.sae4j.train.loss;

/**
 * The L1 sparsity term through the {@link LossTerm} contract: {@code L1 = (1/B) Σ_j Σ_b z_bj [·‖W_dec[j]‖]}, entering
 * the loss as {@code λ₁·L1}. Its ∂/∂(Σ_b z_bj) = λ₁/B [·‖W_dec[j]‖] is known before the forward pass
 * ({@link #codeGradient}); the decoder-weighted form adds ∂/∂‖W_dec[j]‖ = λ₁/B · Σ_b z_bj once the codes are known.
 */
public final class L1 implements LossTerm {
    private final boolean decoderNormWeighted;

    /** @param decoderNormWeighted weight each latent's codes by ‖W_dec[j]‖ */
    public L1(boolean decoderNormWeighted) {
        this.decoderNormWeighted = decoderNormWeighted;
    }

    @Override
    public String name() {
        return "l1";
    }

    @Override
    public void codeGradient(LatentInputs before, double coef, LatentPartials out) {
        if (coef == 0) {
            return;
        }
        double perZ = coef / before.rows();
        for (int j = 0; j < before.latents(); j++) {
            out.addSumZ(j, perZ * (decoderNormWeighted ? before.decoderNorm(j) : 1.0));
        }
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        int rows = in.rows();
        double perZ = coef / rows;
        double sum = 0;
        for (int j = 0; j < in.latents(); j++) {
            double z = in.sumZ(j);
            sum += z * (decoderNormWeighted ? in.decoderNorm(j) : 1.0);
            if (coef != 0 && decoderNormWeighted) {
                out.addDecoderNorm(j, perZ * z);
            }
        }
        return rows == 0 ? 0 : sum / rows;
    }
}
