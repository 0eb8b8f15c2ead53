package org.sae4j.train;

/**
 * Learning rate: linear warm-up over {@code warmupSteps} (step s uses {@code lr·(s+1)/warmup}), then cosine decay
 * from {@code lr} to {@code lr·minRatio} at {@code totalSteps}. {@code totalSteps ≤ 0} disables the decay.
 */
public record LrSchedule(double lr, long warmupSteps, long totalSteps, double minRatio) {

    public static LrSchedule constant(double lr) {
        return new LrSchedule(lr, 0, 0, 1.0);
    }

    /** Rate in force at 0-based {@code step}. */
    public double at(long step) {
        if (step < warmupSteps) {
            return lr * (double) (step + 1) / (double) warmupSteps;
        }
        if (totalSteps <= warmupSteps) {
            return lr;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (double) (totalSteps - warmupSteps));
        double cos = 0.5 * (1 + Math.cos(Math.PI * progress));
        return lr * (minRatio + (1 - minRatio) * cos);
    }
}
