package org.sae4j.train;

import java.util.SplittableRandom;
import org.sae4j.data.BatchStream;

/**
 * Where {@link Trainer}'s one fit loop takes its batches from: an in-memory array shuffled per epoch, or a
 * {@code .npy} {@link BatchStream}. The loop asks only for the next batch and whether it closed an epoch.
 */
interface BatchSource {

    /** Rows of a full batch (the epoch line's tokens/s and the batch buffer's size). */
    int batchSize();

    /** The epoch (from 0) the next batch belongs to. */
    long epoch();

    /** Fills {@code x} with the next batch; returns its rows. */
    int next(float[] x);

    /** True when the batch just read was the last of its epoch. */
    boolean epochEnded();

    static BatchSource of(BatchStream s) {
        return new BatchSource() {
            @Override
            public int batchSize() {
                return s.batchSize();
            }

            @Override
            public long epoch() {
                return s.position().epoch();
            }

            @Override
            public int next(float[] x) {
                return s.next(x);
            }

            @Override
            public boolean epochEnded() {
                return s.position().batch() == 0; // the stream moved on to the next epoch
            }
        };
    }

    /**
     * Rows of a validated row-major array in seeded shuffled batches of {@code batch} rows, {@code perEpoch} batches
     * an epoch (a trailing partial batch is dropped).
     */
    final class Shuffled implements BatchSource {
        private final float[] data;
        private final int dim;
        private final int batch;
        private final long perEpoch;
        private final long seed;
        private final int[] order;
        private long epoch;
        private long batchInEpoch;

        Shuffled(float[] data, int rows, int dim, int batch, long perEpoch, long seed) {
            this.data = data;
            this.dim = dim;
            this.batch = batch;
            this.perEpoch = perEpoch;
            this.seed = seed;
            this.order = new int[rows];
        }

        @Override
        public int batchSize() {
            return batch;
        }

        @Override
        public long epoch() {
            return epoch;
        }

        @Override
        public int next(float[] x) {
            if (batchInEpoch == 0) {
                shuffle();
            }
            for (int r = 0; r < batch; r++) {
                System.arraycopy(data, order[(int) (batchInEpoch * batch + r)] * dim, x, r * dim, dim);
            }
            if (++batchInEpoch == perEpoch) {
                batchInEpoch = 0;
                epoch++;
            }
            return batch;
        }

        @Override
        public boolean epochEnded() {
            return batchInEpoch == 0;
        }

        // Fisher-Yates with a generator derived from (seed, epoch): any epoch's order can be rebuilt on its own.
        private void shuffle() {
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (int) epoch);
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }
}
