package org.sae4j.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sae4j.train.loss.L0;
import org.sae4j.train.loss.L1;
import org.sae4j.train.loss.LatentInputs;
import org.sae4j.train.loss.LatentPartials;
import org.sae4j.train.loss.LossTerm;
import org.sae4j.train.loss.PreAct;
import org.sae4j.train.loss.Reanimation;

/**
 * Runs the step's {@link LossTerm}s over the batch's per-latent aggregates in a fixed order — the built-in
 * re-animation, L1 and JumpReLU pre-activation terms, then the user terms in registration order — all adding to one {@link LatentPartials}:
 * first their shares of ∂L/∂z before the forward pass ({@link #codeGradients}), then their values and the rest of
 * their gradients ({@link #run}). {@link FusedStep} and
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
     * @param l1          the L1 quantity before λ₁
     * @param l0          the L0 quantity before λ₀ (JumpReLU; 0 otherwise)
     * @param preAct      the pre-activation loss before its λ ({@link PreAct}; 0 when off)
     * @param userLoss    Σ of the user terms' contributions to the loss
     * @param user        each user term's value before its coefficient, by name
     * @param dSumPre     ∂L/∂(Σ_b pre_bj) per latent, null when no term wrote one (this object's buffer)
     * @param dDecNorm    ∂L/∂‖W_dec[j]‖ per latent, null when no term wrote one (this object's buffer)
     */
    record Result(double reanimation, double l1, double l0, double preAct, double userLoss, Map<String, Double> user, double[] dSumPre,
                  double[] dDecNorm) {
    }

    /** The terms' shares known before the forward pass: ∂L/∂(Σ_b z_bj) and ∂L/∂count_j (each null when none). */
    record CodeShares(double[] dSumZ, double[] dCount) {
    }

    /**
     * Before the forward pass, from what is known then.
     *
     * @param l1Coef the L1 coefficient whose gradient counts (0: none)
     * @param l0Coef the L0 coefficient whose gradient counts (0: none; JumpReLU only)
     */
    CodeShares codeGradients(LatentInputs before, LossWeights w, double l1Coef, double l0Coef) {
        partials.clear();
        l1(w).codeGradient(before, l1Coef, partials);
        L0_TERM.codeGradient(before, l0Coef, partials);
        for (LossWeights.Weighted t : w.userTerms()) {
            t.term().codeGradient(before, t.coef(), partials);
        }
        return new CodeShares(partials.sumZ(), partials.count());
    }

    // The built-in terms hold only their form: one instance per form, for the run.
    private static final L0 L0_TERM = new L0();
    private static final PreAct PRE_ACT = new PreAct();
    private static final L1 L1_PLAIN = new L1(false);
    private static final L1 L1_WEIGHTED = new L1(true);
    /** By (per dead latent, window mask): [false,false], [false,true], [true,false], [true,true]. */
    private static final Reanimation[] REANIMATION = {new Reanimation(false, false), new Reanimation(false, true),
            new Reanimation(true, false), new Reanimation(true, true)};

    private static L1 l1(LossWeights w) {
        return w.l1DecoderNormWeighted() ? L1_WEIGHTED : L1_PLAIN;
    }

    /**
     * After the forward pass (and {@link #codeGradients} on the same batch).
     *
     * @param reanimationCoef the re-animation coefficient whose gradient counts (0: value only)
     * @param l1Coef          the L1 coefficient whose gradient counts (0: value only)
     * @param jump            JumpReLU: the L0 term's value counts (0 otherwise)
     * @param windowMask      the re-animation term reads the window's dead mask instead of the batch's
     * @param preActCoef      the pre-activation loss's λ (JumpReLU only; 0: not evaluated at all, since its value
     *                        costs a Σ pre per dead latent)
     */
    Result run(LatentInputs in, LossWeights w, double reanimationCoef, double l1Coef, boolean jump,
               boolean windowMask, double preActCoef) {
        Reanimation re = REANIMATION[(w.reanimationForm() == ReanimationForm.OVERCOMPLETE ? 2 : 0)
                + (windowMask ? 1 : 0)];
        double reanimation = re.evaluate(in, reanimationCoef, partials);
        double l1 = l1(w).evaluate(in, l1Coef, partials);
        double l0 = jump ? L0_TERM.evaluate(in, 0, partials) : 0;
        double preAct = jump && preActCoef != 0 ? PRE_ACT.evaluate(in, preActCoef, partials) : 0;
        double userLoss = 0;
        Map<String, Double> user = Map.of();
        if (!w.userTerms().isEmpty()) {
            user = new LinkedHashMap<>(); // StepStats keeps an unmodifiable copy
            for (LossWeights.Weighted t : w.userTerms()) {
                double v = t.term().evaluate(in, t.coef(), partials);
                user.put(t.term().name(), v);
                userLoss += t.term().loss(t.coef(), v);
            }
        }
        return new Result(reanimation, l1, l0, preAct, userLoss, user, partials.sumPre(), partials.decoderNorm());
    }
}
