package org.sae4j.train;

/** BatchTopK's inference threshold: the running mean over training batches of the smallest kept value. */
final class BatchThreshold {
    private BatchThreshold() {
    }

    /** The mean after folding in batch {@code t} (1-based) whose smallest kept value was {@code batchValue}. */
    static float mean(float current, double batchValue, long t) {
        return (float) (current + (batchValue - current) / t);
    }
}
