package org.sae4j.onnx.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.cli.Args;
import org.sae4j.cli.Main;
import org.sae4j.cli.Opt;
import org.sae4j.cli.OptionTable;
import org.sae4j.cli.RegisteredCommand;
import org.sae4j.onnx.ActivationExtractor;
import org.sae4j.onnx.HookNames;
import org.sae4j.onnx.ModelSource;
import org.sae4j.onnx.NativeLibraries;
import org.sae4j.onnx.OnnxGraph;
import org.sae4j.onnx.OnnxRunner;
import org.sae4j.onnx.TextTokenizer;

/**
 * {@code sae4j activations}: the command of the optional onnx module. Core's {@code Main} finds it through
 * {@link java.util.ServiceLoader} ({@link Registered}) when the launcher puts the onnx jars on the class path, so
 * core names no ONNX class; exit codes follow core's: 0 ok, 2 bad usage or input (one line on stderr), 1 internal
 * or I/O error.
 */
public final class ActivationsCommand {
    static final Opt<String> ONNX = Opt.string("--onnx", "MODEL.onnx|builtin:all-minilm-l6-v2", "the model")
            .asRequired();
    static final Opt<String> TOKENIZER = Opt.string("--tokenizer", "tokenizer.json", "its tokenizer (the built-in"
            + " model brings its own)");
    static final Opt<Path> TEXT = Opt.path("--text", "FILE", "UTF-8, one document per line (empty lines skipped,"
            + " still counted as documents)").asRequired();
    static final Opt<Path> OUT = Opt.path("--out", "DIR", "where shards, tokens.tsv and activations.json go")
            .asRequired();
    static final Opt<List<String>> OUTPUT = Opt.repeatable("--output", "NAME", "a graph output, any intermediate"
            + " tensor, or blocks.N.hook_resid_post (the residual stream after block N, from 0) (default: the first"
            + " graph output, last_hidden_state for the built-in model)");
    static final Opt<Boolean> LIST_OUTPUTS = Opt.flag("--list-outputs", "show the per-token candidates for --output"
            + " with their shapes, by block");
    static final Opt<Integer> MAX_TOKENS = Opt.integer("--max-tokens", "N", "longer documents are truncated (special"
            + " tokens kept); the count is reported").withDefault("128");
    static final Opt<Integer> WINDOW = Opt.integer("--window", "N", "cut documents longer than N tokens into"
            + " consecutive windows of N (each with the document's special tokens) instead of truncating, as"
            + " SAELens's context_size; tokens.tsv then records each row's window");
    static final Opt<Integer> STRIDE = Opt.integer("--stride", "S", "with --window: each window starts S content"
            + " tokens after the one before (default: as many as a window holds, no overlap); a token's row comes"
            + " from the first window holding it");
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "documents per ONNX Runtime call")
            .withDefault("32");
    static final Opt<Boolean> KEEP_SPECIAL = Opt.flag("--keep-special", "keep rows of [CLS], [SEP], BOS..."
            + " (dropped by default)");
    static final Opt<Integer> SHARD_ROWS = Opt.integer("--shard-rows", "R", "rows per .npy shard")
            .withDefault("65536");
    static final Opt<String> DTYPE = Opt.string("--dtype", "T", "float32, or float16: half the disk, each value"
            + " rounded to nearest (train, eval, encode and features read both)").withDefault("float32");
    static final Opt<Integer> THREADS = Opt.integer("--threads", "T", "ONNX Runtime intra-op threads (default: one"
            + " per processor)");
    static final Opt<Path> CACHE_DIR = Opt.path("--cache-dir", "DIR", "native libraries of ONNX Runtime and the"
            + " tokenizer (default $XDG_CACHE_HOME/sae4j or ~/.cache/sae4j); nothing is downloaded");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "replace an existing DIR");
    static final Opt<Boolean> QUIET = Opt.flag("--quiet", "no progress on stderr");

    static final OptionTable OPTIONS = OptionTable.of("activations", "per-token activations of a transformer (ONNX"
            + " Runtime) as float32 .npy shards in DIR/<output>/ that 'sae4j train --data DIR/<output>' reads,"
            + " row-aligned with DIR/tokens.tsv; DIR/activations.json records the model (sha256), tokenizer, outputs,"
            + " shapes and counts.",
            List.of("sae4j activations --onnx MODEL --list-outputs [--tokenizer tokenizer.json]: the candidates"),
            Opt.options(List.of(ONNX, TOKENIZER, TEXT, OUT, OUTPUT, LIST_OUTPUTS, MAX_TOKENS, WINDOW, STRIDE, BATCH,
                    KEEP_SPECIAL, SHARD_ROWS, DTYPE, THREADS, CACHE_DIR, FORCE, QUIET)));

    /** {@code sae4j activations --help}. */
    static final String USAGE = OPTIONS.usage();

    private ActivationsCommand() {}

    /** {@code sae4j activations} as core's {@code Main} lists it (META-INF/services/org.sae4j.cli.Command). */
    public static final class Registered extends RegisteredCommand {
        public Registered() {
            super("activations", OPTIONS.summary(), List.of(OPTIONS), ActivationsCommand::run);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs {@code activations ARGS} and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Main.exitCode(() -> execute(args, out, err), out, err); // core's exit codes and one-line messages
    }

    private static void execute(String[] args, PrintStream out, PrintStream err) throws IOException {
        int from = args.length > 0 && args[0].equals("activations") ? 1 : 0;
        Args a = OPTIONS.parse(args, from); // --help: UsageRequest, printed by Main.exitCode
        List<String> outputs = new ArrayList<>(a.get(OUTPUT));
        NativeLibraries.configure(cacheDir(a.get(CACHE_DIR)));
        ModelSource source = ModelSource.resolve(a.required(ONNX), a.get(TOKENIZER));
        int maxTokens = a.get(MAX_TOKENS);
        if (a.get(LIST_OUTPUTS)) {
            listOutputs(source, maxTokens, a.get(THREADS, 0), out);
            return;
        }
        Path text = a.required(TEXT);
        Path outDir = a.required(OUT);
        OnnxGraph graph = OnnxGraph.parse(source.modelBytes(), source.model()); // ~90 MB: once, shared with the run
        if (outputs.isEmpty()) {
            if (graph.outputs().isEmpty()) throw new BadInputException(source.model() + ": has no graph outputs;"
                    + " expected --output NAME");
            outputs.add(graph.outputs().get(0));
        }
        ActivationExtractor.Options o = new ActivationExtractor.Options(text, outDir, outputs, maxTokens,
                a.get(BATCH), a.get(KEEP_SPECIAL), a.get(SHARD_ROWS), a.get(THREADS, 0), a.get(FORCE), a.get(DTYPE),
                a.get(WINDOW, 0), a.get(STRIDE, 0));
        ActivationExtractor.Summary s = ActivationExtractor.run(source, graph, o, a.get(QUIET) ? null : err);
        String cut = o.window() > 0 ? s.windows() + " windows of up to " + o.window() + " tokens"
                : s.truncated() + " truncated to " + maxTokens + " tokens";
        out.printf(Locale.ROOT, "activations: %d documents (%d empty lines skipped, %s),"
                + " %d tokens, %d rows in %.1f s (%.0f tokens/s)%n", s.documents(), s.emptyLines(), cut,
                s.tokens(), s.rows(), s.seconds(), s.tokensPerSecond());
        for (ActivationExtractor.OutputInfo i : s.outputs()) {
            out.printf(Locale.ROOT, "  %s -> %s (%d × %d, %d shard%s)%n", i.name(),
                    o.out().resolve(i.directory()), i.rows(), i.width(), i.shards(), i.shards() == 1 ? "" : "s");
        }
        out.println("  tokens -> " + o.out().resolve("tokens.tsv") + ", description -> "
                + o.out().resolve("activations.json"));
    }

    /** {@code --cache-dir}, else the {@code sae4j.onnx.cacheDir} property (tests), else the user's cache. */
    static Path cacheDir(Path given) {
        return given != null ? given : System.getProperty("sae4j.onnx.cacheDir") != null
                ? Path.of(System.getProperty("sae4j.onnx.cacheDir")) : NativeLibraries.defaultCacheDir();
    }

    /** Prints every tensor with one row per token ({@code [batch, sequence, width]}) on a probe sentence. */
    private static void listOutputs(ModelSource source, int maxTokens, int threads, PrintStream out)
            throws IOException {
        OnnxGraph graph = OnnxGraph.parse(source.modelBytes(), source.model());
        List<String> all = new ArrayList<>(graph.outputs());
        for (String t : graph.computedTensors()) {
            if (!all.contains(t)) all.add(t);
        }
        try (TextTokenizer tok = new TextTokenizer(source.tokenizerBytes(), source.tokenizer(), maxTokens);
             OnnxRunner runner = new OnnxRunner(source, graph, all, threads)) {
            TextTokenizer.Tokens probe = tok.encode("The quick brown fox jumps over the lazy dog.");
            Map<String, long[]> shapes = runner.probeShapes(probe);
            out.println("# per-token tensors of " + source.model() + " ([batch, sequence, width] on a probe of "
                    + probe.length() + " tokens), by block; pass a name or a hook to --output");
            out.println("# name\tshape\top\thook");
            List<HookNames.Block> blocks = HookNames.blocks(graph);
            String current = null;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                long[] s = e.getValue();
                if (s.length != 3 || s[0] != 1 || s[1] != probe.length()) continue;
                OnnxGraph.Node n = graph.producer(e.getKey());
                String op = graph.outputs().contains(e.getKey()) ? "graph output"
                        : n == null ? "?" : n.opType();
                String header = "# outside the blocks";
                String hook = "";
                for (HookNames.Block b : blocks) {
                    if (n != null && n.name().startsWith(b.prefix())) header = "# block " + b.index() + " ("
                            + b.prefix() + ")";
                    if (b.residPost().equals(e.getKey())) hook = b.hookName();
                }
                if (!header.equals(current)) {
                    out.println(header);
                    current = header;
                }
                out.println(e.getKey() + "\t[batch, sequence, " + s[2] + "]\t" + op + "\t" + hook);
            }
        }
    }
}
