package org.sae4j.features;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.TokensTsv;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;
import org.sae4j.io.npy.NpyArrays;

/** Reads the layout {@link FeatureStatsWriter} writes (and any other tool that follows {@code features.md}). */
public final class FeatureStatsReader {
    private FeatureStatsReader() {
    }

    public static FeatureData read(Path dir) throws IOException {
        Path infoFile = dir.resolve(FeatureStatsWriter.INFO);
        if (!Files.isRegularFile(infoFile)) {
            throw new BadInputException(infoFile + ": no such file; expected the features.json of a feature"
                    + " statistics directory");
        }
        Map<String, Object> info = Json.readObject(infoFile);
        JsonFields f = new JsonFields(info, infoFile + ":");
        String format = "\"" + FeatureStatsWriter.FORMAT + "\"";
        Object given = f.require("format", format);
        if (!FeatureStatsWriter.FORMAT.equals(given)) {
            throw f.fail("format", Json.write(given), format);
        }
        long version = f.requireLong("version");
        if (version != FeatureStatsWriter.VERSION) {
            // The reader's one-line refusal users meet after an upgrade; a test asserts it word for word.
            throw new BadInputException(infoFile + ": version " + version + "; expected "
                    + FeatureStatsWriter.VERSION);
        }
        for (String k : List.of("mse", "r2", "explained_variance", "l0", "dense_threshold")) {
            f.requireDouble(k);
        }
        for (String k : List.of("rows", "dead", "dense")) {
            f.requireNonNegativeLong(k);
        }
        int n = f.requireNonNegativeInt("latents");
        int topN = f.requireNonNegativeInt("top_n");
        int nk = f.requireNonNegativeInt("nearest_k");
        double[] stats = NpyArrays.readF8(dir.resolve(FeatureStatsWriter.LATENT_STATS), n, 4);
        float[] tv = NpyArrays.readF4(dir.resolve(FeatureStatsWriter.TOP_VALUES), n, topN);
        long[] tr = NpyArrays.readI8(dir.resolve(FeatureStatsWriter.TOP_ROWS), n, topN);
        int[] nn = NpyArrays.readI4(dir.resolve(FeatureStatsWriter.NEAREST), n, nk);
        float[] nc = NpyArrays.readF4(dir.resolve(FeatureStatsWriter.NEAREST_COSINES), n, nk);
        for (int q = 0; q < nn.length; q++) {
            if (nn[q] < -1 || nn[q] >= n) {
                throw new BadInputException(dir.resolve(FeatureStatsWriter.NEAREST) + ": latent " + q / Math.max(1, nk)
                        + " lists neighbour " + nn[q] + "; expected −1 or 0 ≤ index < " + n);
            }
        }
        FeatureData.Contexts ctx = null;
        Path cf = dir.resolve(FeatureStatsWriter.CONTEXTS);
        if (Files.exists(cf)) {
            ctx = ContextRows.readAll(cf);
        }
        FeatureData.Distribution dist = null;
        if (Files.exists(dir.resolve(FeatureStatsWriter.HISTOGRAM))) {
            int s = FeatureData.SAMPLES;
            dist = new FeatureData.Distribution(
                    NpyArrays.readI8(dir.resolve(FeatureStatsWriter.HISTOGRAM), n, FeatureStats.BINS),
                    NpyArrays.readI8(dir.resolve(FeatureStatsWriter.SAMPLE_ROWS), n, s),
                    NpyArrays.readF4(dir.resolve(FeatureStatsWriter.SAMPLE_VALUES), n, s),
                    NpyArrays.readI4(dir.resolve(FeatureStatsWriter.SAMPLE_BINS), n, s));
        }
        FeatureData.Shading shading = null;
        Path ca = dir.resolve(FeatureStatsWriter.CONTEXT_ACTIVATIONS);
        if (Files.exists(ca) && info.get("context") instanceof Number c) {
            int context = c.intValue();
            shading = new FeatureData.Shading(context,
                    NpyArrays.readF4(ca, n, (topN + FeatureData.SAMPLES) * (2 * context + 1)));
        }
        return new FeatureData(info, n, topN, nk, stats, tv, tr, nn, nc, ctx, dist, shading);
    }
}
