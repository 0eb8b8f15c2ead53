package org.sae4j.train.loss;

/**
 * A loss term that sees the batch only through per-latent aggregates ({@link LatentInputs}, O(n)) and returns its
 * gradient as per-latent coefficients ({@link LatentPartials}, O(n)). Both the fused step (sparse and dense path)
 * and the double-precision reference consume those coefficients, so a term never makes the sparse path build a
 * B×n matrix.
 *
 * <p>Gradient channels ({@link LatentPartials}): {@code ∂L/∂(Σ_b pre_bj)}, added to ∂L/∂pre at every row of latent j,
 * fired or not (on the fused path one axpy of {@code Σ_b x̃_b} per latent with a non-zero coefficient);
 * {@code ∂L/∂(Σ_b z_bj)}, added to ∂L/∂z at each kept entry, which must be known before the forward pass
 * ({@link #codeGradient}); {@code ∂L/∂‖W_dec[j]‖}; and, for JumpReLU, {@code ∂L/∂count_j} through the threshold's
 * straight-through estimate (also before the forward pass).
 * Inputs that are piecewise constant in the parameters (masks, firing counts) carry no gradient: a term that reads
 * them treats them as constants (stop-gradient), as the built-in {@link Reanimation} does.
 *
 * <p>Built-in terms through this contract: {@link Reanimation}, {@link L1} and JumpReLU's {@link L0}. Not through
 * it, and why: mse and AuxK need per-row data (the residual, AuxK's own top-k of dead latents per row), which O(n)
 * aggregates cannot carry; they stay the step's built-in base (src/docs/design.md §3.6).
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
     * Before the forward pass: the term's ∂L/∂(Σ_b z_bj) ({@link LatentPartials#addSumZ}), which the step adds to
     * ∂L/∂z at each kept entry while it computes the per-entry gradients, and its ∂L/∂count_j
     * ({@link LatentPartials#addCount}). Only what is known before the forward
     * pass may be read here (B, n, d, the step, the window's dead mask, ‖W_dec[j]‖); the batch's aggregates throw
     * {@link IllegalStateException}. Most terms have no such share (the default).
     */
    default void codeGradient(LatentInputs before, double coef, LatentPartials out) {
    }

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
