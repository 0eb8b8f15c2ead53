package org.sae4j.train;

/**
 * What one training step reports to listeners.
 *
 * @param step            0-based step index
 * @param epoch           0-based epoch index
 * @param rows            rows in this batch
 * @param loss            total loss of the batch before the update
 * @param mse             mean squared error
 * @param reanimation     the re-animation quantity (before its coefficient)
 * @param r2              overcomplete's scalar-mean R² of the batch
 * @param explainedVariance per-feature explained variance of the batch
 * @param l0              mean active codes per row
 * @param deadFraction    the seed's batch mask: fraction of latents that fired nowhere in this batch
 * @param dead            that mask; the step's own buffer: read it during the callback, copy it to keep it
 * @param windowDeadFraction latents that have not fired within the dead window (after this batch)
 * @param auxk            AuxK's normalised error before its coefficient (0 when off)
 * @param reanimationCoef coefficient in force
 * @param lr              learning rate in force
 * @param gradNorm        global gradient norm before clipping
 * @param terms           each user loss term's value before its coefficient, by name, in registration order
 */
public record StepStats(long step, int epoch, int rows, double loss, double mse, double reanimation, double r2,
                        double explainedVariance, double l0, double deadFraction, boolean[] dead,
                        double windowDeadFraction, double auxk, double reanimationCoef, double lr,
                        double gradNorm, java.util.Map<String, Double> terms) {

    public StepStats {
        terms = terms.isEmpty() ? java.util.Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(terms));
    }

    /** Without user terms. */
    public StepStats(long step, int epoch, int rows, double loss, double mse, double reanimation, double r2,
                     double explainedVariance, double l0, double deadFraction, boolean[] dead,
                     double windowDeadFraction, double auxk, double reanimationCoef, double lr, double gradNorm) {
        this(step, epoch, rows, loss, mse, reanimation, r2, explainedVariance, l0, deadFraction, dead,
                windowDeadFraction, auxk, reanimationCoef, lr, gradNorm, java.util.Map.of());
    }
}
