package org.sae4j.onnx;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * Does the model still compute the same thing with the SAE in it? Runs every document of a text clean and with the
 * hook tensor replaced ({@link Splicer}: the model's own graph, cut at the hook) by the SAE's reconstruction, by
 * zeros, and by the dataset mean of the hook rows, and compares the measured output ({@link SpliceMeasures}).
 *
 * <p>The rows replaced are the rows an SAE is trained on: real tokens, special tokens ([CLS], [SEP], BOS) left clean
 * unless {@code spliceSpecial} (activations extracted with {@code --keep-special}). Every variant replaces the same
 * rows, so the recovered fractions compare like with like. Padding positions keep their clean values (the attention
 * mask hides them).
 *
 * <p>Two passes: the first runs the clean model for the mean of the replaced hook rows, the second runs all four
 * variants. The tokenized text and one sentence vector per document and variant stay in memory: this is meant for a
 * held-out text of thousands of documents, not a training corpus.
 */
public final class SpliceEvaluator {
    /** The spliced variants, in {@link SpliceMeasure}'s order. */
    static final List<String> VARIANTS = List.of("sae", "zero", "mean");

    /** What replaces the hook rows: {@code out = f(x)} for {@code rows} rows of {@link #width()} floats. */
    public interface Replacement {
        int width();

        void apply(float[] x, int rows, float[] out);
    }

    /** What to splice and measure. */
    public record Options(Path text, String hook, String output, int maxTokens, int batch, boolean spliceSpecial,
            int threads) {
        public Options {
            if (batch < 1) throw new BadInputException("splice --batch " + batch + ": expected >= 1");
            if (maxTokens < 2) throw new BadInputException("splice --max-tokens " + maxTokens + ": expected >= 2");
            if (threads < 0) throw new BadInputException("splice --threads " + threads + ": expected >= 0");
        }
    }

    /** What a run measured. */
    public record Result(String output, SpliceMeasures.Kind kind, long documents, long emptyLines, long truncated,
            long tokens, long splicedRows, boolean spliceSpecial, int hookWidth, double hookMse,
            double hookRelativeL2, long measuredPositions, int neighbours, List<SpliceMeasure> measures,
            double seconds) {
        /** The measure of that name, or null. */
        public SpliceMeasure measure(String name) {
            return measures.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
        }
    }

    private SpliceEvaluator() {}

    /** Which kind of output {@code name} is: logits by name (as Hugging Face and Optimum exports call them). */
    static SpliceMeasures.Kind kindOf(String name) {
        return name.toLowerCase(Locale.ROOT).contains("logits") ? SpliceMeasures.Kind.LOGITS
                : SpliceMeasures.Kind.HIDDEN;
    }

    /** Runs the splice; {@code progress} gets a line per pass (null for none). */
    public static Result run(ModelSource source, OnnxGraph graph, Options o, Replacement replacement,
            PrintStream progress) throws IOException {
        long start = System.nanoTime();
        if (Files.isDirectory(o.text())) {
            throw new BadInputException(o.text() + ": is a directory; expected a UTF-8 text file, one document"
                    + " per line");
        }
        if (!Files.exists(o.text())) throw new BadInputException(o.text() + ": no such file (--text)");
        try (TextTokenizer tok = new TextTokenizer(source.tokenizerBytes(), source.tokenizer(), o.maxTokens());
             Splicer splicer = new Splicer(source, graph, o.hook(), o.output(), o.threads())) {
            List<TextTokenizer.Tokens> docs = new ArrayList<>();
            long empty = 0;
            long truncated = 0;
            long tokens = 0;
            try (TextLines lines = new TextLines(o.text())) {
                String line;
                while ((line = lines.next()) != null) {
                    if (line.isBlank()) {
                        empty++;
                        continue;
                    }
                    TextTokenizer.Tokens t = tok.encode(line);
                    docs.add(t);
                    if (t.truncated()) truncated++;
                    tokens += t.length();
                }
            }
            if (docs.isEmpty()) {
                throw new BadInputException(o.text() + ": no text (all lines empty); expected one document per line");
            }
            List<int[]> batches = batches(docs, o.batch());
            if (progress != null) progress.println("splice: pass 1/2, the mean of the hook rows (" + docs.size()
                    + " documents)");
            double[] meanSum = null;
            long replaced = 0;
            for (int[] b : batches) {
                List<TextTokenizer.Tokens> batch = pick(docs, b);
                Splicer.Clean c = splicer.clean(batch);
                int w = c.hookWidth();
                if (meanSum == null) {
                    if (w != replacement.width()) {
                        throw new BadInputException(source.model() + ": hook '" + o.hook() + "' has width " + w
                                + " but the SAE's dim is " + replacement.width() + "; expected an SAE trained on"
                                + " that tensor's activations");
                    }
                    meanSum = new double[w];
                }
                for (int i = 0; i < batch.size(); i++) {
                    TextTokenizer.Tokens t = batch.get(i);
                    for (int j = 0; j < t.length(); j++) {
                        if (!replaces(t, j, o.spliceSpecial())) continue;
                        int off = (i * c.seq() + j) * w;
                        for (int q = 0; q < w; q++) meanSum[q] += c.hook()[off + q];
                        replaced++;
                    }
                }
            }
            if (replaced == 0) {
                throw new BadInputException(o.text() + ": every token is a special token, so no row is spliced;"
                        + " expected text (or --splice-special)");
            }
            int w = meanSum.length;
            float[] mean = new float[w];
            for (int q = 0; q < w; q++) mean[q] = (float) (meanSum[q] / replaced);

            if (progress != null) progress.println("splice: pass 2/2, clean, SAE, zero and mean runs");
            SpliceMeasures.Kind kind = kindOf(o.output());
            SpliceMeasures measures = new SpliceMeasures(kind, VARIANTS.size(), docs.size());
            double sse = 0;
            double relSum = 0;
            for (int[] b : batches) {
                List<TextTokenizer.Tokens> batch = pick(docs, b);
                Splicer.Clean c = splicer.clean(batch);
                int[][] rows = replacedRows(batch, c.seq(), o.spliceSpecial());
                int n = rows[0].length;
                float[] x = new float[n * w];
                for (int r = 0; r < n; r++) System.arraycopy(c.hook(), rows[0][r] * w, x, r * w, w);
                float[] xhat = new float[n * w];
                replacement.apply(x, n, xhat);
                for (int r = 0; r < n; r++) {
                    double e = 0;
                    double norm = 0;
                    for (int q = 0; q < w; q++) {
                        double d = (double) xhat[r * w + q] - x[r * w + q];
                        e += d * d;
                        norm += (double) x[r * w + q] * x[r * w + q];
                    }
                    sse += e;
                    relSum += e == 0 ? 0 : norm == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(e / norm);
                }
                float[][] spliced = new float[VARIANTS.size()][];
                spliced[0] = splicer.spliced(batch, withRows(c.hook(), rows[0], xhat, w, false), w);
                spliced[1] = splicer.spliced(batch, withRows(c.hook(), rows[0], new float[w], w, true), w);
                spliced[2] = splicer.spliced(batch, withRows(c.hook(), rows[0], mean, w, true), w);
                measures.observe(batch, b, c.seq(), c.outWidth(), c.out(), spliced);
            }
            int[] k = {0};
            List<SpliceMeasure> ms = measures.finish(k);
            return new Result(o.output(), kind, docs.size(), empty, truncated, tokens, replaced, o.spliceSpecial(), w,
                    sse / ((double) replaced * w), relSum / replaced, measures.count(), k[0], ms,
                    (System.nanoTime() - start) / 1e9);
        }
    }

    /** Whether the hook row at position {@code j} is replaced: real tokens, special ones only when asked. */
    static boolean replaces(TextTokenizer.Tokens t, int j, boolean spliceSpecial) {
        return spliceSpecial || !t.special()[j];
    }

    /** {@code [0]}: the replaced rows' indices into the {@code [batch, seq]} grid, in order. */
    private static int[][] replacedRows(List<TextTokenizer.Tokens> batch, int seq, boolean spliceSpecial) {
        int[] idx = new int[batch.size() * seq];
        int n = 0;
        for (int i = 0; i < batch.size(); i++) {
            TextTokenizer.Tokens t = batch.get(i);
            for (int j = 0; j < t.length(); j++) {
                if (replaces(t, j, spliceSpecial)) idx[n++] = i * seq + j;
            }
        }
        return new int[][] {Arrays.copyOf(idx, n)};
    }

    /**
     * A copy of the clean hook with the listed rows replaced: by row r of {@code values}, or by {@code values}
     * itself in every row when {@code same}.
     */
    private static float[] withRows(float[] clean, int[] rows, float[] values, int w, boolean same) {
        float[] h = clean.clone();
        for (int r = 0; r < rows.length; r++) System.arraycopy(values, same ? 0 : r * w, h, rows[r] * w, w);
        return h;
    }

    /** Document numbers in batches of similar length (little padding). */
    private static List<int[]> batches(List<TextTokenizer.Tokens> docs, int batch) {
        Integer[] order = new Integer[docs.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> docs.get(i).length()));
        List<int[]> out = new ArrayList<>();
        for (int b0 = 0; b0 < order.length; b0 += batch) {
            int b1 = Math.min(order.length, b0 + batch);
            int[] b = new int[b1 - b0];
            for (int k = b0; k < b1; k++) b[k - b0] = order[k];
            out.add(b);
        }
        return out;
    }

    private static List<TextTokenizer.Tokens> pick(List<TextTokenizer.Tokens> docs, int[] idx) {
        List<TextTokenizer.Tokens> out = new ArrayList<>(idx.length);
        for (int i : idx) out.add(docs.get(i));
        return out;
    }

    /** The JSON of {@code splice --json}, less what the command adds (the SAE's folder and format). */
    public static Map<String, Object> toJson(ModelSource source, Options o, Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "sae4j-splice/1");
        m.put("onnx", source.model());
        m.put("onnx_sha256", source.modelSha256());
        m.put("tokenizer", source.tokenizer());
        m.put("text", o.text().toAbsolutePath().normalize().toString());
        m.put("hook", o.hook());
        m.put("output", r.output());
        m.put("output_kind", r.kind().name().toLowerCase(Locale.ROOT));
        m.put("max_tokens", o.maxTokens());
        m.put("documents", r.documents());
        m.put("empty_lines", r.emptyLines());
        m.put("truncated_documents", r.truncated());
        m.put("tokens", r.tokens());
        m.put("spliced_rows", r.splicedRows());
        m.put("special_tokens", r.spliceSpecial() ? "spliced" : "clean");
        m.put("hook_width", r.hookWidth());
        m.put("hook_mse", SpliceMeasure.number(r.hookMse()));
        m.put("hook_relative_l2", SpliceMeasure.number(r.hookRelativeL2()));
        m.put("measured_positions", r.measuredPositions());
        if (r.kind() == SpliceMeasures.Kind.HIDDEN) m.put("neighbours", r.neighbours());
        Map<String, Object> ms = new LinkedHashMap<>();
        for (SpliceMeasure x : r.measures()) ms.put(x.name(), x.toJson());
        m.put("measures", ms);
        if (r.kind() == SpliceMeasures.Kind.LOGITS) {
            m.put("ce_loss_score", SpliceMeasure.number(r.measure("ce").recoveredVsZero()));
            m.put("kl_score", SpliceMeasure.number(r.measure("kl").recoveredVsZero()));
        }
        m.put("seconds", Math.round(r.seconds() * 1000) / 1000.0);
        return m;
    }
}
