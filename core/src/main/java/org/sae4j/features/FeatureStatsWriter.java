package org.sae4j.features;

import java.io.IOException;
import java.nio.file.Path;
import org.sae4j.data.TokensTsv;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;

/**
 * Writes {@link FeatureData} in the layout of {@code src/docs/features.md}: {@code features.json},
 * {@code latent_stats.npy} (&lt;f8, latents × 4), {@code top_values.npy} (&lt;f4, latents × top_n),
 * {@code top_rows.npy} (&lt;i8, latents × top_n), {@code nearest_latents.npy} (&lt;i4, latents × nearest_k),
 * {@code nearest_cosines.npy} (&lt;f4, latents × nearest_k) and, with tokens, {@code contexts.tsv} (the
 * {@code tokens.tsv} format, a selection of rows); then {@code latent_histogram.npy} (&lt;i8, latents × 60),
 * {@code sample_rows.npy} (&lt;i8), {@code sample_values.npy} (&lt;f4) and {@code sample_bins.npy} (&lt;i4), latents ×
 * 5 each, and with tokens {@code context_activations.npy} (&lt;f4, latents × (top_n + 5)·(2·context + 1)): see
 * {@link FeatureData.Distribution} and {@link FeatureData.Shading}. Readers of the first layout ignore them.
 */
public final class FeatureStatsWriter {
    public static final String FORMAT = "sae4j-features";
    public static final int VERSION = 1;
    public static final String INFO = "features.json";
    public static final String LATENT_STATS = "latent_stats.npy";
    public static final String TOP_VALUES = "top_values.npy";
    public static final String TOP_ROWS = "top_rows.npy";
    public static final String NEAREST = "nearest_latents.npy";
    public static final String NEAREST_COSINES = "nearest_cosines.npy";
    public static final String CONTEXTS = "contexts.tsv";
    public static final String HISTOGRAM = "latent_histogram.npy";
    public static final String SAMPLE_ROWS = "sample_rows.npy";
    public static final String SAMPLE_VALUES = "sample_values.npy";
    public static final String SAMPLE_BINS = "sample_bins.npy";
    public static final String CONTEXT_ACTIVATIONS = "context_activations.npy";

    private FeatureStatsWriter() {
    }

    /** Writes every file into {@code dir} (created if missing). */
    public static void write(Path dir, FeatureData f) throws IOException {
        int n = f.latents();
        NpyWriter.writeF64(dir.resolve(LATENT_STATS), f.latentStats(), n, 4);
        NpyWriter.writeF32(dir.resolve(TOP_VALUES), f.topValues(), n, f.topN());
        NpyWriter.writeI64(dir.resolve(TOP_ROWS), f.topRows(), n, f.topN());
        NpyWriter.writeI32(dir.resolve(NEAREST), f.nearest(), n, f.nearestK());
        NpyWriter.writeF32(dir.resolve(NEAREST_COSINES), f.nearestCosines(), n, f.nearestK());
        FeatureData.Contexts c = f.contexts();
        if (c != null) {
            try (TokensTsv.TokenWriter w = TokensTsv.writer(dir.resolve(CONTEXTS))) {
                for (int i = 0; i < c.size(); i++) {
                    w.write(c.rows()[i], c.documents()[i], c.positions()[i], c.tokens()[i]);
                }
                w.commit();
            }
        }
        FeatureData.Distribution h = f.distribution();
        if (h != null) {
            int s = FeatureData.SAMPLES;
            NpyWriter.writeI64(dir.resolve(HISTOGRAM), h.histogram(), n, FeatureStats.BINS);
            NpyWriter.writeI64(dir.resolve(SAMPLE_ROWS), h.sampleRows(), n, s);
            NpyWriter.writeF32(dir.resolve(SAMPLE_VALUES), h.sampleValues(), n, s);
            NpyWriter.writeI32(dir.resolve(SAMPLE_BINS), h.sampleBins(), n, s);
        }
        if (f.shading() != null) {
            NpyWriter.writeF32(dir.resolve(CONTEXT_ACTIVATIONS), f.shading().values(), n,
                    f.shownPerLatent() * f.shading().width());
        }
        AtomicFiles.writeString(dir.resolve(INFO), Json.writePretty(f.info()) + "\n");
    }
}
