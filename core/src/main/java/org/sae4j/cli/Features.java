package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.sae4j.BadInputException;
import org.sae4j.SaeEncoder;
import org.sae4j.features.ContextRows;
import org.sae4j.features.DecoderNeighbours;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureOutput;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;
import org.sae4j.io.NpyDataset;

/**
 * {@code sae4j features --model DIR --data PATH [--tokens tokens.tsv] [--top N] [--context C] --out OUT/}: corpus
 * statistics of every latent in one pass, written in the layout of {@code src/docs/features.md}, and the feature
 * browser {@code OUT/index.html}. OUT is built in a hidden sibling directory and renamed into place, so it appears
 * complete or not at all.
 */
final class Features {
    static final int NEAREST = 8;

    private Features() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = new Args("features", argv, 0, Set.of("--model", "--data", "--tokens", "--top", "--context", "--out",
                "--dense-threshold", "--batch"), Set.of("--force"));
        Path model = Path.of(Models.required(a, "features", "--model", "DIR"));
        Path dataPath = Path.of(Models.required(a, "features", "--data", "PATH"));
        Path outDir = Path.of(Models.required(a, "features", "--out", "DIR")).toAbsolutePath().normalize();
        String tok = a.string("--tokens", null);
        Path tokens = tok == null ? null : Path.of(tok);
        int top = Models.positive(a, "features", "--top", 20);
        int context = a.integer("--context", 8);
        if (context < 0) {
            throw new BadInputException("features --context " + context + ": expected ≥ 0 tokens either side");
        }
        int batch = Models.positive(a, "features", "--batch", 1024);
        double dense = a.number("--dense-threshold", 0.1);
        if (!(dense > 0 && dense <= 1)) {
            throw new BadInputException("features --dense-threshold " + dense + ": expected a fraction of rows in"
                    + " (0, 1]");
        }
        checkOutDir(outDir, a.flag("--force"));

        SaeEncoder enc = SaeEncoder.load(model);
        FeatureData f;
        long t0 = System.nanoTime();
        try (NpyDataset data = NpyDataset.open(dataPath)) {
            if (data.dim() != enc.dim()) {
                throw new BadInputException(data.source() + ": rows have " + data.dim() + " columns; expected the"
                        + " model's dim " + enc.dim() + " (from " + model + ")");
            }
            if (data.rows() == 0) {
                throw new BadInputException(data.source() + ": 0 rows; expected at least one row");
            }
            if (tokens != null) {
                ContextRows.checkRows(tokens, data.rows(), dataPath);
            }
            FeatureStats stats = FeatureScan.run(enc, data, top, batch);
            DecoderNeighbours.Result nn = DecoderNeighbours.compute(enc, NEAREST);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("activation", enc.config().activation().id());
            info.put("k", enc.config().activation().usesK() ? (Object) (long) enc.config().k() : null);
            info.put("context", (long) context);
            info.put("model", model.toString());
            info.put("data", dataPath.toString());
            info.put("tokens", tokens == null ? null : tokens.toString());
            f = FeatureData.of(stats, dense, info, nn.k(), nn.indices(), nn.cosines(), null);
            if (tokens != null) {
                f = f.withContexts(ContextRows.select(tokens, f.topRows(), context));
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        writeAtomically(outDir, f);
        Map<String, Object> i = f.info();
        out.printf(Locale.ROOT, "features of %s on %s (%d rows, %.1f s): R2 %.4f, explained variance %.4f, L0 %.2f,"
                        + " dead %d, dense %d of %d latents -> %s%n", model, dataPath, f.rows(), secs,
                (Double) i.get("r2"), (Double) i.get("explained_variance"), (Double) i.get("l0"), i.get("dead"),
                i.get("dense"), f.latents(), outDir.resolve(FeatureBrowserPage.FILE));
    }

    /** OUT must be new, empty, or (with --force) an earlier features directory ({@link FeatureOutput}). */
    static void checkOutDir(Path dir, boolean force) throws IOException {
        FeatureOutput.checkDir(dir, force);
    }

    static void writeAtomically(Path outDir, FeatureData f) throws IOException {
        FeatureOutput.writeAtomically(outDir, f);
    }
}
