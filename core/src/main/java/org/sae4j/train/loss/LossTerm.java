package org.sae4j.train.loss;

/**
 * A loss term that sees the batch only through per-latent aggregates ({@link LatentInputs}, O(n)) and returns its
 * gradient as per-latent coefficients ({@link LatentPartials}, O(n)). Both the fused step (sparse and dense path)
 * and the double-precision reference consume those coefficients, so a term never makes the sparse path build a
 * B×n matrix.
 *
 * <p>The one gradient channel is {@code ∂L/∂(Σ_b pre_bj)}: a coefficient added to ∂L/∂pre at every row of latent j,
 * fired or not. On the fused path that costs one axpy of {@code Σ_b x̃_b} per latent with a non-zero coefficient.
 * Inputs that are piecewise constant in the parameters (masks, firing counts) carry no gradient: a term that reads
 * them treats them as constants (stop-gradient), as the built-in {@link Reanimation} does.
 *
 * <p>What does not go through this contract, and why: mse and AuxK need per-row data (the residual, AuxK's own
 * top-k of dead latents per row), which O(n) aggregates cannot carry; L1 and JumpReLU's L0 enter ∂L/∂z per kept
 * entry before the latent aggregates exist (the dense path fuses them into the one {@code DenseCodes} pass that also
 * produces the aggregates). They stay the step's built-in base (src/docs/design.md §3).
 *
 * <p>An implementation must be deterministic and stateless between steps (a resumed run evaluates it afresh), and
 * should read only the aggregates it needs: on the fused path each read of {@link LatentInputs#sumPre} is a dot
 * product of length d.
 */
public interface LossTerm {

    /**
     * The term's name: its key in {@code StepStats.terms()}, the {@code --json} log line and the trainer state;
     * lower case letters, digits and '_', starting with a letter.
     */
    String name();

    /**
     * Evaluates the term on one batch.
     *
     * @param in   the batch's per-latent aggregates
     * @param coef the coefficient in force this step (after its schedule)
     * @param out  where to add ∂(contribution to the loss)/∂aggregate, coefficient included; add nothing when
     *             {@code coef} is 0
     * @return the term's value before its coefficient
     */
    double evaluate(LatentInputs in, double coef, LatentPartials out);

    /** The term's contribution to the loss from its value: {@code coef · value} unless a term says otherwise. */
    default double loss(double coef, double value) {
        return coef * value;
    }
}
