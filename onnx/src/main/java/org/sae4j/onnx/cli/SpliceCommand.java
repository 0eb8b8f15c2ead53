package org.sae4j.onnx.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.cli.Args;
import org.sae4j.cli.Main;
import org.sae4j.cli.Opt;
import org.sae4j.cli.OptionTable;
import org.sae4j.cli.RegisteredCommand;
import org.sae4j.data.ActivationSource;
import org.sae4j.formats.Format;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.kernels.KernelPool;
import org.sae4j.onnx.HookNames;
import org.sae4j.onnx.ModelSource;
import org.sae4j.onnx.NativeLibraries;
import org.sae4j.onnx.OnnxGraph;
import org.sae4j.onnx.SaeReconstruction;
import org.sae4j.onnx.SpliceEvaluator;
import org.sae4j.onnx.SpliceMeasure;

/**
 * {@code sae4j splice}: downstream fidelity of an SAE spliced into the model at the hook it was trained on. A
 * command of its own, not a mode of {@code eval}, because it needs the model and ONNX Runtime (the optional onnx
 * module) where {@code eval} needs only activation rows. Exit codes as {@link ActivationsCommand}.
 */
public final class SpliceCommand {
    static final Opt<String> ONNX = Opt.string("--onnx", "MODEL.onnx|builtin:all-minilm-l6-v2", "the model")
            .asRequired();
    static final Opt<String> TOKENIZER = Opt.string("--tokenizer", "tokenizer.json", "its tokenizer (the built-in"
            + " model brings its own)");
    static final Opt<Path> TEXT = Opt.path("--text", "FILE", "UTF-8, one document per line (held-out text)")
            .asRequired();
    static final Opt<String> OUTPUT = Opt.string("--output", "HOOK", "the tensor the SAE was trained on (a graph"
            + " tensor or blocks.N.hook_resid_post, as in activations --output; default: the one a sae4j model's"
            + " cfg.json records)");
    static final Opt<Path> MODEL = Opt.path("--model", "DIR", "the SAE folder (sae4j, SAELens, sparsify or Gemma"
            + " Scope)").asRequired();
    static final Opt<String> FORMAT = Opt.string("--format", "sae4j|saelens|sparsify|gemmascope", "the SAE folder's"
            + " format (default: detected)");
    static final Opt<String> HOOKPOINT = Opt.string("--hookpoint", "NAME", "which SAE of a sparsify run folder");
    static final Opt<Double> SCALING_FACTOR = Opt.number("--scaling-factor", "F", "SAELens expected_average_only_in,"
            + " when its cfg.json lacks it");
    static final Opt<String> MEASURE = Opt.string("--measure", "NAME", "the output compared (default: the first"
            + " graph output; a name containing 'logits' is measured as next-token logits)");
    static final Opt<Path> ACTIVATIONS = Opt.path("--activations", "DIR", "the activations output the SAE was"
            + " trained from: checks model and hook, and takes its --keep-special");
    static final Opt<Integer> MAX_TOKENS = Opt.integer("--max-tokens", "N", "longer documents are truncated")
            .withDefault("128");
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "documents per ONNX Runtime call")
            .withDefault("32");
    static final Opt<Boolean> SPLICE_SPECIAL = Opt.flag("--splice-special", "replace the rows of [CLS], [SEP],"
            + " BOS... too");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "splice at --output although the model records another"
            + " tensor");
    static final Opt<Integer> THREADS = Opt.integer("--threads", "T", "ONNX Runtime and SAE threads (default: one"
            + " per core)");
    static final Opt<Path> CACHE_DIR = Opt.path("--cache-dir", "DIR", "native libraries of ONNX Runtime and the"
            + " tokenizer");
    static final Opt<Boolean> JSON = Opt.flag("--json", "one JSON object on stdout");
    static final Opt<Boolean> QUIET = Opt.flag("--quiet", "no progress on stderr");

    static final OptionTable OPTIONS = OptionTable.of("splice", "runs a text through the model clean, with the hook"
            + " tensor replaced by the SAE's reconstruction (the graph cut at the hook, so the model's own later"
            + " layers run on it), by zeros and by the dataset mean of the hook rows; compares the measured output"
            + " (per-token cosine and relative L2 and the pooled sentence embedding, or next-token CE and KL for"
            + " logits) with the recovered fraction against both baselines.",
            List.of("special tokens keep their clean hook values unless --splice-special (or --activations"
                    + " names an extraction made with --keep-special)"),
            Opt.options(List.of(ONNX, TOKENIZER, TEXT, OUTPUT, MODEL, FORMAT, HOOKPOINT, SCALING_FACTOR, MEASURE,
                    ACTIVATIONS, MAX_TOKENS, BATCH, SPLICE_SPECIAL, FORCE, THREADS, CACHE_DIR, JSON, QUIET)));

    private SpliceCommand() {}

    /** {@code sae4j splice} as core's {@code Main} lists it (META-INF/services/org.sae4j.cli.Command). */
    public static final class Registered extends RegisteredCommand {
        public Registered() {
            super("splice", OPTIONS.summary(), List.of(OPTIONS), SpliceCommand::run);
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs {@code splice ARGS} and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return Main.exitCode(() -> execute(args, out, err), out, err);
    }

    private static void execute(String[] args, PrintStream out, PrintStream err) throws IOException {
        int from = args.length > 0 && args[0].equals("splice") ? 1 : 0;
        Args a = OPTIONS.parse(args, from);
        NativeLibraries.configure(ActivationsCommand.cacheDir(a.get(CACHE_DIR)));
        Path modelDir = a.required(MODEL);
        String f = a.get(FORMAT);
        LoadedModel sae = ModelFormats.load(modelDir, new ImportOptions(f == null ? null : Format.parse(f),
                a.get(HOOKPOINT), a.get(SCALING_FACTOR)));
        ModelSource source = ModelSource.resolve(a.required(ONNX), a.get(TOKENIZER));
        OnnxGraph graph = OnnxGraph.parse(source.modelBytes(), source.model());
        String hook = hook(a, sae, source, graph, modelDir);
        String measure = a.get(MEASURE);
        if (measure == null) {
            if (graph.outputs().isEmpty()) {
                throw new BadInputException(source.model() + ": has no graph outputs; expected --measure NAME");
            }
            measure = graph.outputs().get(0);
        }
        boolean spliceSpecial = a.get(SPLICE_SPECIAL);
        if (a.get(ACTIVATIONS) != null) {
            spliceSpecial |= checkActivations(a.get(ACTIVATIONS), source, hook);
        }
        int threads = a.get(THREADS, 0);
        SpliceEvaluator.Options o = new SpliceEvaluator.Options(a.required(TEXT), hook, measure,
                a.get(MAX_TOKENS), a.get(BATCH), spliceSpecial, threads);
        SpliceEvaluator.Result r;
        try (KernelPool pool = new KernelPool(threads > 0 ? threads : Runtime.getRuntime().availableProcessors())) {
            r = SpliceEvaluator.run(source, graph, o, new SaeReconstruction(sae, pool), a.get(QUIET) ? null
                    : err);
        }
        Map<String, Object> j = SpliceEvaluator.toJson(source, o, r);
        j.put("model", modelDir.toString());
        j.put("model_format", sae.format().name().toLowerCase(Locale.ROOT));
        if (a.get(JSON)) {
            out.println(Json.write(j));
        } else {
            print(out, modelDir, source, r, o);
        }
    }

    /**
     * {@code --output}, else the tensor a sae4j model records it was trained on; a hook or ONNX model other than the
     * recorded one is refused unless {@code --force}.
     */
    private static String hook(Args a, LoadedModel sae, ModelSource source, OnnxGraph graph, Path modelDir) {
        ActivationSource trained = sae.source();
        String given = a.get(OUTPUT);
        if (given == null) {
            if (trained == null) {
                throw new BadInputException("splice: --output HOOK is required (" + modelDir + " does not record the"
                        + " tensor it was trained on); expected the name given to 'activations --output'");
            }
            given = trained.output();
        }
        given = HookNames.resolve(graph, given, source.model() + " --output " + given);
        if (!a.get(FORCE)) {
            ActivationSource.check(trained, new ActivationSource(source.model(), source.modelSha256(), given,
                    HookNames.hookName(graph, given), null, null, 0, false, null, null), "splice --output " + given, "model " + modelDir + " was trained"
                    + " on", "--force to splice there anyway");
        }
        return given;
    }

    /**
     * Refuses activations of another model or another tensor than the hook (an SAE trained on another output);
     * returns their {@code keep_special}.
     */
    static boolean checkActivations(Path dir, ModelSource source, String hook) throws IOException {
        Path info = dir.resolve("activations.json");
        if (!Files.isRegularFile(info)) {
            throw new BadInputException(dir + ": holds no activations.json; expected an 'sae4j activations' output"
                    + " (--activations)");
        }
        Map<String, Object> m = Json.readObject(info);
        Object sha = m.get("model_sha256");
        if (sha != null && !sha.equals(source.modelSha256())) {
            throw new BadInputException(info + ": activations of model " + m.get("model") + " (sha256 " + sha
                    + "), not of " + source.model() + "; expected the model the SAE was trained on");
        }
        boolean found = false;
        if (m.get("outputs") instanceof List<?> outs) {
            for (Object x : outs) {
                if (x instanceof Map<?, ?> om && hook.equals(om.get("name"))) found = true;
            }
        }
        if (!found) {
            throw new BadInputException(info + ": the SAE's activations hold no output '" + hook + "' (an SAE"
                    + " trained on another output); expected --output to be the tensor it was trained on");
        }
        return Boolean.TRUE.equals(m.get("keep_special"));
    }

    /** Four decimals; "n/a" where a fraction has nothing to recover (the ablation left the measure unchanged). */
    private static String f4(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static void print(PrintStream out, Path modelDir, ModelSource source, SpliceEvaluator.Result r,
            SpliceEvaluator.Options o) {
        out.printf(Locale.ROOT, "splice: SAE %s at %s of %s, measured at %s (%s)%n", modelDir, o.hook(),
                source.model(), r.output(), r.kind().name().toLowerCase(Locale.ROOT));
        out.printf(Locale.ROOT, "  %d documents (%d truncated to %d tokens), %d tokens, %d rows spliced (special"
                + " tokens %s)%n", r.documents(), r.truncated(), o.maxTokens(), r.tokens(), r.splicedRows(),
                r.spliceSpecial() ? "spliced too" : "kept clean");
        out.printf(Locale.ROOT, "  hook reconstruction: mse %.6g, relative L2 %.4f%n", r.hookMse(),
                r.hookRelativeL2());
        out.printf(Locale.ROOT, "  %-20s %10s %10s %10s %10s %10s %10s%n", "measure", "clean", "sae", "zero", "mean",
                "rec(zero)", "rec(mean)");
        for (SpliceMeasure m : r.measures()) {
            out.printf(Locale.ROOT, "  %-20s %10s %10s %10s %10s %10s %10s%n", m.name(), f4(m.clean()), f4(m.sae()),
                    f4(m.zero()), f4(m.mean()), f4(m.recoveredVsZero()), f4(m.recoveredVsMean()));
        }
        if (r.kind() == org.sae4j.onnx.SpliceMeasures.Kind.LOGITS) {
            out.printf(Locale.ROOT, "  CE-loss score %s, KL score %s (recovered against zero ablation)%n",
                    f4(r.measure("ce").recoveredVsZero()), f4(r.measure("kl").recoveredVsZero()));
        } else if (r.neighbours() > 0) {
            out.printf(Locale.ROOT, "  embedding: mean-pooled, L2-normalised (langchain4j's); knn overlap of each"
                    + " document's %d nearest neighbours%n", r.neighbours());
        }
        out.printf(Locale.ROOT, "  recovered = (m_ablation - m_sae) / (m_ablation - m_clean); %.1f s%n",
                r.seconds());
    }
}
