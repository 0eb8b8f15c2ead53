package org.sae4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sae4j.train.loss.LatentInputs;
import org.sae4j.train.loss.LatentPartials;
import org.sae4j.train.loss.LossTerm;
import org.sae4j.train.loss.Reanimation;

/**
 * Runs the step's {@link LossTerm}s over the batch's per-latent aggregates: the built-in re-animation term, then the
 * user terms in registration order, all adding to one {@link LatentPartials}. {@link FusedStep} and
 * {@link ReferenceLoss} share it, so both steps see the same terms in the same order.
 */
final class LatentTermPass {
    private final LatentPartials partials;

    LatentTermPass(int latents) {
        partials = new LatentPartials(latents);
    }

    /**
     * What the terms gave.
     *
     * @param reanimation the re-animation quantity before its coefficient
     * @param userLoss    Σ of the user terms' contributions to the loss
     * @param user        each user term's value before its coefficient, by name
     * @param dSumPre     ∂L/∂(Σ_b pre_bj) per latent, null when no term wrote one (this object's buffer)
     */
    record Result(double reanimation, double userLoss, Map<String, Double> user, double[] dSumPre) {
    }

    /**
     * @param reanimationCoef the re-animation coefficient whose gradient counts (0: value only)
     * @param windowMask      the re-animation term reads the window's dead mask instead of the batch's
     */
    Result run(LatentInputs in, LossWeights w, double reanimationCoef, boolean windowMask) {
        partials.clear();
        Reanimation re = new Reanimation(w.reanimationForm() == ReanimationForm.OVERCOMPLETE, windowMask);
        double reanimation = re.evaluate(in, reanimationCoef, partials);
        double userLoss = 0;
        Map<String, Double> user = Map.of();
        if (!w.userTerms().isEmpty()) {
            user = new LinkedHashMap<>();
            for (LossWeights.Weighted t : w.userTerms()) {
                double v = t.term().evaluate(in, t.coef(), partials);
                user.put(t.term().name(), v);
                userLoss += t.term().loss(t.coef(), v);
            }
        }
        return new Result(reanimation, userLoss, user, partials.sumPre());
    }
}
