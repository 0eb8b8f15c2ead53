package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.sae4j.formats.Format;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.metrics.Metrics;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.TrainState;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code sae4j inspect --model DIR [--json]}: config, shapes, parameter norms, dictionary collinearity, run state. */
final class Inspect {
    /**
     * Collinearity is O(n²·d); above this many atoms it is measured on a seeded sample of them, and says so.
     */
    static final int MAX_COLLINEARITY_ATOMS = 4096;

    static final Opt<Boolean> JSON = Opt.flag("--json", "one JSON object on stdout");
    static final OptionTable OPTIONS = OptionTable.of("inspect", "what a model folder holds",
            List.of("config, shapes, parameter norms, dictionary collinearity, trainer state"),
            Opt.options(List.of(Models.MODEL, JSON))).with(Opt.options(Models.MODEL_OPTIONS));

    private Inspect() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = a.required(Models.MODEL);
        // The format decides the reader first, so a sae4j folder is read once, with its trainer state.
        ImportOptions opts = Models.importOptions(a);
        Path folder = ModelFormats.folder(model, opts);
        Format format = ModelFormats.format(folder, opts);
        Checkpoint.Loaded m;
        if (format == Format.SAE4J) {
            m = Checkpoint.load(folder);
        } else {
            LoadedModel lm = ModelFormats.load(model, opts);
            m = new Checkpoint.Loaded(lm.sae(), lm.standardizer(), null);
        }
        Map<String, Object> j = describe(model, format, m);
        if (a.get(JSON)) {
            out.println(Json.write(j));
        } else {
            print(out, model, format, m, j);
        }
    }

    /** Everything inspect reports, as {@code --json} prints it (the text form reads it back). */
    private static Map<String, Object> describe(Path model, Format format, Checkpoint.Loaded m) {
        Sae sae = m.sae();
        SaeConfig c = sae.config();
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model", model.toString());
        j.put("format", format.id());
        j.put("config", Checkpoint.saeConfigJson(c));
        if (sae.rule() != null) {
            j.put("forward_rule", sae.rule().origin() + (sae.rule().norm() == ForwardRule.RowNorm.NONE ? ""
                    : ", input " + sae.rule().norm().name().toLowerCase(java.util.Locale.ROOT)));
        }
        j.put("standardizer", m.standardizer() == null ? "none" : m.standardizer().toString());
        if (m.source() != null) {
            j.put(org.sae4j.data.ActivationSource.CFG_KEY, m.source().toJson());
        }
        j.put("tensors", tensors(sae));
        if (c.activation() == org.sae4j.model.Activation.BATCHTOPK) {
            j.put("batchtopk_threshold", (double) sae.batchTopKThreshold());
        }
        if (sae.logThreshold() != null) {
            float[] th = sae.logThreshold().clone();
            java.util.Arrays.sort(th);
            j.put("threshold_min", Math.exp(th[0]));
            j.put("threshold_median", Math.exp(th[th.length / 2]));
            j.put("threshold_max", Math.exp(th[th.length - 1]));
        }
        int n = c.latents();
        int sample = Math.min(n, MAX_COLLINEARITY_ATOMS);
        float[] dict = sampleAtoms(sae.dictionary(), n, c.outDim(), sample);
        Metrics.Collinearity col = Metrics.dictionaryCollinearity(dict, sample, c.outDim());
        Map<String, Object> cj = new LinkedHashMap<>();
        cj.put("max_abs_cosine", col.max());
        cj.put("mean_abs_cosine", col.mean());
        cj.put("atoms", (long) sample);
        j.put("dictionary_collinearity", cj);
        TrainState st = m.state();
        if (st != null) {
            Map<String, Object> sj = new LinkedHashMap<>();
            sj.put("step", st.step());
            sj.put("total_steps", st.totalSteps());
            sj.put("next_batch", st.next().toJson());
            sj.put("optimizer", st.config().optimizer().id());
            sj.put("lr", st.config().lr());
            sj.put("batch_size", (long) st.config().batchSize());
            sj.put("data_seed", st.batches().seed());
            j.put("trainer_state", sj);
        }
        return j;
    }

    /** Each tensor's name, shape, norm and (matrices) row norms. */
    private static List<Object> tensors(Sae sae) {
        SaeConfig c = sae.config();
        List<Object> tensors = new ArrayList<>();
        String[] names = sae.tensorNames();
        float[][] data = sae.tensors();
        for (int t = 0; t < names.length; t++) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", names[t]);
            boolean matrix = names[t].startsWith("W_");
            // A transcoder's decoder side is d_out wide; W_skip is d_out×d (Sae's layout).
            long[] shape = switch (names[t]) {
                case "W_enc" -> new long[] {c.latents(), c.dim()};
                case "W_dec" -> new long[] {c.latents(), c.outDim()};
                case "W_skip" -> new long[] {c.outDim(), c.dim()};
                case "b_dec" -> new long[] {c.outDim()};
                default -> new long[] {c.latents()};
            };
            e.put("shape", shape);
            e.put("norm", norm(data[t], 0, data[t].length));
            if (matrix) {
                double[] rows = rowNorms(data[t], (int) shape[0], (int) shape[1]);
                e.put("row_norm_min", rows[0]);
                e.put("row_norm_mean", rows[1]);
                e.put("row_norm_max", rows[2]);
            }
            tensors.add(e);
        }
        return tensors;
    }

    /** The text form of {@link #describe}'s figures. */
    @SuppressWarnings("unchecked") // describe's own maps
    private static void print(PrintStream out, Path model, Format format, Checkpoint.Loaded m,
                              Map<String, Object> j) {
        SaeConfig c = m.sae().config();
        int n = c.latents();
        String kind = c.transcoder() == null ? "SAE, dim " + c.dim()
                : (c.skip() ? "skip transcoder" : "transcoder") + ", d_in " + c.dim() + " → d_out " + c.outDim();
        out.printf(Locale.ROOT, "%s: %s %s, latents %d%s%n", model, c.activation().id(), kind, n,
                c.activation().usesK() ? ", k " + c.k() : "");
        out.printf(Locale.ROOT, "  unit-norm decoder %s, pre-encoder bias %s, init seed %d, standardizer %s%n",
                c.unitNormDecoder(), c.preEncoderBias(), c.seed(), j.get("standardizer"));
        if (m.source() != null) {
            out.printf(Locale.ROOT, "  trained on %s%s%n", m.source().describe(),
                    m.source().text() == null ? "" : ", text " + m.source().text());
        }
        if (format != Format.SAE4J) {
            out.printf(Locale.ROOT, "  read as %s%s%n", format.id(),
                    j.containsKey("forward_rule") ? "; forward pass: " + j.get("forward_rule") : "");
        }
        for (Object o : (List<Object>) j.get("tensors")) {
            Map<String, Object> e = (Map<String, Object>) o;
            out.printf(Locale.ROOT, "  %-14s %-12s norm %.6g", e.get("name"),
                    java.util.Arrays.toString((long[]) e.get("shape")), (double) e.get("norm"));
            if (e.containsKey("row_norm_min")) {
                out.printf(Locale.ROOT, "  row norms min %.4g mean %.4g max %.4g", (double) e.get("row_norm_min"),
                        (double) e.get("row_norm_mean"), (double) e.get("row_norm_max"));
            }
            out.println();
        }
        if (j.containsKey("batchtopk_threshold")) {
            out.printf(Locale.ROOT, "  BatchTopK inference threshold %.6g (codes keep pre > threshold)%n",
                    (double) j.get("batchtopk_threshold"));
        }
        if (j.containsKey("threshold_min")) {
            out.printf(Locale.ROOT, "  thresholds exp(log_threshold): min %.4g median %.4g max %.4g%n",
                    (double) j.get("threshold_min"), (double) j.get("threshold_median"),
                    (double) j.get("threshold_max"));
        }
        Map<String, Object> col = (Map<String, Object>) j.get("dictionary_collinearity");
        long sample = (Long) col.get("atoms");
        out.printf(Locale.ROOT, "  dictionary collinearity (|cos| between atoms%s): max %.4f, mean %.4f%n",
                sample < n ? ", " + sample + " sampled atoms" : "", (double) col.get("max_abs_cosine"),
                (double) col.get("mean_abs_cosine"));
        TrainState st = m.state();
        if (st != null) {
            out.printf(Locale.ROOT, "  trainer state: step %d of %d, next batch %d of epoch %d, %s lr %s, batch %d%n",
                    st.step(), st.totalSteps(), st.next().batch(), st.next().epoch(), st.config().optimizer().id(),
                    st.config().lr(), st.config().batchSize());
        }
    }

    private static double norm(float[] a, int off, int len) {
        double s = 0;
        for (int i = off; i < off + len; i++) {
            s += (double) a[i] * a[i];
        }
        return Math.sqrt(s);
    }

    /** min, mean, max of the row norms. */
    private static double[] rowNorms(float[] w, int n, int d) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double r = norm(w, j * d, d);
            min = Math.min(min, r);
            max = Math.max(max, r);
            sum += r;
        }
        return new double[] {min, sum / n, max};
    }

    /** All atoms, or {@code count} distinct ones chosen with a fixed seed (so repeated runs agree). */
    private static float[] sampleAtoms(float[] dict, int n, int d, int count) {
        if (count == n) {
            return dict;
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(0);
        float[] out = new float[count * d];
        for (int i = 0; i < count; i++) {
            int p = i + r.nextInt(n - i);
            int t = order[i];
            order[i] = order[p];
            order[p] = t;
            System.arraycopy(dict, order[i] * d, out, i * d, d);
        }
        return out;
    }
}
