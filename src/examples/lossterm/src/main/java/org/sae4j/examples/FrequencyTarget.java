package org.sae4j.examples;

import org.sae4j.train.loss.LatentInputs;
import org.sae4j.train.loss.LatentPartials;
import org.sae4j.train.loss.LossTerm;

/**
 * A frequency-target penalty: pulls each latent's firing frequency in the batch toward a target {@code p}.
 * <pre>
 *   value = Σ_j (f_j − p) · Σ_b pre_bj / B,   f_j = count_j / B   (f_j held constant: stop-gradient)
 * </pre>
 * Minimising {@code coef · value} raises the pre-activations of latents that fire less often than {@code p} (dead
 * latents included, which no code-based penalty reaches) and lowers those of latents that fire more often. None of
 * the built-in terms does this: re-animation acts on dead latents only, L1/L0 push every latent down.
 *
 * <p>Its gradient through the contract: {@code ∂(coef·value)/∂(Σ_b pre_bj) = coef · (f_j − p) / B}, one coefficient
 * per latent; the fused step turns it into {@code coef·(f_j − p)/B · Σ_b x̃_b} for W_enc[j] and {@code coef·(f_j − p)}
 * for b_enc[j] without a B×n matrix.
 */
public class FrequencyTarget implements LossTerm {
    private final double target;

    /** @param target the firing frequency to pull toward, in [0, 1] */
    public FrequencyTarget(double target) {
        if (!(target >= 0 && target <= 1)) {
            throw new IllegalArgumentException("frequency target " + target + ": expected a value in [0, 1]");
        }
        this.target = target;
    }

    @Override
    public String name() {
        return "frequency_target";
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        int rows = in.rows();
        double value = 0;
        for (int j = 0; j < in.latents(); j++) {
            double f = (double) in.count(j) / rows;
            value += (f - target) * in.sumPre(j) / rows;
            if (coef != 0) {
                out.addSumPre(j, sumPreGradient(coef, f, rows));
            }
        }
        return value;
    }

    /** ∂(coef·value)/∂(Σ_b pre_bj) for a latent firing with frequency {@code f}, derived by hand. */
    protected double sumPreGradient(double coef, double f, int rows) {
        return coef * (f - target) / rows;
    }

    /**
     * From the command line, {@code train --loss-term org.sae4j.examples.FrequencyTarget,coef=C,target=P}: the
     * launcher passes the KEY=VALUE options here.
     */
    public FrequencyTarget(java.util.Map<String, String> options) {
        this(targetOption(options));
    }

    private static double targetOption(java.util.Map<String, String> options) {
        if (!options.keySet().equals(java.util.Set.of("target"))) {
            throw new IllegalArgumentException("options " + options.keySet() + ": expected exactly target=P");
        }
        try {
            return Double.parseDouble(options.get("target"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("target=" + options.get("target") + ": expected a number in [0, 1]");
        }
    }

    /** The target frequency. */
    public double target() {
        return target;
    }
}
