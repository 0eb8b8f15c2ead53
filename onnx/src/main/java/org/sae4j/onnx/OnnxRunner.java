package org.sae4j.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sae4j.BadInputException;

/**
 * An ONNX Runtime session over a transformer that takes token ids, with the requested tensors (graph outputs or any
 * intermediate tensor, added as graph outputs) fetched per batch as {@code [batch, sequence, width]} float arrays.
 *
 * <p>Inputs it can feed: {@code input_ids} (required), {@code attention_mask}, {@code token_type_ids},
 * {@code position_ids}; int64 or int32. Batches are right-padded; the attention mask hides the padding. A decoder
 * exported with a key/value cache (Optimum's {@code text-generation-with-past}: {@code past_key_values.L.key},
 * {@code .value}, and {@code use_cache_branch} in a merged export) gets an empty cache (past length 0, the cache
 * branch off), so each document runs from its start as without a cache.
 */
public final class OnnxRunner implements AutoCloseable {
    private static final Set<String> FEEDABLE = Set.of("input_ids", "attention_mask", "token_type_ids",
            "position_ids");
    private static final String USE_CACHE_BRANCH = "use_cache_branch";

    /** A key/value cache input of a decoder export ({@code past_key_values.0.key}, GPT-J's {@code past.0.key}). */
    static boolean isCache(String input) {
        return input.startsWith("past_key_values") || input.startsWith("past.");
    }

    /** The fetched tensors of one batch: {@code values[o]} is output o as {@code [batch][seq][width]} flattened. */
    public record Batch(int batch, int seq, int[] widths, float[][] values) {}

    private final String source;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<String> outputs;
    private final String cutAt; // the tensor fed instead of computed, or null
    private final Map<String, OnnxJavaType> inputTypes = new LinkedHashMap<>();
    private final Map<String, long[]> inputShapes = new LinkedHashMap<>();

    /**
     * Starts a session on {@code source}'s model with {@code outputs} fetchable.
     *
     * @param threads ORT intra-op threads (0 = one per processor the JVM may use)
     */
    public OnnxRunner(ModelSource source, OnnxGraph graph, List<String> outputs, int threads) {
        this(source, graph, outputs, threads, null, 0);
    }

