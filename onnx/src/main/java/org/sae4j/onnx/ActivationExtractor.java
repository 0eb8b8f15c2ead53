package org.sae4j.onnx;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.sae4j.BadInputException;
import org.sae4j.data.TokensTsv;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;

/**
 * Text in, token activations out: tokenizes every line of a UTF-8 file (one document per line), runs the model in
 * batches of similar length, and writes each requested output's per-token rows (padding removed, special tokens
 * dropped unless kept) as float32 {@code .npy} shards in {@code OUT/<output>/}, row-aligned with
 * {@code OUT/tokens.tsv}, plus {@code OUT/activations.json}.
 *
 * <p>Two passes over the text: the first tokenizes only to count (rows, truncations) because an {@code .npy}
 * header declares its row count; the second reads windows of {@code 128 × batch} documents (tokenized one window
 * ahead on another thread), sorts each window by length into batches (little padding: within 1 % of sorting the
 * whole text, where 8 batches padded 16 % more tokens), and writes each batch's rows straight from ONNX Runtime's
 * output buffers to where document order puts them in the shards. Memory stays bounded by one window's tokens and
 * one batch's outputs whatever the corpus size. A document's rows do not depend on the batch it runs in (the
 * attention mask hides the padding; {@code ActivationExtractorTest} checks batch 1 against batch 32 bit for bit).
 *
 * <p>Everything is written into a hidden directory beside {@code OUT} and swapped into place at the end
 * ({@link AtomicFiles#replaceDirectory}); a failure deletes it, so {@code OUT} is either complete or absent (or, with
 * {@code force}, the previous one, which must itself be an activations output).
 */
public final class ActivationExtractor {
    /** Windows hold this many batches: enough to sort into batches of near-equal length. */
    static final int WINDOW_BATCHES = 128;
    /** The description file; its presence marks a directory {@code --force} may replace. */
    static final String INFO = "activations.json";

    /** What to extract and where. */
    public record Options(Path text, Path out, List<String> outputs, int maxTokens, int batch, boolean keepSpecial,
            int shardRows, int threads, boolean force, String dtype, int window, int stride) {
        /** The row dtypes written: float32, or float16 (half the disk; {@code train} reads both). */
        public static final List<String> DTYPES = List.of("float32", "float16");

        /** Float32 rows. */
        public Options(Path text, Path out, List<String> outputs, int maxTokens, int batch, boolean keepSpecial,
                int shardRows, int threads, boolean force) {
            this(text, out, outputs, maxTokens, batch, keepSpecial, shardRows, threads, force, "float32");
        }

        /** No windows: documents longer than {@code maxTokens} are truncated. */
        public Options(Path text, Path out, List<String> outputs, int maxTokens, int batch, boolean keepSpecial,
                int shardRows, int threads, boolean force, String dtype) {
            this(text, out, outputs, maxTokens, batch, keepSpecial, shardRows, threads, force, dtype, 0, 0);
        }

        public Options {
            if (!DTYPES.contains(dtype)) {
                throw new BadInputException("activations --dtype " + dtype + ": expected one of " + DTYPES);
            }
            if (outputs.isEmpty()) throw new BadInputException("activations: no --output given");
            if (batch < 1) throw new BadInputException("activations --batch " + batch + ": expected >= 1");
            if (shardRows < 1) throw new BadInputException("activations --shard-rows " + shardRows + ": expected >= 1");
            if (maxTokens < 2) throw new BadInputException("activations --max-tokens " + maxTokens + ": expected >= 2");
            if (threads < 0) throw new BadInputException("activations --threads " + threads + ": expected >= 0");
            if (window < 0 || window == 1) {
                throw new BadInputException("activations --window " + window + ": expected >= 2 tokens");
            }
            if (stride < 0 || (stride > 0 && window == 0)) {
                throw new BadInputException("activations --stride " + stride + ": expected >= 1, with --window");
            }
        }
    }

    /** One output as written. */
    public record OutputInfo(String name, String directory, long rows, int width, int shards) {}

