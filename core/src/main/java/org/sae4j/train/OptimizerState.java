package org.sae4j.train;

import org.sae4j.model.Sae;

/**
 * Training state beside the parameters: optimizer moments per tensor (same order as {@link Sae#tensors()}), the
 * number of steps taken, and per latent the tokens seen since it last fired (the windowed dead mask).
 */
public final class OptimizerState {
    /** Steps taken so far; Adam's bias correction uses {@code step} after incrementing. */
    public long step;
    public final float[][] m;
    public final float[][] v;
    /** Tokens since latent j last fired (a code {@code z > 0}); dead for AuxK at ≥ the configured window. */
    public final long[] sinceFired;
    /** {@link CoefSchedule.Kind#AUTO}: consecutive steps with the windowed dead fraction under the threshold. */
    public long reanimationCalmSteps;
    /** {@link CoefSchedule.Kind#AUTO}: the term has been switched off for good. */
    public boolean reanimationOff;

    public OptimizerState(Sae sae) {
        sinceFired = new long[sae.latents()];
        float[][] t = sae.tensors();
        m = new float[t.length][];
        v = new float[t.length][];
        for (int i = 0; i < t.length; i++) {
            m[i] = new float[t[i].length];
            v[i] = new float[t[i].length];
        }
    }

    /** The re-animation coefficient for the coming step. */
    public double reanimationCoef(CoefSchedule s) {
        if (s.kind() == CoefSchedule.Kind.AUTO) {
            return reanimationOff ? 0 : s.coef();
        }
        return s.at(step);
    }

    /**
     * After a step ({@link #step} already counts it): lets an AUTO schedule see the windowed dead fraction. Until one
     * full window of tokens has passed no latent can be window-dead yet, so those steps do not count as calm.
     */
    public void observeWindowDeadFraction(CoefSchedule s, double fraction, int rowsPerStep, long windowTokens) {
        if (s.kind() != CoefSchedule.Kind.AUTO || reanimationOff || step * rowsPerStep < windowTokens) {
            return;
        }
        reanimationCalmSteps = fraction < s.threshold() ? reanimationCalmSteps + 1 : 0;
        reanimationOff = reanimationCalmSteps >= s.patience();
    }

    /** Records one batch of {@code rows} tokens in which the latents with {@code deadInBatch[j]} did not fire. */
    public void observeFiring(boolean[] deadInBatch, int rows) {
        for (int j = 0; j < sinceFired.length; j++) {
            sinceFired[j] = deadInBatch[j] ? sinceFired[j] + rows : 0;
        }
    }

    /** Writes the windowed dead mask into {@code out}; returns how many latents are dead. */
    public int windowDead(long windowTokens, boolean[] out) {
        int dead = 0;
        for (int j = 0; j < sinceFired.length; j++) {
            out[j] = sinceFired[j] >= windowTokens;
            dead += out[j] ? 1 : 0;
        }
        return dead;
    }
}
