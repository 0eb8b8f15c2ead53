package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.LoadedModel;
import org.sae4j.io.json.Json;
import org.sae4j.kernels.KernelPool;
import org.sae4j.metrics.DatasetMetrics;
import org.sae4j.model.Sae;

/**
 * {@code sae4j eval --model DIR --data PATH [--json]}: reconstruction and sparsity over every row of the data, in the
 * model's input space (after the standardisation stored with the model).
 */
final class Eval {
    static final Opt<Path> TARGET = Opt.path("--target", "PATH", "a transcoder's targets, row-aligned with --data"
            + " (the figures compare its output with them)");
    static final Opt<Boolean> JSON = Opt.flag("--json", "one JSON object on stdout");
    static final Opt<String> PREFIX = Opt.string("--prefix", "W1,W2,…", "also evaluate the reconstruction from the"
            + " first W latents only (default: a Matryoshka model's prefixes; none = off)");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "evaluate on rows of another tensor than the model was"
            + " trained on");
    static final OptionTable OPTIONS = OptionTable.of("eval", "reconstruction and sparsity of a model on data",
            List.of("mse, R2 (scalar mean and per-feature explained variance), L0, dead %",
                    "with --prefix (or a Matryoshka model's own widths): the same for the codes of latents [0, W)"),
            Opt.options(List.of(Models.MODEL, Models.DATA, TARGET, JSON, PREFIX, Models.BATCH, Models.THREADS,
                    FORCE))).with(Opt.options(Models.MODEL_OPTIONS));
    private Eval() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = a.required(Models.MODEL);
        Path dataPath = a.required(Models.DATA);
        int batch = Models.positive(a, Models.BATCH);
        int threads = Models.threads(a);
        LoadedModel lm = Models.load(a, model);
        int[] widths = prefixes(a, lm.sae());
        DatasetMetrics r;
        DatasetMetrics[] pr = new DatasetMetrics[widths.length];
        try (NpyDataset data = Models.openData(dataPath, a.get(TARGET))) {
            Models.checkWidth(data, lm.sae(), model);
            Models.checkSource(a, a.get(FORCE), lm.source(), dataPath, model);
            r = evaluate(lm, data, batch, threads, widths, pr);
        }
        Map<String, Object> j = json(model, dataPath, r, widths, pr);
        if (a.get(JSON)) {
            out.println(Json.write(j));
        } else {
            print(out, model, dataPath, r, lm.sae().latents(), widths, pr);
        }
    }

    /** The figures as {@code --json} prints them. */
    private static Map<String, Object> json(Path model, Path dataPath, DatasetMetrics r, int[] widths,
                                            DatasetMetrics[] pr) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.toString());
        j.put("data", dataPath.toString());
        j.put("rows", r.rows());
        j.put("mse", r.mse());
        j.put("r2", r.r2ScalarMean());
        j.put("explained_variance", r.explainedVariance());
        j.put("l0", r.l0());
        j.put("dead_fraction", r.deadFraction());
        if (widths.length > 0) {
            List<Map<String, Object>> ps = new java.util.ArrayList<>();
            for (int m = 0; m < widths.length; m++) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("latents", (long) widths[m]);
                p.put("mse", pr[m].mse());
                p.put("r2", pr[m].r2ScalarMean());
                p.put("explained_variance", pr[m].explainedVariance());
                p.put("l0", pr[m].l0());
                ps.add(p);
            }
            j.put("prefixes", ps);
        }
        return j;
    }

    /** The figures for a reader, each with what it means. */
    private static void print(PrintStream out, Path model, Path dataPath, DatasetMetrics r, int latents, int[] widths,
                              DatasetMetrics[] pr) {
        out.printf(Locale.ROOT, "%s on %s (%d rows)%n", model, dataPath, r.rows());
        out.printf(Locale.ROOT, "  mse                 %.6g%n", r.mse());
        out.printf(Locale.ROOT, "  R2 (scalar mean)    %.4f   overcomplete's r2_score: 1 - mse / var(all"
                + " entries)%n", r.r2ScalarMean());
        out.printf(Locale.ROOT, "  explained variance  %.4f   per-feature: 1 - FVU (SAELens, sparsify)%n",
                r.explainedVariance());
        out.printf(Locale.ROOT, "  L0                  %.2f   active latents per row%n", r.l0());
        out.printf(Locale.ROOT, "  dead                %.1f%%  latents active on no row (%d of %d)%n",
                100 * r.deadFraction(), Math.round(r.deadFraction() * latents), latents);
        for (int m = 0; m < widths.length; m++) {
            out.printf(Locale.ROOT, "  prefix %-6d      EV %.4f  R2 %.4f  L0 %.2f  (codes of latents 0..%d only)%n",
                    widths[m], pr[m].explainedVariance(), pr[m].r2ScalarMean(), pr[m].l0(), widths[m] - 1);
        }
    }

    /** {@code --prefix}: widths in (0, n], increasing; by default a Matryoshka model's own, else none. */
    static int[] prefixes(Args a, Sae sae) {
        int n = sae.latents();
        if (!a.given(PREFIX)) {
            org.sae4j.model.Matryoshka m = sae.config().matryoshka();
            return m == null ? new int[0] : m.widths().stream().mapToInt(Integer::intValue).toArray();
        }
        String spec = a.get(PREFIX);
        if (spec.trim().equals("none")) {
            return new int[0];
        }
        try {
            return org.sae4j.model.Matryoshka.parse(spec, n, org.sae4j.model.Matryoshka.Loss.SUM).widths().stream()
                    .mapToInt(Integer::intValue).toArray();
        } catch (org.sae4j.BadInputException e) {
            throw new org.sae4j.BadInputException("eval " + e.getMessage().replace("--matryoshka", "--prefix"), e);
        }
    }

    /** Two passes over the data in file order: feature means, then the model's reconstruction. */
    static DatasetMetrics evaluate(LoadedModel m, NpyDataset data, int batch, int threads) {
        return evaluate(m, data, batch, threads, new int[0], new DatasetMetrics[0]);
    }

    /**
     * As above, and into {@code prefix[m]} the figures of the reconstruction from the codes of latents
     * {@code [0, widths[m])} alone (what a Matryoshka prefix is trained to give).
     */
    static DatasetMetrics evaluate(LoadedModel m, NpyDataset data, int batch, int threads, int[] widths,
                                   DatasetMetrics[] prefix) {
        Sae sae = m.sae();
        // A transcoder's rows hold x then its target y, and the figures compare the output with y; an
        // autoencoder's target is x itself.
        int dOut = sae.outDim();
        DatasetMetrics r = new DatasetMetrics(dOut, sae.latents());
        for (int p = 0; p < widths.length; p++) {
            prefix[p] = new DatasetMetrics(dOut, sae.latents());
        }
        org.sae4j.data.RowPairs buf = new org.sae4j.data.RowPairs(batch, sae.dim(), dOut,
                sae.config().transcoder() != null);
        float[] x = buf.x;
        float[] y = buf.y;
        BatchStream s = Models.inOrder(data, batch, m.standardizer());
        for (long b = 0; b < s.batchesPerEpoch(); b++) {
            int rows = next(s, buf);
            r.observeMean(y, rows);
            for (DatasetMetrics p : prefix) {
                p.observeMean(y, rows);
            }
        }
        s.seek(new BatchStream.Position(0, 0));
        float[] z = new float[batch * sae.latents()];
        float[] xhat = new float[batch * dOut];
        float[] zPrefix = widths.length > 0 ? new float[z.length] : null;
        try (KernelPool pool = new KernelPool(threads)) {
            // Inputs come standardised from the stream: the encoder takes them as given, and the reconstruction
            // stays in the model's input space, where the metrics are computed.
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            for (long b = 0; b < s.batchesPerEpoch(); b++) {
                int rows = next(s, buf);
                enc.encodeDense(x, rows, z);
                enc.decodeDense(z, x, rows, xhat);
                if (sae.rule() != null) {
                    sae.rule().denormalize(xhat, 0, x, 0, rows, sae.dim()); // a row-normalising model's x̂ in x's units
                }
                r.observe(y, xhat, z, rows);
                for (int p = 0; p < widths.length; p++) {
                    observePrefix(enc, sae, x, y, z, rows, widths[p], zPrefix, xhat, prefix[p]);
                }
            }
        }
        return r;
    }

    /** The next batch into {@code in}, and for a transcoder split into its inputs x and targets y. */
    private static int next(BatchStream s, org.sae4j.data.RowPairs buf) {
        int rows = s.next(buf.in);
        buf.split(rows);
        return rows;
    }

    /**
     * The codes of latents [0, width) alone, decoded: into {@code into}. {@code zp} (the codes' size) and
     * {@code xhat} are scratch.
     */
    private static void observePrefix(SaeEncoder enc, Sae sae, float[] x, float[] y, float[] z, int rows,
                                      int width, float[] zp, float[] xhat, DatasetMetrics into) {
        int n = sae.latents();
        for (int b = 0; b < rows; b++) {
            System.arraycopy(z, b * n, zp, b * n, width);
            java.util.Arrays.fill(zp, b * n + width, (b + 1) * n, 0f);
        }
        enc.decodeDense(zp, x, rows, xhat);
        if (sae.rule() != null) {
            sae.rule().denormalize(xhat, 0, x, 0, rows, sae.dim());
        }
        into.observe(y, xhat, zp, rows);
    }
}
