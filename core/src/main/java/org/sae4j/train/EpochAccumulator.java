package org.sae4j.train;

import org.sae4j.metrics.DeadTracker;

/** The running figures of the epoch in progress (overcomplete's epoch line); both training loops share it. */
final class EpochAccumulator {
    private final DeadTracker tracker;
    private long batches;
    private double lossSum;
    private double r2Sum;
    private double l0Sum;

    EpochAccumulator(int latents) {
        tracker = new DeadTracker(latents);
    }

    /** Continues an epoch saved in a checkpoint. */
    void restore(TrainState.EpochProgress p) {
        tracker.restore(p.fired());
        batches = p.batches();
        lossSum = p.lossSum();
        r2Sum = p.r2Sum();
        l0Sum = p.l0Sum();
    }

    void add(StepStats s) {
        batches++;
        lossSum += s.loss();
        r2Sum += s.r2();
        l0Sum += s.l0();
        tracker.observe(s.dead());
    }

    /** The finished epoch's line; {@code batchSize} rows per batch give its tokens/s. */
    EpochStats stats(int epoch, int epochs, long steps, double seconds, int batchSize) {
        return new EpochStats(epoch, epochs, steps, lossSum / batches, r2Sum / batches, l0Sum / batches,
                tracker.deadFraction(), seconds, seconds > 0 ? (double) batches * batchSize / seconds : 0);
    }

    /** The state to checkpoint mid-epoch. */
    TrainState.EpochProgress progress(double seconds) {
        return new TrainState.EpochProgress(batches, lossSum, r2Sum, l0Sum, tracker.firedMask(), seconds);
    }

    void reset() {
        tracker.reset();
        batches = 0;
        lossSum = 0;
        r2Sum = 0;
        l0Sum = 0;
    }
}
