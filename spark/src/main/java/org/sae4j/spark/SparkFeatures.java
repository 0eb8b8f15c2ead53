package org.sae4j.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.features.ContextRows;
import org.sae4j.features.DecoderNeighbours;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureOutput;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;

/**
 * {@code sae4j features} on Spark: each task encodes its rows through the executor's shared {@link SaeEncoder} and
 * accumulates a {@link FeatureStats} partial in the same {@code mapPartitions}; the partials are merged (bit-identical
 * for any split) and written in the layout of {@code src/docs/features.md}, with the same feature page.
 */
public final class SparkFeatures {
    /** Same as the single-machine command's. */
    static final int NEAREST = 8;

    /**
     * What to compute and where. {@code data} is a path or a URI Spark reads ({@code hdfs://…}, {@code s3a://…}),
     * {@code column} names the Parquet column (ignored for {@code .npy} input),
     * {@code tokens} a {@code tokens.tsv} for contexts or null.
     */
    public record Options(Path model, String data, String column, Path tokens, int top, int context, int batch,
                          double denseThreshold, boolean requireSimd, boolean force) {
        public Options {
            if (top < 1 || batch < 1 || context < 0) {
                throw new BadInputException("features: --top " + top + ", --batch " + batch + ", --context " + context
                        + ": expected top and batch ≥ 1, context ≥ 0");
            }
            if (!(denseThreshold > 0 && denseThreshold <= 1)) {
                throw new BadInputException("features --dense-threshold " + denseThreshold + ": expected a fraction of"
                        + " rows in (0, 1]");
            }
        }
    }

    private SparkFeatures() {
    }

    /** Runs the job and writes {@code out} (complete, or not at all); returns what was written. */
    public static FeatureData run(SparkSession spark, Options o, Path out) throws IOException {
        Path outDir = out.toAbsolutePath().normalize();
        FeatureOutput.checkDir(outDir, o.force());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ExecutorEncoders.Shipped shipped = ExecutorEncoders.ship(sc, o.model());
        SaeEncoder enc = shipped.encoder();
        int d = enc.dim();
        // Everything the single-machine command refuses is refused here, before a job runs.
        boolean npy = SparkInputs.kind(o.data()) == SparkInputs.Kind.NPY;
        if (npy && !o.force()) {
            ActivationSource.check(ActivationSource.ofModel(o.model()), ActivationSource.of(Path.of(o.data())),
                    "spark features --data " + o.data(), "model " + o.model() + " was trained on",
                    "--force to use them anyway");
        }
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> df = npy ? null : parquet(spark, o.data());
        if (o.tokens() != null) {
            long rows;
            if (npy) {
                try (org.sae4j.data.NpyDataset data = org.sae4j.data.NpyDataset.open(Path.of(o.data()))) {
                    rows = data.rows();
                }
            } else {
                rows = df.count(); // Parquet keeps row counts in its footers: a metadata read, not a scan
            }
            ContextRows.checkRows(o.tokens(), rows, Path.of(o.data()));
        }
        JavaRDD<RowBlock> blocks = npy
                ? SparkInputs.npy(sc, Path.of(o.data()), d, o.batch(), sc.defaultParallelism())
                : SparkInputs.column(df, o.column(), o.data(), d, o.batch());
        FeatureStats stats;
        try {
            stats = stats(blocks, shipped.model(), d, enc.latents(), o.top(), o.requireSimd());
        } catch (Exception e) { // SparkException is checked, and thrown undeclared
            throw Failures.unwrap(e);
        }
        if (stats.rows() == 0) {
            throw new BadInputException(o.data() + ": 0 rows; expected at least one row");
        }
        DecoderNeighbours.Result nn = DecoderNeighbours.compute(enc, NEAREST);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("activation", enc.config().activation().id());
        info.put("k", enc.config().activation().usesK() ? (Object) (long) enc.config().k() : null);
        info.put("context", (long) o.context());
        info.put("model", o.model().toString());
        info.put("model_parameters_sha256", shipped.parameterSha256()); // sae4j features' key; export checks it
        info.put("data", o.data());
        info.put("tokens", o.tokens() == null ? null : o.tokens().toString());
        FeatureData f = FeatureData.of(stats, o.denseThreshold(), info, nn.k(), nn.indices(), nn.cosines(), null);
        if (o.tokens() != null) {
            f = f.withContexts(ContextRows.select(o.tokens(), f.shownRows(), o.context()));
        }
        FeatureOutput.writeAtomically(outDir, f);
        return f;
    }

    /** A Parquet file or directory; one line when Spark cannot read it. */
    static org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> parquet(SparkSession spark, String data) {
        if (!data.contains("://") && !java.nio.file.Files.exists(Path.of(data))) {
            // Checked here: Spark would log a stack trace before its own error.
            throw new BadInputException(data + ": no such file or directory; expected Parquet files or a .npy file"
                    + " or shard directory");
        }
        try {
            return spark.read().parquet(data);
        } catch (Exception e) { // AnalysisException (path not found, not Parquet) is checked, thrown undeclared
            if (!(e instanceof org.apache.spark.sql.AnalysisException)) {
                throw Failures.unwrap(e);
            }
            String m = String.valueOf(e.getMessage());
            int nl = m.indexOf('\n');
            throw new BadInputException(data + ": " + (nl < 0 ? m : m.substring(0, nl)) + "; expected Parquet"
                    + " files or a .npy file or shard directory");
        }
    }

    /** The merged statistics of every block: one pass, encoding and statistics in the same task. */
    static FeatureStats stats(JavaRDD<RowBlock> blocks, ExecutorEncoders.Model model, int d, int n, int topN,
                              boolean requireSimd) {
        JavaRDD<FeatureStats> partials = blocks.mapPartitions(it -> {
            FeatureStats s = new FeatureStats(d, n, topN);
            if (it.hasNext()) {
                SaeEncoder enc = ExecutorEncoders.get(model, requireSimd);
                while (it.hasNext()) {
                    RowBlock b = it.next();
                    FeatureScan.observe(enc, s, b.x(), b.firstRow(), b.rows());
                }
            }
            return List.of(s).iterator();
        });
        return partials.treeReduce((a, b) -> {
            a.merge(b);
            return a;
        });
    }
}
