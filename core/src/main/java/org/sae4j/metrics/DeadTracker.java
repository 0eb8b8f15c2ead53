package org.sae4j.metrics;

/**
 * Tracks which latents fired at least once since the last {@link #reset()}; overcomplete's "dead features" over an
 * epoch. Feed it each batch's dead mask.
 */
public final class DeadTracker {
    private final boolean[] fired;

    public DeadTracker(int latents) {
        fired = new boolean[latents];
    }

    /** Records a batch: latent j fired in it when {@code deadInBatch[j]} is false. */
    public void observe(boolean[] deadInBatch) {
        for (int j = 0; j < fired.length; j++) {
            if (!deadInBatch[j]) {
                fired[j] = true;
            }
        }
    }

    /** Fraction of latents that did not fire in any observed batch. */
    public double deadFraction() {
        int dead = 0;
        for (boolean f : fired) {
            if (!f) {
                dead++;
            }
        }
        return fired.length == 0 ? 0 : (double) dead / fired.length;
    }

    public void reset() {
        java.util.Arrays.fill(fired, false);
    }

    /** A copy of the mask of latents that fired since the last reset (for checkpoints). */
    public boolean[] firedMask() {
        return fired.clone();
    }

    /** Restores a mask saved by {@link #firedMask()}. */
    public void restore(boolean[] mask) {
        if (mask.length != fired.length) {
            throw new IllegalArgumentException("mask of " + mask.length + " latents; tracker has " + fired.length);
        }
        System.arraycopy(mask, 0, fired, 0, fired.length);
    }
}
