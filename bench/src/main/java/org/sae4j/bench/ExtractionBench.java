package org.sae4j.bench;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sae4j.onnx.ActivationExtractor;
import org.sae4j.onnx.HookNames;
import org.sae4j.onnx.ModelSource;
import org.sae4j.onnx.OnnxGraph;

/**
 * Text to token activations, whole runs (seconds per run, writing included), both sides in one JVM:
 * <ul>
 *   <li>{@code plainOrtLoop}: the reference a user would write by hand: its own session and DJL tokenizer, every
 *       document sorted by length, batches of {@code batch} right-padded {@code int64} inputs, one {@code OrtSession.run} per batch
 *       with {@code threads} intra-op threads and ORT's other defaults, each output's non-padding rows copied out
 *       and appended to one raw float32 file per output.</li>
 *   <li>{@code sae4jActivations}: {@link ActivationExtractor#run} with the same model, outputs, batch, threads and
 *       128-token truncation ({@code sae4j activations}).</li>
 * </ul>
 * Both run the same graph (the model with the requested intermediate tensors added as outputs) and keep special
 * tokens out of the rows. {@code text} is a UTF-8 file, one document per line; the default is the JMH parameter
 * below, so run it as {@code ./sae4j bench ExtractionBench -p text=/path/fortunes.txt}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx8g"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class ExtractionBench {
    static final int MAX_TOKENS = 128;

    @Param({"fortunes.txt"})
    public String text;
    @Param({"last_hidden_state,blocks.2.hook_resid_post"})
    public String outputs;
    @Param({"32"})
    public int batch;
    @Param({"2"})
    public int threads;

    private ModelSource source;
    private OnnxGraph graph;
    private List<String> tensors;
    private OrtEnvironment env;
    private Path out;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        source = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        graph = OnnxGraph.parse(source.modelBytes(), source.model());
        tensors = new ArrayList<>();
        for (String o : outputs.split(",")) tensors.add(HookNames.resolve(graph, o, o));
        env = OrtEnvironment.getEnvironment();
        out = Files.createTempDirectory("extraction-bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        deleteTree(out);
    }

    @TearDown(Level.Iteration)
    public void clearOutput() throws IOException {
        deleteTree(out);
        Files.createDirectories(out);
    }

    @Benchmark
    public long plainOrtLoop() throws IOException, OrtException {
        // A script's whole run: its tokenizer and session are built inside, as sae4j builds its own.
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        opts.setIntraOpNumThreads(threads);
        try (OrtSession session = env.createSession(graph.withOutputs(source.modelBytes(), tensors), opts);
             HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                     new ByteArrayInputStream(source.tokenizerBytes()), Map.of("addSpecialTokens", "true",
                             "padding", "false", "truncation", "true", "maxLength", Integer.toString(MAX_TOKENS)))) {
            return plainOrtLoop(session, tokenizer);
        }
    }

    private long plainOrtLoop(OrtSession session, HuggingFaceTokenizer tokenizer) throws IOException, OrtException {
        List<Encoding> docs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(text), StandardCharsets.UTF_8)) {
            if (!line.isBlank()) docs.add(tokenizer.encode(line));
        }
        docs.sort(Comparator.comparingInt(e -> e.getIds().length));
        Set<String> fetch = new HashSet<>(tensors);
        FileChannel[] files = new FileChannel[tensors.size()];
        long rows = 0;
        try {
            for (int q = 0; q < files.length; q++) {
                files[q] = FileChannel.open(out.resolve("output" + q + ".f32"), StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
            }
            for (int b0 = 0; b0 < docs.size(); b0 += batch) {
                List<Encoding> b = docs.subList(b0, Math.min(docs.size(), b0 + batch));
                int t = b.get(b.size() - 1).getIds().length;
                long[] ids = new long[b.size() * t];
                long[] mask = new long[b.size() * t];
                long[] types = new long[b.size() * t];
                for (int i = 0; i < b.size(); i++) {
                    long[] d = b.get(i).getIds();
                    System.arraycopy(d, 0, ids, i * t, d.length);
                    for (int j = 0; j < d.length; j++) mask[i * t + j] = 1;
                }
                long[] shape = {b.size(), t};
                Map<String, OnnxTensor> feed = new HashMap<>();
                feed.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape));
                feed.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape));
                feed.put("token_type_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape));
                try (OrtSession.Result r = session.run(feed, fetch)) {
                    for (int q = 0; q < files.length; q++) {
                        OnnxTensor v = (OnnxTensor) r.get(tensors.get(q)).orElseThrow();
                        int w = (int) v.getInfo().getShape()[2];
                        FloatBuffer all = v.getFloatBuffer();
                        ByteBuffer rowsOut = ByteBuffer.allocate(b.size() * t * w * 4).order(ByteOrder.LITTLE_ENDIAN);
                        FloatBuffer f = rowsOut.asFloatBuffer();
                        int kept = 0;
                        for (int i = 0; i < b.size(); i++) {
                            long[] special = b.get(i).getSpecialTokenMask();
                            for (int j = 0; j < special.length; j++) {
                                if (special[j] != 0) continue;
                                f.put(all.slice((i * t + j) * w, w));
                                kept++;
                            }
                        }
                        rowsOut.limit(kept * w * 4);
                        while (rowsOut.hasRemaining()) files[q].write(rowsOut);
                        if (q == 0) rows += kept;
                    }
                } finally {
                    for (OnnxTensor x : feed.values()) x.close();
                }
            }
        } finally {
            for (FileChannel c : files) {
                if (c != null) c.close();
            }
        }
        return rows;
    }

    @Benchmark
    public long sae4jActivations() throws IOException {
        ActivationExtractor.Options o = new ActivationExtractor.Options(Path.of(text), out.resolve("acts"),
                List.of(outputs.split(",")), MAX_TOKENS, batch, false, 1 << 16, threads, false);
        return ActivationExtractor.run(source, graph, o, null).rows();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
