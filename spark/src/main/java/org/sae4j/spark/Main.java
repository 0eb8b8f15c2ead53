package org.sae4j.spark;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.sae4j.BadInputException;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureData;
import org.sae4j.train.Checkpoint;

/**
 * Entry point for {@code spark-submit --class org.sae4j.spark.Main sae4j-spark.jar encode|features …}
 * ({@code src/docs/spark.md}). Exit code 2 and one line for bad input, as the {@code sae4j} CLI.
 */
public final class Main {
    static final String USAGE = """
            usage: spark-submit --class org.sae4j.spark.Main sae4j-spark.jar COMMAND ...
              features --model DIR --data PATH [--column NAME] [--tokens tokens.tsv] [--top N] [--context C]
                       [--batch B] [--dense-threshold F] [--require-simd] [--force] --out DIR
                  statistics of every latent over PATH (Parquet with an array<float> or array<array<float>>
                  column, default 'activations'; or .npy shards) in the layout of sae4j features, page included
              encode --model DIR --data PARQUET [--column NAME] [--k K] [--batch B] [--require-simd] --out PARQUET
                  the input rows with two columns added: sae_indices array<int>, sae_values array<float>
            """;

    private Main() {
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        SparkSession.getActiveSession().foreach(s -> {
            s.stop();
            return null;
        });
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs one command in the active (or a new) Spark session, which it leaves running. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            if (args.length == 0 || args[0].equals("--help")) {
                out.print(USAGE);
                return args.length == 0 ? 2 : 0;
            }
            String[] rest = java.util.Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "features" -> features(rest, out);
                case "encode" -> encode(rest, out);
                default -> throw new BadInputException("unknown command '" + args[0] + "'; expected encode or"
                        + " features");
            }
            return 0;
        } catch (BadInputException e) {
            err.println("sae4j-spark: " + e.getMessage());
            return 2;
        } catch (Exception e) { // SparkException is checked, and thrown undeclared
            RuntimeException u = Failures.unwrap(e);
            if (u instanceof BadInputException b) {
                err.println("sae4j-spark: " + b.getMessage());
                return 2;
            }
            err.println("sae4j-spark: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static SparkSession session() {
        SparkSession.Builder b = SparkSession.builder().appName("sae4j");
        if (!new SparkConf().contains("spark.master") && SparkSession.getActiveSession().isEmpty()) {
            b.master("local[*]"); // run with plain java: this machine's cores
        }
        return b.getOrCreate();
    }

    private static void features(String[] argv, PrintStream out) throws IOException {
        Map<String, String> a = parse("features", argv, Set.of("--model", "--data", "--column", "--tokens", "--top",
                "--context", "--batch", "--dense-threshold", "--out"), Set.of("--require-simd", "--force"));
        String tokens = a.get("--tokens");
        SparkFeatures.Options o = new SparkFeatures.Options(Path.of(required(a, "features", "--model")),
                required(a, "features", "--data"), a.getOrDefault("--column", "activations"),
                tokens == null ? null : Path.of(tokens), integer(a, "--top", 20), integer(a, "--context", 8),
                integer(a, "--batch", 1024), number(a, "--dense-threshold", 0.1), a.containsKey("--require-simd"),
                a.containsKey("--force"));
        Path outDir = Path.of(required(a, "features", "--out"));
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

    private static void encode(String[] argv, PrintStream out) throws IOException {
        Map<String, String> a = parse("encode", argv, Set.of("--model", "--data", "--column", "--k", "--batch",
                "--out"), Set.of("--require-simd"));
        String data = required(a, "encode", "--data");
        Path outDir = Path.of(required(a, "encode", "--out")).toAbsolutePath().normalize();
        if (Files.exists(outDir)) {
            throw new BadInputException(outDir + ": exists; expected a new path for the encoded Parquet");
        }
        SaeTransformer t = new SaeTransformer().setModelPath(required(a, "encode", "--model"))
                .setInputCol(a.getOrDefault("--column", "activations")).setK(integer(a, "--k", 32))
                .setBatchSize(integer(a, "--batch", 1024)).setRequireSimd(a.containsKey("--require-simd"));
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

    // ---------------------------------------------------------------- arguments

    private static Map<String, String> parse(String cmd, String[] argv, Set<String> options, Set<String> flags) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String s = argv[i];
            if (flags.contains(s)) {
                m.put(s, "true");
            } else if (options.contains(s)) {
                if (i + 1 == argv.length) {
                    throw new BadInputException(cmd + " " + s + ": expected a value");
                }
                m.put(s, argv[++i]);
            } else {
                throw new BadInputException(cmd + ": unknown argument '" + s + "'; see --help");
            }
        }
        return m;
    }

    private static String required(Map<String, String> a, String cmd, String name) {
        String v = a.get(name);
        if (v == null) {
            throw new BadInputException(cmd + ": " + name + " is required; see --help");
        }
        return v;
    }

    private static int integer(Map<String, String> a, String name, int dflt) {
        String v = a.get(name);
        try {
            return v == null ? dflt : Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " " + v + ": expected an integer");
        }
    }

    private static double number(Map<String, String> a, String name, double dflt) {
        String v = a.get(name);
        try {
            return v == null ? dflt : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " " + v + ": expected a number");
        }
    }
}
