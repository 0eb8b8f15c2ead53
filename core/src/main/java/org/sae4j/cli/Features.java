package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.features.ContextRows;
import org.sae4j.features.ContextShading;
import org.sae4j.features.DecoderNeighbours;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureOutput;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;

/**
 * {@code sae4j features --model DIR --data PATH [--tokens tokens.tsv] [--top N] [--context C] --out OUT/}: corpus
 * statistics of every latent in one pass, written in the layout of {@code src/docs/features.md}, and the feature
 * browser {@code OUT/index.html}. OUT is built in a hidden sibling directory and renamed into place, so it appears
 * complete or not at all.
 */
final class Features {
    static final int NEAREST = 8;

    static final Opt<Path> MODEL = Opt.path("--model", "DIR", "a sae4j model folder").asRequired();
    static final Opt<Path> TARGET = Opt.path("--target", "PATH", "a transcoder's targets, row-aligned with --data (its"
            + " reconstruction figures compare the output with them)");
    static final Opt<Path> OUT = Opt.path("--out", "DIR", "where statistics and browser go").asRequired();
    static final Opt<Path> TOKENS = Opt.path("--tokens", "tokens.tsv", "one token per data row (from activations):"
            + " contexts in the browser");
    static final Opt<Integer> TOP = Opt.integer("--top", "N", "top rows kept per latent").withDefault("20");
    static final Opt<Integer> CONTEXT = Opt.integer("--context", "C", "tokens shown either side of a top row")
            .withDefault("8");
    static final Opt<Double> DENSE_THRESHOLD = Opt.number("--dense-threshold", "F", "a latent firing on more than"
            + " this fraction of rows is dense").withDefault("0.1");
    static final Opt<Path> SPLICE = Opt.path("--splice", "FILE.json", "'sae4j splice --json' of this model: its"
            + " downstream figures go in features.json and the page");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "replace an earlier features directory; use rows of"
            + " another tensor than the model was trained on");
    static final OptionTable OPTIONS = OptionTable.of("features", "per-latent statistics and a feature browser",
            List.of("frequency, mean, max, top rows per latent + OUT/index.html feature browser"),
            Opt.options(List.of(MODEL, Models.DATA, TARGET, OUT, TOKENS, TOP, CONTEXT, DENSE_THRESHOLD, Models.BATCH,
                    SPLICE, FORCE)));

    /** features.json's fingerprint of the model's parameters ({@link org.sae4j.model.Sae#parameterSha256()}). */
    static final String MODEL_SHA256 = "model_parameters_sha256";

    private Features() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = a.required(MODEL);
        Path dataPath = a.required(Models.DATA);
        Path outDir = a.required(OUT).toAbsolutePath().normalize();
        Path tokens = a.get(TOKENS);
        int top = Models.positive(a, TOP);
        int context = a.get(CONTEXT);
        if (context < 0) {
            throw new BadInputException("features --context " + context + ": expected ≥ 0 tokens either side");
        }
        int batch = Models.positive(a, Models.BATCH);
        double dense = a.get(DENSE_THRESHOLD);
        if (!(dense > 0 && dense <= 1)) {
            throw new BadInputException("features --dense-threshold " + dense + ": expected a fraction of rows in"
                    + " (0, 1]");
        }
        // OUT must be new, empty, or (with --force) an earlier features directory.
        FeatureOutput.checkDir(outDir, a.get(FORCE));

        Map<String, Object> splice = a.get(SPLICE) == null ? null : SpliceFigures.read(a.get(SPLICE));
        LoadedModel lm = ModelFormats.load(model, ImportOptions.DEFAULT);
        SaeEncoder enc = SaeEncoder.of(lm.sae(), lm.standardizer(), KernelPool.common());
        FeatureData f;
        long t0 = System.nanoTime();
        try (NpyDataset pairs = Models.openData(dataPath, a.get(TARGET))) {
            Models.checkWidth(pairs, lm.sae(), model);
            NpyDataset data = pairs.input(); // contexts and shading read the inputs; the figures, the pairs
            Models.checkSource(a, a.get(FORCE), lm.source(), dataPath, model);
            Models.checkRows(data);
            if (tokens != null) {
                ContextRows.checkRows(tokens, data.rows(), dataPath);
            }
            FeatureStats stats = FeatureScan.run(enc, pairs, top, batch);
            DecoderNeighbours.Result nn = DecoderNeighbours.compute(enc, NEAREST);
            f = FeatureData.of(stats, dense, info(enc, lm, model, dataPath, tokens, context, splice), nn.k(),
                    nn.indices(), nn.cosines(), null);
            if (tokens != null) {
                f = f.withContexts(ContextRows.select(tokens, f.shownRows(), context));
                f = f.withShading(ContextShading.compute(enc, data, f, context, batch));
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        FeatureOutput.writeAtomically(outDir, f);
        Map<String, Object> i = f.info();
        out.printf(Locale.ROOT, "features of %s on %s (%d rows, %.1f s): R2 %.4f, explained variance %.4f, L0 %.2f,"
                        + " dead %d, dense %d of %d latents -> %s%n", model, dataPath, f.rows(), secs,
                (Double) i.get("r2"), (Double) i.get("explained_variance"), (Double) i.get("l0"), i.get("dead"),
                i.get("dense"), f.latents(), outDir.resolve(FeatureBrowserPage.FILE));
        if (splice != null) {
            out.println("  " + SpliceFigures.line(splice));
        }
    }

    /** What features.json records of the run: the model, its fingerprint, the data, the options that shape it. */
    private static Map<String, Object> info(SaeEncoder enc, LoadedModel lm, Path model, Path dataPath, Path tokens,
                                            int context, Map<String, Object> splice) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("activation", enc.config().activation().id());
        info.put("k", enc.config().activation().usesK() ? (Object) (long) enc.config().k() : null);
        info.put("context", (long) context);
        info.put("model", model.toString());
        info.put(MODEL_SHA256, lm.sae().parameterSha256());
        info.put("data", dataPath.toString());
        info.put("tokens", tokens == null ? null : tokens.toString());
        if (splice != null) {
            info.put("splice", splice);
        }
        return info;
    }
}
