package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import org.sae4j.Sae;
import org.sae4j.formats.LoadedModel;
import org.sae4j.SaeEncoder;
import org.sae4j.io.BatchStream;
import org.sae4j.io.Json;
import org.sae4j.io.NpyDataset;
import org.sae4j.kernels.KernelPool;
import org.sae4j.metrics.DatasetMetrics;

/**
 * {@code sae4j eval --model DIR --data PATH [--json]}: reconstruction and sparsity over every row of the data, in the
 * model's input space (after the standardisation stored with the model).
 */
final class Eval {
    static final OptionTable OPTIONS = OptionTable.of("eval", "reconstruction and sparsity of a model on data",
            List.of("mse, R2 (scalar mean and per-feature explained variance), L0, dead %"),
            List.of(Models.MODEL, Option.valued("--data", "PATH", "a .npy file or a directory of shards").asRequired(),
                    Option.flag("--json", "one JSON object on stdout"),
                    Option.valued("--batch", "B", "rows per batch").withDefault("1024"), Models.THREADS,
                    Option.flag("--force", "evaluate on rows of another tensor than the model was trained on")))
            .with(Models.MODEL_OPTIONS);
    private Eval() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = Path.of(a.required("--model"));
        Path dataPath = Path.of(a.required("--data"));
        int batch = Models.positive(a, "--batch");
        int threads = Models.threads(a);
        LoadedModel lm = Models.load(a, model);
        DatasetMetrics r;
        try (NpyDataset data = NpyDataset.open(dataPath)) {
            Models.checkWidth(data, lm.sae(), model);
            Models.checkSource(a, lm.source(), dataPath, model);
            r = evaluate(lm, data, batch, threads);
        }
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.toString());
        j.put("data", dataPath.toString());
        j.put("rows", r.rows());
        j.put("mse", r.mse());
        j.put("r2", r.r2ScalarMean());
        j.put("explained_variance", r.explainedVariance());
        j.put("l0", r.l0());
        j.put("dead_fraction", r.deadFraction());
        if (a.flag("--json")) {
            out.println(Json.write(j));
        } else {
            out.printf(Locale.ROOT, "%s on %s (%d rows)%n", model, dataPath, r.rows());
            out.printf(Locale.ROOT, "  mse                 %.6g%n", r.mse());
            out.printf(Locale.ROOT, "  R2 (scalar mean)    %.4f   overcomplete's r2_score: 1 - mse / var(all"
                    + " entries)%n", r.r2ScalarMean());
            out.printf(Locale.ROOT, "  explained variance  %.4f   per-feature: 1 - FVU (SAELens, sparsify)%n",
                    r.explainedVariance());
            out.printf(Locale.ROOT, "  L0                  %.2f   active latents per row%n", r.l0());
            out.printf(Locale.ROOT, "  dead                %.1f%%  latents active on no row (%d of %d)%n",
                    100 * r.deadFraction(), Math.round(r.deadFraction() * lm.sae().latents()), lm.sae().latents());
        }
    }

    /** Two passes over the data in file order: feature means, then the model's reconstruction. */
    static DatasetMetrics evaluate(LoadedModel m, NpyDataset data, int batch, int threads) {
        Sae sae = m.sae();
        DatasetMetrics r = new DatasetMetrics(sae.dim(), sae.latents());
        float[] x = new float[batch * sae.dim()];
        BatchStream s = Models.inOrder(data, batch, m.standardizer());
        for (long b = 0; b < s.batchesPerEpoch(); b++) {
            r.observeMean(x, s.next(x));
        }
        s.seek(new BatchStream.Position(0, 0));
        float[] z = new float[batch * sae.latents()];
        float[] xhat = new float[batch * sae.dim()];
        try (KernelPool pool = new KernelPool(threads)) {
            // Inputs come standardised from the stream: the encoder takes them as given, and the reconstruction
            // stays in the model's input space, where the metrics are computed.
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            for (long b = 0; b < s.batchesPerEpoch(); b++) {
                int rows = s.next(x);
                enc.encodeDense(x, rows, z);
                enc.decodeDense(z, rows, xhat);
                if (sae.rule() != null) {
                    sae.rule().denormalize(xhat, 0, x, 0, rows, sae.dim()); // a row-normalising model's x̂ in x's units
                }
                r.observe(x, xhat, z, rows);
            }
        }
        return r;
    }
}
