package org.sae4j.train;

import java.io.IOException;

/** Receives the trainer's state at checkpoint steps (e.g. to write a checkpoint directory). */
@FunctionalInterface
public interface Checkpointer {
    /** Saves {@code state}; the arrays in it are live, so this must finish writing before it returns. */
    void save(TrainState state) throws IOException;
}
