package org.sae4j.train.loss;

/**
 * JumpReLU's pre-activation loss (Anthropic, Circuits Updates, January 2025) over the batch's dead latents:
 * {@code preact = (1/B) Σ_{j dead} Σ_b ReLU(θ_j − pre_bj)·‖W_dec[j]‖}, entering the loss as {@code λ·preact}.
 *
 * <p>Why the batch mask makes it an aggregate term: a latent that fired on no row has {@code pre_bj ≤ θ_j} on
 * every row, so {@code Σ_b ReLU(θ_j − pre_bj) = B·θ_j − Σ_b pre_bj} exactly, and the term needs only Σ pre and
 * ‖W_dec[j]‖. Its partials: ∂/∂(Σ_b pre_bj) = −λ‖W_dec[j]‖/B (pushes every row's pre-activation up, into W_enc and
 * b_enc) and ∂/∂‖W_dec[j]‖ = λ(B·θ_j − Σ_b pre_bj)/B. θ_j is held constant (stop-gradient): the term is there to
 * raise the pre-activations; moving θ stays the L0 term's business, through its straight-through estimate. The mask
 * is constant too, as in {@link Reanimation}. Normalised by B like L1 and L0 (a mean over rows).
 */
public final class PreAct implements LossTerm {

    @Override
    public String name() {
        return "preact";
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        int rows = in.rows();
        if (rows == 0) {
            return 0;
        }
        double sum = 0;
        for (int j = 0; j < in.latents(); j++) {
            if (!in.batchDead(j)) {
                continue;
            }
            double norm = in.decoderNorm(j);
            double gap = rows * in.threshold(j) - in.sumPre(j); // Σ_b (θ_j − pre_bj), each ≥ 0
            sum += gap * norm;
            if (coef != 0) {
                out.addSumPre(j, -coef * norm / rows);
                out.addDecoderNorm(j, coef * gap / rows);
            }
        }
        return sum / rows;
    }
}
