package org.sae4j.train;

/** Receives progress from a {@link Trainer}; called on the training thread, so keep it cheap. */
public interface TrainListener {
    default void onStep(StepStats s) {
    }

    default void onEpoch(EpochStats e) {
    }

    /** A periodic checkpoint at {@code step} failed and training goes on ({@link Trainer#retryFailedSaves}). */
    default void onSaveFailed(long step, java.io.IOException cause) {
    }
}