    /**
     * As above on the model cut at {@code cutAt} ({@link OnnxGraph#withInputAt}): each {@link #run(List, float[])}
     * feeds that tensor, {@code width} floats per token, instead of computing it.
     */
    public OnnxRunner(ModelSource source, OnnxGraph graph, List<String> outputs, int threads, String cutAt,
            int width) {
        this.source = source.model();
        for (String o : outputs) {
            if (!graph.outputs().contains(o) && !graph.isComputed(o)) {
                throw new BadInputException(source.model() + ": has no tensor named '" + o + "'; expected a graph"
                        + " output " + graph.outputs() + " or an intermediate tensor (see --list-outputs)");
            }
        }
        for (String in : graph.feedInputs()) {
            if (!FEEDABLE.contains(in) && !isCache(in) && !in.equals(USE_CACHE_BRANCH)) {
                throw new BadInputException(source.model() + ": input '" + in + "' is not one sae4j can feed;"
                        + " expected inputs among " + FEEDABLE + " (and an empty past_key_values.* cache)");
            }
        }
        if (!graph.feedInputs().contains("input_ids")) {
            throw new BadInputException(source.model() + ": has no 'input_ids' input (inputs " + graph.feedInputs()
                    + "); expected a transformer over token ids");
        }
        if (cutAt != null && !graph.isComputed(cutAt)) {
            throw new BadInputException(source.model() + ": has no computed tensor '" + cutAt + "' to cut at;"
                    + " expected an intermediate tensor (see activations --list-outputs)");
        }
        this.outputs = List.copyOf(outputs);
        this.cutAt = cutAt;
        byte[] model = cutAt == null ? source.modelBytes() : graph.withInputAt(source.modelBytes(), cutAt, width);
        byte[] bytes = graph.withOutputs(model, outputs);
        this.env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL, "sae4j");
        try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions()) {
            // Not ORT's own default: it counts physical cores, and on a 2-vCPU VM it chose 1 thread (33 s instead
            // of 22 s for 3,600 fortunes); availableProcessors also honours a container's CPU limit.
            opts.setIntraOpNumThreads(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
            // Errors reach the user as one BadInputException line; ORT's own log would repeat them on stderr.
            opts.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL);
            this.session = env.createSession(bytes, opts);
            for (Map.Entry<String, NodeInfo> e : session.getInputInfo().entrySet()) {
                if (e.getKey().equals(cutAt)) continue; // fed by run(docs, values), not from the tokens
                if (e.getValue().getInfo() instanceof TensorInfo ti) {
                    inputTypes.put(e.getKey(), ti.type);
                    inputShapes.put(e.getKey(), ti.getShape());
                }
            }
        } catch (OrtException e) {
            throw new BadInputException(source.model() + ": ONNX Runtime cannot load it ("
                    + TextTokenizer.oneLine(e) + ")", e);
        }
    }

    public List<String> outputs() {
        return outputs;
    }

    /**
     * Runs one right-padded batch of token sequences and returns every requested output.
     *
     * @param docs the tokenized documents of the batch
     */
    public Batch run(List<TextTokenizer.Tokens> docs) {
        if (cutAt != null) throw new IllegalStateException("a cut model needs run(docs, values)");
        return run(docs, null);
    }

    /**
     * As {@link #run(List)} on a cut model: {@code cut} holds the cut tensor as {@code [batch, seq, width]}
     * flattened, {@code seq} the longest document's length (what {@link Batch#seq()} of the uncut run says).
     */
    public Batch run(List<TextTokenizer.Tokens> docs, float[] cut) {
        int b = docs.size();
        int t = longest(docs);
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            feed(feed, docs, t, cut);
            try (OrtSession.Result r = session.run(feed, Set.copyOf(outputs))) {
                int[] widths = new int[outputs.size()];
                float[][] values = new float[outputs.size()][];
                for (int o = 0; o < outputs.size(); o++) {
                    OnnxTensor tensor = checked(r, o, b, t);
                    widths[o] = Math.toIntExact(tensor.getInfo().getShape()[2]);
                    FloatBuffer fb = tensor.getFloatBuffer();
                    float[] a = new float[fb.remaining()];
                    fb.get(a);
                    values[o] = a;
                }
                return new Batch(b, t, widths, values);
            }
        } catch (OrtException e) {
            throw refused(docs, t, e);
        } finally {
            for (OnnxTensor x : feed.values()) x.close();
        }
    }

    /**
     * As {@link #run(List)}, with ONNX Runtime writing output o straight into {@code into[o]} (a direct buffer in
     * native byte order holding at least {@code batch × seq × widths[o]} floats, {@code widths} as a first run
     * reported): no copy on the Java side. Returns {@code seq}, the longest document's length; output o is then
     * {@code into[o]}'s first {@code batch × seq × widths[o]} floats, {@code [batch, seq, width]} row-major.
     */
    public int runInto(List<TextTokenizer.Tokens> docs, int[] widths, ByteBuffer[] into) {
        if (cutAt != null) throw new IllegalStateException("a cut model needs run(docs, values)");
        int b = docs.size();
        int t = longest(docs);
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        Map<String, OnnxTensor> pinned = new LinkedHashMap<>();
        try {
            feed(feed, docs, t, null);
            for (int o = 0; o < outputs.size(); o++) {
                FloatBuffer f = into[o].duplicate().clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
                f.limit(b * t * widths[o]);
                pinned.put(outputs.get(o), OnnxTensor.createTensor(env, f.slice(), new long[] {b, t, widths[o]}));
            }
            try (OrtSession.Result r = session.run(feed, pinned)) {
                for (int o = 0; o < outputs.size(); o++) checked(r, o, b, t);
            }
            return t;
        } catch (OrtException e) {
            throw refused(docs, t, e);
        } finally {
            for (OnnxTensor x : feed.values()) x.close();
            for (OnnxTensor x : pinned.values()) x.close();
        }
    }

    /** The padded length of a batch: its longest document's. */
    static int longest(List<TextTokenizer.Tokens> docs) {
        int t = 0;
        for (TextTokenizer.Tokens d : docs) t = Math.max(t, d.length());
        return t;
    }

    /** Output o of {@code r}, checked to be a float32 {@code [b, t, width]} tensor. */
    private OnnxTensor checked(OrtSession.Result r, int o, int b, int t) {
        String name = outputs.get(o);
        OnnxValue v = r.get(name).orElseThrow();
        if (!(v instanceof OnnxTensor tensor)) {
            throw new BadInputException(source + ": output '" + name + "' is not a tensor");
        }
        TensorInfo info = tensor.getInfo();
        long[] s = info.getShape();
        if (s.length != 3 || s[0] != b || s[1] != t) {
            throw new BadInputException(source + ": output '" + name + "' has shape "
                    + java.util.Arrays.toString(s) + " for a batch of " + b + " × " + t
                    + " tokens; expected [batch, sequence, width] (one row per token)");
        }
        if (info.type != OnnxJavaType.FLOAT) {
            throw new BadInputException(source + ": output '" + name + "' holds " + info.type
                    + "; expected float32");
        }
        return tensor;
    }

    /** Most often ids beyond the model's vocabulary: the tokenizer is not the model's. */
    private BadInputException refused(List<TextTokenizer.Tokens> docs, int t, OrtException e) {
        long maxId = 0;
        for (TextTokenizer.Tokens d : docs) {
            for (long id : d.ids()) maxId = Math.max(maxId, id);
        }
        return new BadInputException(source + ": ONNX Runtime refused a batch of " + docs.size() + " × " + t
                + " tokens with ids up to " + maxId + " (" + TextTokenizer.oneLine(e)
                + "); expected a tokenizer that fits the model");
    }

    /** The right-padded inputs of {@code docs} at length {@code t} (and the cut tensor, if any) into {@code feed}. */
    private void feed(Map<String, OnnxTensor> feed, List<TextTokenizer.Tokens> docs, int t, float[] cut)
            throws OrtException {
        int b = docs.size();
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] types = new long[b * t];
        long[] pos = new long[b * t];
        for (int i = 0; i < b; i++) {
            TextTokenizer.Tokens d = docs.get(i);
            for (int j = 0; j < d.length(); j++) {
                ids[i * t + j] = d.ids()[j];
                mask[i * t + j] = 1;
                types[i * t + j] = d.typeIds()[j];
                pos[i * t + j] = j;
            }
        }
        feed(feed, new long[] {b, t}, ids, mask, types, pos);
        if (cutAt != null) {
            long width = cut.length / ((long) b * t);
            if (width * b * t != cut.length) {
                throw new IllegalArgumentException(cut.length + " values for '" + cutAt + "' of " + b + " × "
                        + t + " tokens");
            }
            feed.put(cutAt, OnnxTensor.createTensor(env, FloatBuffer.wrap(cut), new long[] {b, t, width}));
        }
    }

    private OnnxTensor tensor(long[] v, long[] shape, OnnxJavaType type, String name) throws OrtException {
        return switch (type) {
            case INT64 -> OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape);
            case INT32 -> {
                int[] w = new int[v.length];
                for (int i = 0; i < v.length; i++) w[i] = Math.toIntExact(v[i]);
                yield OnnxTensor.createTensor(env, IntBuffer.wrap(w), shape);
            }
            default -> throw new BadInputException(source + ": input '" + name + "' is " + type
                    + "; expected int64 or int32");
        };
    }

    /**
     * Puts one tensor per model input into {@code feed}, as each is made, so the caller's {@code finally} closes
     * those made before a failure.
     */
    private void feed(Map<String, OnnxTensor> feed, long[] shape, long[] ids, long[] mask, long[] types, long[] pos)
            throws OrtException {
        for (Map.Entry<String, OnnxJavaType> in : inputTypes.entrySet()) {
            String name = in.getKey();
            if (isCache(name)) {
                feed.put(name, emptyCache(name, shape[0]));
                continue;
            }
            if (name.equals(USE_CACHE_BRANCH)) {
                feed.put(name, OnnxTensor.createTensor(env, new boolean[] {false}));
                continue;
            }
            long[] v = switch (name) {
                case "input_ids" -> ids;
                case "attention_mask" -> mask;
                case "token_type_ids" -> types;
                case "position_ids" -> pos;
                default -> throw new IllegalStateException("unchecked input " + name);
            };
            feed.put(name, tensor(v, shape, in.getValue(), name));
        }
    }

    /**
     * A cache of past length 0: {@code [batch, heads, 0, head_dim]} from the input's declared shape, the batch
     * first and every other symbolic dimension (the past length) 0, so the tensor holds no values.
     */
    private OnnxTensor emptyCache(String name, long batch) throws OrtException {
        if (inputTypes.get(name) != OnnxJavaType.FLOAT) {
            throw new BadInputException(source + ": cache input '" + name + "' is " + inputTypes.get(name)
                    + "; expected float32");
        }
        long[] s = inputShapes.get(name).clone();
        boolean zeroed = false;
        for (int i = 0; i < s.length; i++) {
            if (i == 0) s[i] = batch;
            else if (s[i] < 0) {
                s[i] = 0;
                zeroed = true;
            }
        }
        if (!zeroed) {
            throw new BadInputException(source + ": cache input '" + name + "' has the fixed shape "
                    + java.util.Arrays.toString(inputShapes.get(name)) + "; expected a symbolic past length");
        }
        return OnnxTensor.createTensor(env, FloatBuffer.allocate(0), s);
    }

    /** All feedable outputs of a probe run, as {@code name → shape}; for {@code --list-outputs}. */
    public Map<String, long[]> probeShapes(TextTokenizer.Tokens doc) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        long[] shape = {1, doc.length()};
        Map<String, OnnxTensor> feed = new LinkedHashMap<>();
        try {
            feed(feed, shape, doc.ids(), filled(doc.length(), 1), doc.typeIds(), iota(doc.length()));
            try (OrtSession.Result r = session.run(feed, Set.copyOf(outputs))) {
                for (String name : outputs) {
                    OnnxValue v = r.get(name).orElse(null);
                    if (v instanceof OnnxTensor tensor && tensor.getInfo().type == OnnxJavaType.FLOAT) {
                        shapes.put(name, tensor.getInfo().getShape());
                    }
                }
            }
        } catch (OrtException e) {
            throw new BadInputException(source + ": ONNX Runtime refused a probe input of " + doc.length()
                    + " tokens (" + TextTokenizer.oneLine(e) + "); expected a tokenizer that fits the model");
        } finally {
            for (OnnxTensor x : feed.values()) x.close();
        }
        return shapes;
    }

    private static long[] filled(int n, long v) {
        long[] a = new long[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static long[] iota(int n) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("closing the ONNX Runtime session", e);
        }
    }
}
