package org.sae4j.features;

import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;

/**
 * One streaming pass over a dataset in file order: {@link SaeEncoder}'s batch encoder (the GEMM on every core of its
 * pool), the reconstruction, and {@link FeatureStats}. Inputs are the raw rows; the encoder applies the model's
 * standardisation and returns reconstructions in the data's units, so MSE, R² and explained variance are in the
 * data's units.
 *
 * <p>No firing latent is lost: a row is first encoded with {@code k} slots (the model's k for TopK, else
 * {@value #FIRST_K}); a row that fills all of them is encoded again with 4× as many, up to every latent, until it
 * leaves a slot empty. ReLU, JumpReLU and BatchTopK rows pay for the wider heaps only where they are that dense.
 */
public final class FeatureScan {
    static final int FIRST_K = 64;

    private FeatureScan() {
    }

    /**
     * The statistics of every row of {@code data} ({@code data.dim()} must be the encoder's; a transcoder's data is
     * {@link NpyDataset#paired} with its targets, against which the reconstruction figures are taken).
     */
    public static FeatureStats run(SaeEncoder enc, NpyDataset data, int topN, int batch) {
        return run(enc, data, topN, batch, Long.MAX_VALUE);
    }

    /** As {@link #run(SaeEncoder, NpyDataset, int, int)} over the first {@code maxRows} rows only. */
    public static FeatureStats run(SaeEncoder enc, NpyDataset data, int topN, int batch, long maxRows) {
        int d = enc.dim();
        int dOut = enc.outDim();
        int n = enc.latents();
        boolean pairs = transcoder(enc);
        if (pairs != (data.target() != null)) {
            throw new org.sae4j.BadInputException(data.source() + ": " + (pairs ? "the model is a transcoder; expected"
                    + " its targets beside the inputs (--target PATH)" : "targets are for transcoders; this model"
                    + " reconstructs its own input"));
        }
        FeatureStats stats = new FeatureStats(dOut, n, topN);
        int k = firstK(enc);
        BatchStream s = data.batches(BatchOptions.of(batch, 0).withShuffle(false).withDropLast(false), null);
        org.sae4j.data.RowPairs buf = new org.sae4j.data.RowPairs(batch, d, dOut, pairs);
        long row = 0;
        for (long b = 0; b < s.batchesPerEpoch() && row < maxRows; b++) {
            int rows = (int) Math.min(s.next(buf.in), maxRows - row);
            buf.split(rows);
            codes(enc, stats::observeRow, buf.x, buf.y, null, row, rows, k);
            row += rows;
        }
        return stats;
    }

    private static boolean transcoder(SaeEncoder enc) {
        return enc.config().transcoder() != null;
    }

    /**
     * Adds {@code rows} raw rows of {@code x} with global indices {@code firstRow, firstRow + 1, …} to
     * {@code stats}, exactly as {@link #run} does for each batch: for a distributed pass that feeds its own row
     * ranges. An autoencoder's only: a transcoder's figures need its targets.
     */
    public static void observe(SaeEncoder enc, FeatureStats stats, float[] x, long firstRow, int rows) {
        if (transcoder(enc)) {
            throw new org.sae4j.BadInputException("feature statistics of a transcoder need its targets; expected"
                    + " an autoencoder here");
        }
        codes(enc, stats::observeRow, x, x, null, firstRow, rows, firstK(enc));
    }

    private static int firstK(SaeEncoder enc) {
        int n = enc.latents();
        return enc.config().activation().atMostKPerRow() ? Math.min(n, enc.config().k()) : Math.min(n, FIRST_K);
    }

    /**
     * Where {@link #codes} delivers each row: as {@link FeatureStats#observeRow} takes it (the row's target and the
     * model's output at {@code off}; null when the caller gave no targets).
     */
    interface RowSink {
        void accept(long row, float[] y, float[] yhat, int off, int[] idx, float[] val, int codeOff, int k);
    }

    /** Every firing code of {@code rows} rows of {@code x} (global rows {@code ids}) into {@code sink}, no outputs. */
    static void codes(SaeEncoder enc, RowSink sink, float[] x, long[] ids, int rows) {
        codes(enc, sink, x, null, ids, 0, rows, firstK(enc));
    }

    /**
     * Encodes {@code rows} rows with {@code k} slots and delivers those that left a slot empty (or cannot have more
     * codes), with the model's output beside their targets {@code y} (the inputs for an autoencoder; null: no
     * outputs); the rest, which may have more codes than slots, go again as one smaller batch with 4× the slots.
     * Row {@code r}'s global index is {@code ids[r]}, or {@code firstRow + r} when {@code ids} is null.
     */
    private static void codes(SaeEncoder enc, RowSink sink, float[] x, float[] y, long[] ids, long firstRow,
                              int rows, int k) {
        int d = enc.dim();
        int dOut = enc.outDim();
        int n = enc.latents();
        // TopK and GroupMax never have more than their k codes; every other activation may have up to n.
        boolean bounded = k == n || (enc.config().activation().atMostKPerRow() && k >= enc.config().k());
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        float[] yhat = y == null ? null : new float[rows * dOut];
        enc.encode(x, rows, idx, val, k);
        if (yhat != null) {
            enc.decode(idx, val, rows, k, yhat);
            enc.addSkip(x, rows, yhat);
        }
        int full = 0;
        for (int r = 0; r < rows; r++) {
            if (!bounded && idx[(r + 1) * k - 1] >= 0) {
                full++;
            } else {
                sink.accept(ids == null ? firstRow + r : ids[r], y, yhat, r * dOut, idx, val, r * k, k);
            }
        }
        if (full == 0) {
            return;
        }
        float[] x2 = new float[full * d];
        float[] y2 = y == null ? null : new float[full * dOut];
        long[] ids2 = new long[full];
        int f = 0;
        for (int r = 0; r < rows; r++) {
            if (idx[(r + 1) * k - 1] >= 0) {
                System.arraycopy(x, r * d, x2, f * d, d);
                if (y2 != null) {
                    System.arraycopy(y, r * dOut, y2, f * dOut, dOut);
                }
                ids2[f++] = ids == null ? firstRow + r : ids[r];
            }
        }
        codes(enc, sink, x2, y2, ids2, 0, full, (int) Math.min(n, 4L * k));
    }
}
