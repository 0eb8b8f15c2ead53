package org.sae4j.features;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the feature browser shows, as it lies on disk ({@code src/docs/features.md}): the summary
 * ({@code features.json}) and the per-latent arrays, row-major. {@link FeatureStatsWriter} writes it,
 * {@link FeatureStatsReader} reads it back, {@link FeatureBrowserPage} renders it.
 *
 * @param info           the {@code features.json} object (keys in {@link FeatureStatsWriter})
 * @param latentStats    latents × 4: count, frequency, mean activation over firing rows, max activation
 * @param topValues      latents × topN activations, best first; padding 0
 * @param topRows        latents × topN global row indices matching {@code topValues}; padding −1
 * @param nearest        latents × nearestK latent indices by decoder cosine, most similar first; padding −1
 * @param nearestCosines latents × nearestK cosines matching {@code nearest}; padding 0
 * @param contexts       the token lines around the top and interval-sample rows, or null when no tokens were given
 * @param distribution   the activation histograms and interval samples, or null (statistics written before them)
 * @param shading        latent j's activation at every context row the page shows for it, or null
 */
public record FeatureData(Map<String, Object> info, int latents, int topN, int nearestK, double[] latentStats,
                          float[] topValues, long[] topRows, int[] nearest, float[] nearestCosines,
                          Contexts contexts, Distribution distribution, Shading shading) {
    /** Interval samples per latent: one from each of this many activation quantile intervals. */
    public static final int SAMPLES = 5;

    /**
     * Per latent: its activation histogram ({@link FeatureStats#BINS} log-spaced bins) and up to {@link #SAMPLES}
     * interval samples, strongest interval first: for the count quantiles 0.9, 0.7, 0.5, 0.3 and 0.1, the bin that
     * holds that quantile and that bin's uniformly drawn sample row (a bin reached twice gives one sample).
     *
     * @param histogram    latents × BINS counts
     * @param sampleRows   latents × SAMPLES rows, −1 padding
     * @param sampleValues latents × SAMPLES activations at those rows, 0 padding
     * @param sampleBins   latents × SAMPLES the bin of each sample, −1 padding
     */
    public record Distribution(long[] histogram, long[] sampleRows, float[] sampleValues, int[] sampleBins) {
        static final double[] QUANTILES = {0.9, 0.7, 0.5, 0.3, 0.1};

        static Distribution of(FeatureStats s) {
            int n = s.latents();
            int bins = FeatureStats.BINS;
            long[] h = new long[n * bins];
            long[] rows = new long[n * SAMPLES];
            float[] vals = new float[n * SAMPLES];
            int[] which = new int[n * SAMPLES];
            java.util.Arrays.fill(rows, -1);
            java.util.Arrays.fill(which, -1);
            for (int j = 0; j < n; j++) {
                s.histogram(j, h, j * bins);
                long total = s.count(j);
                int got = 0;
                int last = -1;
                for (double q : QUANTILES) {
                    if (total == 0) {
                        break;
                    }
                    long want = Math.max(1, (long) Math.ceil(q * total));
                    long cum = 0;
                    int b = 0;
                    while (b < bins && (cum += h[j * bins + b]) < want) {
                        b++;
                    }
                    if (b == last || b == bins) {
                        continue;
                    }
                    last = b;
                    rows[j * SAMPLES + got] = s.binSampleRow(j, b);
                    vals[j * SAMPLES + got] = s.binSampleValue(j, b);
                    which[j * SAMPLES + got] = b;
                    got++;
                }
            }
            return new Distribution(h, rows, vals, which);
        }
    }

    /**
     * Latent j's activation at the context rows around each of its shown rows (top rows, then interval samples):
     * {@code values[((j · (topN + SAMPLES)) + slot) · (2·context + 1) + (row − shownRow + context)]}, 0 where it
     * does not fire (or the row is outside the data).
     */
    public record Shading(int context, float[] values) {
        public int width() {
            return 2 * context + 1;
        }
    }
    /** Columns of {@code latent_stats.npy}. */
    public static final java.util.List<String> STAT_COLUMNS = java.util.List.of("count", "frequency", "mean", "max");

    /** Lines of a tokens file for a selection of rows, ascending. */
    public record Contexts(long[] rows, long[] documents, int[] positions, String[] tokens) {
        public int size() {
            return rows.length;
        }
    }

    /**
     * The data of finished statistics. {@code info} gives the descriptive keys (model, data, tokens, activation,
     * context, …); the computed ones are added here.
     */
    public static FeatureData of(FeatureStats s, double denseThreshold, Map<String, Object> info, int nearestK,
                                 int[] nearest, float[] nearestCosines, Contexts contexts) {
        int n = s.latents();
        int topN = s.topN();
        double[] stats = new double[n * 4];
        float[] tv = new float[n * topN];
        long[] tr = new long[n * topN];
        java.util.Arrays.fill(tr, -1);
        float[] v = new float[topN];
        long[] r = new long[topN];
        for (int j = 0; j < n; j++) {
            stats[j * 4] = s.count(j);
            stats[j * 4 + 1] = s.frequency(j);
            stats[j * 4 + 2] = s.meanActivation(j);
            stats[j * 4 + 3] = s.maxActivation(j);
            int got = s.top(j, v, r);
            System.arraycopy(v, 0, tv, j * topN, got);
            System.arraycopy(r, 0, tr, j * topN, got);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FeatureStatsWriter.FORMAT);
        m.put("version", (long) FeatureStatsWriter.VERSION);
        m.put("rows", s.rows());
        m.put("dim", (long) s.dim());
        m.put("latents", (long) n);
        m.put("top_n", (long) topN);
        m.put("nearest_k", (long) nearestK);
        m.put("dense_threshold", denseThreshold);
        m.put("mse", s.mse());
        m.put("r2", s.r2());
        m.put("explained_variance", s.explainedVariance());
        m.put("l0", s.l0());
        m.put("dead", (long) s.deadCount());
        m.put("dense", (long) s.denseCount(denseThreshold));
        m.put("latent_stats_columns", STAT_COLUMNS);
        m.putAll(info);
        return new FeatureData(m, n, topN, nearestK, stats, tv, tr, nearest, nearestCosines, contexts,
                Distribution.of(s), null);
    }

    /** The same data with {@code contexts} (chosen from this data's {@link #shownRows}). */
    public FeatureData withContexts(Contexts c) {
        return new FeatureData(info, latents, topN, nearestK, latentStats, topValues, topRows, nearest, nearestCosines,
                c, distribution, shading);
    }

    /** The same data with {@code shading} (computed for this data's {@link #shownRows}). */
    public FeatureData withShading(Shading s) {
        return new FeatureData(info, latents, topN, nearestK, latentStats, topValues, topRows, nearest, nearestCosines,
                contexts, distribution, s);
    }

    /** Shown rows per latent: the top rows, then the interval samples. */
    public int shownPerLatent() {
        return topN + SAMPLES;
    }

    /**
     * The rows the page shows in context, latents × {@link #shownPerLatent} (−1 padding): each latent's top rows,
     * then its interval samples.
     */
    public long[] shownRows() {
        int per = shownPerLatent();
        long[] r = new long[latents * per];
        java.util.Arrays.fill(r, -1);
        for (int j = 0; j < latents; j++) {
            System.arraycopy(topRows, j * topN, r, j * per, topN);
            if (distribution != null) {
                System.arraycopy(distribution.sampleRows(), j * SAMPLES, r, j * per + topN, SAMPLES);
            }
        }
        return r;
    }

    public long rows() {
        return ((Number) info.get("rows")).longValue();
    }
}
