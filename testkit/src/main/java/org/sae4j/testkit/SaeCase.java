package org.sae4j.testkit;

import org.sae4j.model.SaeConfig;
import org.sae4j.train.DoubleParams;
import org.sae4j.train.LossWeights;
import org.sae4j.train.ReferenceLoss;
import org.sae4j.train.loss.LossTerm;

/**
 * One loss evaluation to check: a model configuration, its parameters in double, a batch, the loss weights and the
 * window's dead mask. {@link SaeArbitraries#cases()} generates them; {@link GradientCheck} checks them.
 *
 * @param cfg                 the SAE's configuration
 * @param params              its parameters (the gradient check perturbs them in place and restores them)
 * @param x                   the batch, {@code rows × cfg.rowWidth()} floats (a transcoder's rows: x, then y)
 * @param rows                B
 * @param weights             the loss weights, user terms included
 * @param windowDead          the window's dead mask (AuxK's candidates; the re-animation term's with
 *                            {@code reanimationOnWindow})
 * @param reanimationOnWindow the re-animation term reads {@code windowDead} instead of the batch's dead mask
 * @param hard                which hard case this is ({@link Hard#NONE} for a plain random one)
 */
public record SaeCase(SaeConfig cfg, DoubleParams params, float[] x, int rows, LossWeights weights,
                      boolean[] windowDead, boolean reanimationOnWindow, Hard hard) {

    /** The hard cases the arbitraries mix in. */
    public enum Hard {
        /** Random parameters and data. */
        NONE,
        /** A batch of one row. */
        SINGLE_ROW,
        /** About a third of the latents cannot fire on this batch (dead in the batch and in the window). */
        DEAD_LATENTS,
        /** Pre-activations within rounding of a gate: JumpReLU's θ, or 0 for the other activations. */
        AT_THRESHOLD,
        /** Two pre-activations equal (within rounding) at TopK's or BatchTopK's k-th value. */
        TIE_AT_K,
        /** Inputs and biases × 1e3. */
        HUGE_SCALE,
        /** Inputs and biases × 1e-3. */
        TINY_SCALE
    }

    /** This case with other loss weights. */
    public SaeCase withWeights(LossWeights w) {
        return new SaeCase(cfg, params, x, rows, w, windowDead, reanimationOnWindow, hard);
    }

    /** This case under another architecture of the same shape (e.g. with Matryoshka prefixes). */
    public SaeCase withConfig(SaeConfig c) {
        if (c.dim() != cfg.dim() || c.latents() != cfg.latents()) {
            throw new IllegalArgumentException("withConfig: " + c + " has another shape than " + cfg);
        }
        return new SaeCase(c, params, x, rows, weights, windowDead, reanimationOnWindow, hard);
    }

    /** This case with user term {@code term} at {@code coef} added to its weights. */
    public SaeCase withTerm(LossTerm term, double coef) {
        return withWeights(weights.withTerm(term, coef));
    }

    /** The reference's auxiliary input for this case; {@code frozenResidual} may be null. */
    public ReferenceLoss.Aux aux(double[] frozenResidual) {
        return new ReferenceLoss.Aux(windowDead, frozenResidual, reanimationOnWindow);
    }

    @Override
    public String toString() {
        String out = cfg.transcoder() == null ? ""
                : String.format(" d_out=%d%s", cfg.outDim(), cfg.skip() ? " skip" : "");
        return String.format("%s d=%d%s n=%d k=%d rows=%d unitNorm=%s preEncoderBias=%s seed=%d hard=%s",
                cfg.activation(), cfg.dim(), out, cfg.latents(), cfg.k(), rows, cfg.unitNormDecoder(),
                cfg.preEncoderBias(), cfg.seed(), hard);
    }
}
