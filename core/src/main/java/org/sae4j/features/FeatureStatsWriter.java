package org.sae4j.features;

import java.io.IOException;
import java.nio.file.Path;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.Json;
import org.sae4j.io.NpyWriter;
import org.sae4j.io.TokensTsv;

/**
 * Writes {@link FeatureData} in the layout of {@code src/docs/features.md}: {@code features.json},
 * {@code latent_stats.npy} (&lt;f8, latents × 4), {@code top_values.npy} (&lt;f4, latents × top_n),
 * {@code top_rows.npy} (&lt;i8, latents × top_n), {@code nearest_latents.npy} (&lt;i4, latents × nearest_k),
 * {@code nearest_cosines.npy} (&lt;f4, latents × nearest_k) and, with tokens, {@code contexts.tsv} (the
 * {@code tokens.tsv} format, a selection of rows).
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
        AtomicFiles.writeString(dir.resolve(INFO), Json.writePretty(f.info()) + "\n");
    }
}