    /** What a run did. */
    public record Summary(long lines, long documents, long windows, long emptyLines, long truncated, long tokens,
            long rows, List<OutputInfo> outputs, double seconds, double modelSeconds) {
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }
    }

    private ActivationExtractor() {}

    /**
     * Counts from the tokenizer pass, and its first window of documents, kept so that a text of one window is
     * tokenized once ({@code first.lastLine()}: the line the extraction resumes after).
     */
    private record Counts(long lines, long documents, long windows, long emptyLines, long truncated, long tokens,
            long rows, TokenizedWindows.Window first) {}

    /**
     * Runs the extraction. {@code progress} gets a line every few seconds (null for none).
     */
    public static Summary run(ModelSource source, Options o, PrintStream progress) throws IOException {
        return run(source, OnnxGraph.parse(source.modelBytes(), source.model()), o, progress);
    }

    /** As above, with the model's graph already parsed from {@code source} (it is large: parse it once). */
    public static Summary run(ModelSource source, OnnxGraph graph, Options given, PrintStream progress)
            throws IOException {
        // blocks.N.hook_resid_post names become graph tensors here; activations.json records both names.
        List<String> tensors = new ArrayList<>();
        Map<String, String> hooks = new HashMap<>();
        for (String name : given.outputs()) {
            String t = HookNames.resolve(graph, name, source.model() + " --output " + name);
            tensors.add(t);
            String h = HookNames.hookName(graph, t);
            if (h != null) hooks.put(t, h);
        }
        Options o = new Options(given.text(), given.out(), List.copyOf(tensors), given.maxTokens(), given.batch(),
                given.keepSpecial(), given.shardRows(), given.threads(), given.force(), given.dtype(), given.window(),
                given.stride());
        Path out = o.out().toAbsolutePath().normalize();
        if (Files.exists(out)) {
            if (!o.force()) {
                throw new BadInputException(o.out() + ": already exists; expected a new directory (or --force to"
                        + " replace it)");
            }
            if (!AtomicFiles.isAbsentOrEmpty(out) && !Files.exists(out.resolve(INFO))) {
                throw new BadInputException(o.out() + ": exists and holds no " + INFO + ", so it is not an earlier"
                        + " activations output; expected a new or empty directory (--force replaces only an earlier"
                        + " output)");
            }
        }
        if (Files.isDirectory(o.text())) {
            throw new BadInputException(o.text() + ": is a directory; expected a UTF-8 text file, one document"
                    + " per line");
        }
        if (!Files.exists(o.text())) throw new BadInputException(o.text() + ": no such file (--text)");
        Map<String, String> dirs = directoryNames(o.outputs());
        // With --window the tokenizer cuts long documents into windows of that many tokens instead of truncating.
        int perRun = o.window() > 0 ? o.window() : o.maxTokens();
        int stride = o.window() == 0 ? 0 : o.stride() > 0 ? o.stride() : Integer.MAX_VALUE;
        try (TextTokenizer tok = new TextTokenizer(source.tokenizerBytes(), source.tokenizer(), perRun, stride);
             Background counting = new Background("sae4j-count")) {
            // The counting pass needs only the tokenizer: it runs while ONNX Runtime builds its session.
            Future<Counts> counted = counting.submit(() -> count(o.text(), tok, o.keepSpecial(),
                    o.batch() * WINDOW_BATCHES));
            try (OnnxRunner runner = new OnnxRunner(source, graph, o.outputs(), o.threads())) {
                Counts counts = Background.get(counted);
                if (counts.documents() == 0) {
                    throw new BadInputException(o.text() + ": no text (" + counts.lines() + " lines, all empty);"
                            + " expected one document per line");
                }
                if (counts.rows() == 0) {
                    throw new BadInputException(o.text() + ": every token is a special token, so there are no"
                            + " rows; expected text (or --keep-special)");
                }
                Summary[] s = {null};
                AtomicFiles.replaceDirectory(out, tmp -> s[0] = extract(source, o, counts, tok, runner, dirs, hooks,
                        tmp, progress));
                return s[0];
            }
        }
    }

    /** Output name → directory name: characters other than letters, digits, '.', '_', '-' become '_'. */
    static Map<String, String> directoryNames(List<String> outputs) {
        Map<String, String> m = new LinkedHashMap<>();
        Set<String> used = new HashSet<>(Set.of("tokens.tsv", INFO));
        for (String name : outputs) {
            if (m.containsKey(name)) continue;
            String d = name.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^[_.]+", "");
            if (d.isEmpty()) d = "output";
            String base = d;
            for (int i = 2; !used.add(d); i++) d = base + "_" + i;
            m.put(name, d);
        }
        return m;
    }

    private static Counts count(Path text, TextTokenizer tok, boolean keepSpecial, int keep) throws IOException {
        long lines = 0;
        long docs = 0;
        long empty = 0;
        long truncated = 0;
        long tokens = 0;
        long rows = 0;
        long windows = 0;
        List<TextTokenizer.Tokens> first = new ArrayList<>();
        long[] firstLines = new long[keep];
        long lastKept = -1;
        try (TextLines r = new TextLines(text)) {
            String line;
            while ((line = r.next()) != null) {
                // Stopped when the session could not be built: the tokenizer is about to close.
                if (Thread.currentThread().isInterrupted()) throw new java.io.InterruptedIOException("counting");
                lines++;
                if (line.isBlank()) {
                    empty++;
                    continue;
                }
                List<TextTokenizer.Tokens> ws = tok.encodeWindows(line, text + " line " + lines);
                if (first.size() < keep) { // whole documents only: the window ends at a line
                    for (TextTokenizer.Tokens t : ws) {
                        if (firstLines.length == first.size()) firstLines = Arrays.copyOf(firstLines, first.size() * 2);
                        firstLines[first.size()] = lines - 1;
                        first.add(t);
                    }
                    lastKept = lines - 1;
                }
                docs++;
                windows += ws.size();
                for (TextTokenizer.Tokens t : ws) {
                    if (t.truncated()) truncated++;
                    tokens += t.length();
                    rows += t.rows(keepSpecial);
                }
            }
        }
        return new Counts(lines, docs, windows, empty, truncated, tokens, rows,
                new TokenizedWindows.Window(first, Arrays.copyOf(firstLines, first.size()), lastKept));
    }

    private static Summary extract(ModelSource source, Options o, Counts counts, TextTokenizer tok,
            OnnxRunner runner, Map<String, String> dirs, Map<String, String> hooks, Path tmp, PrintStream progress)
            throws IOException {
        long start = System.nanoTime();
        List<String> outs = runner.outputs();
        ShardWriter[] writers = new ShardWriter[outs.size()];
        for (int i = 0; i < outs.size(); i++) {
            Path d = tmp.resolve(dirs.get(outs.get(i)));
            Files.createDirectory(d);
            writers[i] = new ShardWriter(d, counts.rows(), o.shardRows(), o.dtype().equals("float16"));
        }
        Progress prog = new Progress(progress, counts.windows(), counts.tokens());
        double modelSeconds;
        try (TokensTsv.TokenWriter tsv = TokensTsv.writer(tmp.resolve("tokens.tsv"), tok.windowed());
             TokenizedWindows windows = new TokenizedWindows(o.text(), tok, o.batch() * WINDOW_BATCHES,
                     counts.first());
             BatchPipeline pipeline = new BatchPipeline(runner, writers, o.keepSpecial(), counts.first().docs().get(0),
                     o.batch(), tok.maxTokens())) {
            long row = 0;
            for (TokenizedWindows.Window w; (w = windows.next()) != null; ) {
                row = runWindow(w, o, pipeline, tsv, row, prog);
            }
            pipeline.drain();
            for (ShardWriter w : writers) w.finish();
            tsv.commit();
            modelSeconds = pipeline.modelSeconds();
        } finally {
            for (ShardWriter w : writers) w.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        prog.finish();
        List<OutputInfo> infos = new ArrayList<>();
        for (int i = 0; i < outs.size(); i++) {
            infos.add(new OutputInfo(outs.get(i), dirs.get(outs.get(i)), counts.rows(), writers[i].width(),
                    writers[i].shardCount()));
        }
        Summary s = new Summary(counts.lines(), counts.documents(), counts.windows(), counts.emptyLines(),
                counts.truncated(), counts.tokens(), counts.rows(), infos, seconds, modelSeconds);
        AtomicFiles.writeString(tmp.resolve(INFO), Json.writePretty(describe(source, o, s, hooks)) + "\n");
        return s;
    }

    /**
     * Sorts a window by length into batches (little padding), each batch's rows written where document order puts
     * them; then the window's tokens, in document order. Returns the next window's first row.
     */
    private static long runWindow(TokenizedWindows.Window window, Options o, BatchPipeline pipeline,
            TokensTsv.TokenWriter tsv, long firstRow, Progress prog) throws IOException {
        List<TextTokenizer.Tokens> docs = window.docs();
        int n = docs.size();
        long[] rowOf = new long[n];
        long row = firstRow;
        for (int i = 0; i < n; i++) {
            rowOf[i] = row;
            row += docs.get(i).rows(o.keepSpecial());
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> docs.get(i).length()));
        for (int b0 = 0; b0 < n; b0 += o.batch()) {
            int b1 = Math.min(n, b0 + o.batch());
            List<TextTokenizer.Tokens> batch = new ArrayList<>(b1 - b0);
            long[] rows = new long[b1 - b0];
            long batchTokens = 0;
            for (int k = b0; k < b1; k++) {
                batch.add(docs.get(order[k]));
                rows[k - b0] = rowOf[order[k]];
                batchTokens += docs.get(order[k]).length();
            }
            pipeline.run(batch, rows);
            prog.advance(b1 - b0, batchTokens);
        }
        boolean windowed = o.window() > 0;
        pipeline.then(() -> {
            long r = firstRow;
            for (int i = 0; i < n; i++) {
                TextTokenizer.Tokens t = docs.get(i);
                for (int j = 0; j < t.length(); j++) {
                    if (!t.emits(j, o.keepSpecial())) continue;
                    if (windowed) tsv.write(r++, window.lines()[i], t.window(), j, t.text()[j]);
                    else tsv.write(r++, window.lines()[i], j, t.text()[j]);
                }
            }
            return null;
        });
        return row;
    }

    private static Map<String, Object> describe(ModelSource source, Options o, Summary s, Map<String, String> hooks)
            throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "sae4j-activations/1");
        m.put("model", source.model());
        m.put("model_sha256", source.modelSha256());
        m.put("tokenizer", source.tokenizer());
        m.put("tokenizer_sha256", source.tokenizerSha256());
        m.put("text", o.text().toAbsolutePath().normalize().toString());
        m.put("text_sha256", ModelSource.sha256(o.text()));
        m.put("max_tokens", o.window() > 0 ? o.window() : o.maxTokens());
        if (o.window() > 0) { // long documents cut into windows of max_tokens tokens, not truncated
            m.put("window", o.window());
            if (o.stride() > 0) m.put("stride", o.stride());
            m.put("windows", s.windows());
        }
        m.put("batch", o.batch());
        m.put("keep_special", o.keepSpecial());
        m.put("shard_rows", o.shardRows());
        m.put("lines", s.lines());
        m.put("documents", s.documents());
        m.put("empty_lines", s.emptyLines());
        m.put("truncated_documents", s.truncated());
        m.put("tokens", s.tokens());
        m.put("rows", s.rows());
        m.put("tokens_file", "tokens.tsv");
        List<Object> outs = new ArrayList<>();
        for (OutputInfo i : s.outputs()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("name", i.name());
            if (hooks.containsKey(i.name())) x.put("hook_name", hooks.get(i.name()));
            x.put("directory", i.directory());
            x.put("dtype", o.dtype());
            x.put("shape", List.of(i.rows(), (long) i.width()));
            x.put("shards", i.shards());
            outs.add(x);
        }
        m.put("outputs", outs);
        m.put("seconds", Math.round(s.seconds() * 1000) / 1000.0);
        m.put("model_seconds", Math.round(s.modelSeconds() * 1000) / 1000.0);
        m.put("tokens_per_second", Math.round(s.tokensPerSecond() * 10) / 10.0);
        return m;
    }
}
