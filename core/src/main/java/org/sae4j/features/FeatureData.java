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
 * @param contexts       the token lines around the top rows, or null when no tokens were given
 */
public record FeatureData(Map<String, Object> info, int latents, int topN, int nearestK, double[] latentStats,
                          float[] topValues, long[] topRows, int[] nearest, float[] nearestCosines,
                          Contexts contexts) {
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
        return new FeatureData(m, n, topN, nearestK, stats, tv, tr, nearest, nearestCosines, contexts);
    }

    /** The same data with {@code contexts} (chosen from this data's top rows). */
    public FeatureData withContexts(Contexts c) {
        return new FeatureData(info, latents, topN, nearestK, latentStats, topValues, topRows, nearest, nearestCosines,
                c);
    }

    public long rows() {
        return ((Number) info.get("rows")).longValue();
    }
}
