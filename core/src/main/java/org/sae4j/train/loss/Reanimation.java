package org.sae4j.train.loss;

/**
 * The seed's re-animation term through the {@link LossTerm} contract: {@code reanim = perPre · Σ_j dead_j ·
 * Σ_b pre_bj}, entering the loss as {@code −coef · reanim}, with {@code perPre = 1/(B·n)} (seed) or
 * {@code 1/(dead + 1e-6)} (overcomplete) and the dead mask the batch's or the window's. The mask and the count are
 * held constant (stop-gradient), so ∂L/∂(Σ_b pre_bj) = −coef·perPre on dead latents.
 */
public final class Reanimation implements LossTerm {
    private final boolean perDeadLatent;
    private final boolean windowMask;

    /**
     * @param perDeadLatent overcomplete's normalisation by the dead count, instead of the seed's batch mean
     * @param windowMask    dead means "not fired within the window" instead of "fired nowhere in this batch"
     */
    public Reanimation(boolean perDeadLatent, boolean windowMask) {
        this.perDeadLatent = perDeadLatent;
        this.windowMask = windowMask;
    }

    @Override
    public String name() {
        return "reanimation";
    }

    @Override
    public double evaluate(LatentInputs in, double coef, LatentPartials out) {
        int n = in.latents();
        int deadCount = windowMask ? in.windowDeadCount() : in.batchDeadCount();
        double perPre = perDeadLatent ? 1.0 / (deadCount + 1e-6) : 1.0 / ((double) in.rows() * n);
        double grad = coef != 0 ? -coef * perPre : 0;
        double deadPreSum = 0;
        for (int j = 0; j < n; j++) {
            boolean dead = windowMask ? in.windowDead(j) : in.batchDead(j);
            deadPreSum += dead ? in.sumPre(j) : 0;
            if (dead && grad != 0) {
                out.addSumPre(j, grad);
            }
        }
        return deadPreSum * perPre;
    }

    @Override
    public double loss(double coef, double value) {
        return -coef * value;
    }
}
