package org.sae4j.features;

import org.sae4j.Activation;
import org.sae4j.SaeEncoder;
import org.sae4j.io.BatchOptions;
import org.sae4j.io.BatchStream;
import org.sae4j.io.NpyDataset;

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

    /** The statistics of every row of {@code data} ({@code data.dim()} must be the encoder's). */
    public static FeatureStats run(SaeEncoder enc, NpyDataset data, int topN, int batch) {
        return run(enc, data, topN, batch, Long.MAX_VALUE);
    }

    /** As {@link #run(SaeEncoder, NpyDataset, int, int)} over the first {@code maxRows} rows only. */
    public static FeatureStats run(SaeEncoder enc, NpyDataset data, int topN, int batch, long maxRows) {
        int d = enc.dim();
        int n = enc.latents();
        FeatureStats stats = new FeatureStats(d, n, topN);
        int k = enc.config().activation() == Activation.TOPK ? Math.min(n, enc.config().k()) : Math.min(n, FIRST_K);
        BatchStream s = data.batches(BatchOptions.of(batch, 0).withShuffle(false).withDropLast(false), null);
        float[] x = new float[batch * d];
        float[] xhat = new float[batch * d];
        int[] idx = new int[batch * k];
        float[] val = new float[batch * k];
        int[] full = new int[batch];
        float[] one = new float[d];
        float[] oneHat = new float[d];
        long row = 0;
        for (long b = 0; b < s.batchesPerEpoch() && row < maxRows; b++) {
            int rows = (int) Math.min(s.next(x), maxRows - row);
            enc.encode(x, rows, idx, val, k);
            enc.decode(idx, val, rows, k, xhat);
            int nFull = 0;
            for (int r = 0; r < rows; r++) {
                if (k < n && idx[(r + 1) * k - 1] >= 0) {
                    full[nFull++] = r;
                }
            }
            // Full rows may have more codes than slots: encoded again, wider, with their own x̂.
            int next = 0;
            for (int r = 0; r < rows; r++) {
                if (next < nFull && full[next] == r) {
                    next++;
                    System.arraycopy(x, r * d, one, 0, d);
                    wide(enc, stats, one, oneHat, row + r, k, n);
                } else {
                    stats.observeRow(row + r, x, xhat, r * d, idx, val, r * k, k);
                }
            }
            row += rows;
        }
        return stats;
    }

    /** Encodes one row with ever more slots until one stays empty (or all latents fit), then observes it. */
    private static void wide(SaeEncoder enc, FeatureStats stats, float[] x, float[] xhat, long row, int k, int n) {
        int kk = k;
        int[] idx;
        float[] val;
        do {
            kk = (int) Math.min(n, 4L * kk);
            idx = new int[kk];
            val = new float[kk];
            enc.encode(x, 1, idx, val, kk);
        } while (kk < n && idx[kk - 1] >= 0);
        enc.decode(idx, val, 1, kk, xhat);
        stats.observeRow(row, x, xhat, 0, idx, val, 0, kk);
    }
}
