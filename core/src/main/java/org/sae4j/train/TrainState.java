package org.sae4j.train;

import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.model.Sae;

/**
 * Everything a stream run needs to continue bit for bit: the model, the optimizer moments and step count, the
 * hyper-parameters, how batches are drawn and where the next one comes from, and the running figures of the
 * current epoch. The data order is a pure function of (batch options, epoch), so the position is the whole of the
 * data RNG's state; parameter initialisation happens once and its seed lives in the model's config.
 *
 * <p>The arrays are the trainer's live ones when handed to a {@link Checkpointer}: write them before returning.
 *
 * @param sae        the model
 * @param optimizer  Adam moments and the number of steps taken ({@code optimizer.step})
 * @param config     hyper-parameters of the run
 * @param batches    how the data stream draws batches (batch size, seed, shuffling)
 * @param next       position of the next batch
 * @param dataRows   rows of the dataset the run trains on: a resume on other data would not be the same run
 * @param totalSteps length of the run the schedules were built for
 * @param epoch      running figures of the epoch in progress
 */
public record TrainState(Sae sae, OptimizerState optimizer, TrainConfig config, BatchOptions batches,
                         BatchStream.Position next, long dataRows, long totalSteps, EpochProgress epoch) {

    /** The number of steps taken so far. */
    public long step() {
        return optimizer.step;
    }

    /**
     * Sums over the batches of the epoch in progress, so that a resumed epoch reports the same {@link EpochStats}
     * as an uninterrupted one (apart from wall time).
     *
     * @param batches batches seen in this epoch
     * @param lossSum sum of batch losses
     * @param r2Sum   sum of batch R² (scalar-mean form)
     * @param l0Sum   sum of batch L0
     * @param fired   latents that fired in at least one batch of this epoch
     * @param seconds wall time spent in this epoch so far
     */
    public record EpochProgress(long batches, double lossSum, double r2Sum, double l0Sum, boolean[] fired,
                                double seconds) {
        public static EpochProgress start(int latents) {
            return new EpochProgress(0, 0, 0, 0, new boolean[latents], 0);
        }
    }
}
