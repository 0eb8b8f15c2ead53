package org.sae4j.train;

import org.sae4j.metrics.DeadTracker;

/**
 * Sums of the step figures over a run of steps, and the latents that fired in none of its batches: the epoch in
 * progress (the {@link Trainer} loop's epoch line and its checkpointed {@link TrainState.EpochProgress}) or a CLI
 * log window ({@code cli.Train}'s progress lines and report points). Means are sums over the batch count.
 */
public final class EpochAccumulator {
    private final DeadTracker tracker;
    private long batches;
    private long rows;
    private double lossSum;
    private double mseSum;
    private double r2Sum;
    private double evSum;
    private double l0Sum;

    public EpochAccumulator(int latents) {
        tracker = new DeadTracker(latents);
    }

    /**
     * Continues an epoch saved in a checkpoint. The checkpoint keeps only what the epoch line needs: rows, mse and
     * explained variance start again from 0 (the log windows, which use them, are not checkpointed).
     */
    void restore(TrainState.EpochProgress p) {
        tracker.restore(p.fired());
        batches = p.batches();
        rows = 0;
        lossSum = p.lossSum();
        mseSum = 0;
        r2Sum = p.r2Sum();
        evSum = 0;
        l0Sum = p.l0Sum();
    }

    public void add(StepStats s) {
        batches++;
        rows += s.rows();
        lossSum += s.loss();
        mseSum += s.mse();
        r2Sum += s.r2();
        evSum += s.explainedVariance();
        l0Sum += s.l0();
        tracker.observe(s.dead());
    }

    /** Batches added since the last reset (or restore). */
    public long batches() {
        return batches;
    }

    /** Rows added since the last reset. */
    public long rows() {
        return rows;
    }

    public double meanLoss() {
        return lossSum / batches;
    }

    public double meanMse() {
        return mseSum / batches;
    }

    public double meanR2() {
        return r2Sum / batches;
    }

    public double meanExplainedVariance() {
        return evSum / batches;
    }

    public double meanL0() {
        return l0Sum / batches;
    }

    /** Fraction of latents that fired in none of the batches. */
    public double deadFraction() {
        return tracker.deadFraction();
    }

    /** The finished epoch's line; {@code batchSize} rows per batch give its tokens/s. */
    EpochStats stats(int epoch, int epochs, long steps, double seconds, int batchSize) {
        return new EpochStats(epoch, epochs, steps, meanLoss(), meanR2(), meanL0(), deadFraction(), seconds,
                seconds > 0 ? (double) batches * batchSize / seconds : 0);
    }

    /** The state to checkpoint mid-epoch. */
    TrainState.EpochProgress progress(double seconds) {
        return new TrainState.EpochProgress(batches, lossSum, r2Sum, l0Sum, tracker.firedMask(), seconds);
    }

    public void reset() {
        tracker.reset();
        batches = 0;
        rows = 0;
        lossSum = 0;
        mseSum = 0;
        r2Sum = 0;
        evSum = 0;
        l0Sum = 0;
    }
}
