package org.sae4j.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sae4j.BadInputException;
import org.sae4j.cli.Args;
import org.sae4j.cli.Opt;
import org.sae4j.cli.OptionTable;
import org.sae4j.cli.RegisteredCommand;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureData;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * Entry point for {@code spark-submit --class org.sae4j.spark.Main sae4j-spark.jar encode|features …}
 * ({@code src/docs/spark.md}). Options, {@code --help} and exit codes are core's ({@link OptionTable},
 * {@link org.sae4j.cli.Main#exitCode}): 2 and one line for bad input, as the {@code sae4j} CLI.
 */
public final class Main {
    static final Opt<String> MODEL = Opt.string("--model", "DIR", "the trained SAE").asRequired();
    static final Opt<String> COLUMN = Opt.string("--column", "NAME", "the Parquet column").withDefault("activations");
    static final Opt<Path> TOKENS = Opt.path("--tokens", "tokens.tsv", "token texts, row-aligned with PATH, for"
            + " contexts");
    static final Opt<Integer> TOP = Opt.integer("--top", "N", "top activations kept per latent").withDefault("20");
    static final Opt<Integer> CONTEXT = Opt.integer("--context", "C", "tokens of context either side")
            .withDefault("8");
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "rows per encoder call").withDefault("1024");
    static final Opt<Double> DENSE_THRESHOLD = Opt.number("--dense-threshold", "F", "a latent firing on more than"
            + " this fraction of rows is dense").withDefault("0.1");
    static final Opt<Boolean> REQUIRE_SIMD = Opt.flag("--require-simd", "fail when an executor runs the scalar"
            + " kernels, not SIMD");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "replace an existing DIR");
    static final Opt<String> FEATURES_DATA = Opt.string("--data", "PATH", "Parquet or .npy shards (a path or a URI"
            + " Spark reads)").asRequired();
    static final Opt<Path> FEATURES_OUT = Opt.path("--out", "DIR", "where the statistics and the page go")
            .asRequired();
    static final Opt<String> ENCODE_DATA = Opt.string("--data", "PARQUET", "the input rows").asRequired();
    static final Opt<String> ENCODE_COLUMN = Opt.string("--column", "NAME", "an array<float> column")
            .withDefault("activations");
    static final Opt<Integer> K = Opt.integer("--k", "K", "codes kept per row").withDefault("32");
    static final Opt<Path> ENCODE_OUT = Opt.path("--out", "PARQUET", "a new path for the encoded rows").asRequired();

    static final OptionTable FEATURES = OptionTable.of("spark features", "statistics of every latent over PATH in"
                    + " the layout of sae4j features, page included",
            List.of("PATH: Parquet with an array<float> or array<array<float>> column, or .npy shards"),
            Opt.options(List.of(MODEL, FEATURES_DATA, COLUMN, TOKENS, TOP, CONTEXT, BATCH, DENSE_THRESHOLD,
                    REQUIRE_SIMD, FORCE, FEATURES_OUT)));

    static final OptionTable ENCODE = OptionTable.of("spark encode", "the input rows with two columns added:"
                    + " sae_indices array<int>, sae_values array<float>",
            List.of(),
            Opt.options(List.of(MODEL, ENCODE_DATA, ENCODE_COLUMN, K, BATCH, REQUIRE_SIMD, ENCODE_OUT)));

    static final String USAGE = "usage: spark-submit --class org.sae4j.spark.Main sae4j-spark.jar COMMAND ...\n"
            + FEATURES.overview() + ENCODE.overview();

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        stopSession();
        if (code != 0) {
            System.exit(code);
        }
    }

    private static void stopSession() {
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
    }

    /**
     * {@code sae4j spark features|encode} as core's {@code org.sae4j.cli.Main} lists it (found through
     * {@code META-INF/services/org.sae4j.cli.Command} when the launcher puts the spark jars on the class path): one
     * command in local mode, whose session ends with it, as {@link #main} ends it for {@code spark-submit}.
     */
    public static final class Registered extends RegisteredCommand {
        public Registered() {
            super("spark", "features | encode on Apache Spark", List.of(FEATURES, ENCODE), (args, out, err) -> {
                int code = Main.run(args, out, err);
                stopSession();
                return code;
            });
        }
    }

    /** Runs one command in the active (or a new) Spark session, which it leaves running. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        return org.sae4j.cli.Main.exitCode(() -> {
            try {
                switch (args[0]) {
                    case "features" -> features(FEATURES.parse(args, 1), out);
                    case "encode" -> encode(ENCODE.parse(args, 1), out);
                    default -> throw new BadInputException("unknown command '" + args[0] + "'; expected encode or"
                            + " features");
                }
            } catch (Exception e) { // SparkException is checked, and thrown undeclared
                RuntimeException u = Failures.unwrap(e); // a task's bad input, back as one line
                if (e instanceof IOException io && !(u instanceof BadInputException)) {
                    throw io;
                }
                throw u;
            }
        }, out, err);
    }

    private static SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().appName("sae4j");
        if (!new SparkConf().contains("spark.master") && SparkSession.getActiveSession().isEmpty()) {
            b.master("local[*]"); // run with plain java: this machine's cores
        }
        return b.getOrCreate();
    }

    private static void features(Args a, PrintStream out) throws IOException {
        SparkFeatures.Options o = new SparkFeatures.Options(Path.of(a.required(MODEL)), a.required(FEATURES_DATA),
                a.get(COLUMN), a.get(TOKENS), a.get(TOP), a.get(CONTEXT), a.get(BATCH), a.get(DENSE_THRESHOLD),
                a.get(REQUIRE_SIMD), a.get(FORCE));
        Path outDir = a.required(FEATURES_OUT);
        SparkSession spark = session();
        long t0 = System.nanoTime(); // from the model's load on, as sae4j features counts
        FeatureData f = SparkFeatures.run(spark, o, outDir);
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, Object> i = f.info();
        out.printf(Locale.ROOT, "features of %s on %s (%d rows, %.1f s, %.0f rows/s): R2 %.4f, explained variance"
                        + " %.4f, L0 %.2f, dead %d, dense %d of %d latents -> %s%n", o.model(), o.data(), f.rows(),
                secs, f.rows() / secs, (Double) i.get("r2"), (Double) i.get("explained_variance"),
                (Double) i.get("l0"), i.get("dead"), i.get("dense"), f.latents(),
                outDir.toAbsolutePath().normalize().resolve(FeatureBrowserPage.FILE));
    }

    private static void encode(Args a, PrintStream out) throws IOException {
        String data = a.required(ENCODE_DATA);
        Path outDir = a.required(ENCODE_OUT).toAbsolutePath().normalize();
        if (Files.exists(outDir)) {
            throw new BadInputException(outDir + ": exists; expected a new path for the encoded Parquet");
        }
        if (SparkInputs.kind(data) != SparkInputs.Kind.PARQUET) {
            throw new BadInputException(data + ": .npy rows; expected Parquet (spark encode adds columns to a"
                    + " table; spark features reads .npy shards)");
        }
        SaeTransformer t = new SaeTransformer().setModelPath(a.required(MODEL)).setInputCol(a.get(ENCODE_COLUMN))
                .setK(a.get(K)).setBatchSize(a.get(BATCH)).setRequireSimd(a.get(REQUIRE_SIMD));
        SparkSession spark = session();
        long t0 = System.nanoTime();
        try {
            Dataset<Row> in = SparkFeatures.parquet(spark, data);
            t.transform(in).write().parquet(outDir.toString());
        } catch (Exception e) { // SparkException is checked, and thrown undeclared
            Checkpoint.deleteTree(outDir); // a failed job leaves no partial output
            throw Failures.unwrap(e);
        }
        long rows = spark.read().parquet(outDir.toString()).count();
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "encoded %d rows of %s in %.1f s (%.0f rows/s) -> %s%n", rows, data, secs,
                rows / secs, outDir);
    }
}
