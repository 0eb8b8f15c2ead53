package org.sae4j.train;

/** One optimisation step on a batch: loss, gradients, clipping, update. Owns the model's optimizer state. */
public interface TrainStep extends AutoCloseable {

    /** Runs step {@code state().step} on {@code rows} rows of {@code x} from {@code off}, updating the model. */
    StepStats step(float[] x, int off, int rows, int epoch);

    OptimizerState state();

    @Override
    void close();
}
