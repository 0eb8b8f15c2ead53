package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.sae4j.spark.SparkTestData.D;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;
import org.sae4j.features.FeatureStatsReader;
import org.sae4j.formats.ModelFormats;

/** The Spark job against {@code sae4j features} on the same data, for the three input forms, and its bad input. */
class SparkFeaturesTest {
    private static SparkSession spark;
    private static final int ROWS = 530;
    private static final int TOP = 6;

    @TempDir
    static Path dir;

    private static Path model;
    private static float[] x;
    private static Path shards;
    private static FeatureStats single;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestData.session("SparkFeaturesTest");
        model = SparkTestData.model(dir.resolve("features-model"), 3);
        x = SparkTestData.rows(ROWS, 4);
        shards = SparkTestData.npyShards(dir.resolve("shards"), x, ROWS, 200);
        try (NpyDataset data = NpyDataset.open(shards)) {
            single = FeatureScan.run(ModelFormats.loadEncoder(model), data, TOP, 64);
        }
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void npyShardsGiveTheSingleMachineDirectory() throws IOException {
        Path tokens = SparkTestData.tokens(dir.resolve("tokens.tsv"), ROWS);
        Path cliOut = dir.resolve("cli-out");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = org.sae4j.cli.Main.run(new String[] {"features", "--model", model.toString(), "--data",
                shards.toString(), "--tokens", tokens.toString(), "--top", "" + TOP, "--out", cliOut.toString(),
                "--batch", "100"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertThat(code).as(err.toString()).isZero();

        Path sparkOut = dir.resolve("spark-out");
        // Small batches and ranges: rows cross batch, range and shard boundaries in different places.
        SparkFeatures.run(spark, new SparkFeatures.Options(model, shards.toString(), null, tokens, TOP, 8, 37, 0.1, true,
                false), sparkOut);

        FeatureData a = FeatureStatsReader.read(cliOut);
        FeatureData b = FeatureStatsReader.read(sparkOut);
        assertThat(b.rows()).isEqualTo(ROWS);
        assertThat(b.topRows()).containsExactly(a.topRows());
        assertThat(b.topValues()).containsExactly(a.topValues());
        assertThat(b.nearest()).containsExactly(a.nearest());
        for (int j = 0; j < SparkTestData.N; j++) {
            assertThat(b.latentStats()[j * 4]).isEqualTo(a.latentStats()[j * 4]); // counts
            for (int c = 1; c < 4; c++) {
                assertThat(b.latentStats()[j * 4 + c]).isCloseTo(a.latentStats()[j * 4 + c], within(1e-9));
            }
        }
        for (String key : List.of("mse", "r2", "explained_variance", "l0")) {
            assertThat((Double) b.info().get(key)).as(key).isCloseTo((Double) a.info().get(key), within(1e-9));
        }
        for (String key : List.of("dead", "dense", "rows", "latents", "top_n", "activation", "tokens",
                "model_parameters_sha256")) {
            assertThat(b.info().get(key)).as(key).isEqualTo(a.info().get(key));
        }
        assertThat(b.contexts().rows()).containsExactly(a.contexts().rows());
        assertThat(b.contexts().tokens()).containsExactly(a.contexts().tokens());
        assertThat(sparkOut.resolve(FeatureBrowserPage.FILE)).isNotEmptyFile();
    }

    @Test
    void parquetTokenRowsInManyPartitionsMergeToTheSingleMachineStatistics() throws IOException {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            rows.add(RowFactory.create((Object) SparkTestData.row(x, r), (long) r));
        }
        StructType schema = new StructType().add("activations", DataTypes.createArrayType(DataTypes.FloatType, false))
                .add("id", DataTypes.LongType);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> df = spark.createDataFrame(sc.parallelize(rows, 5), schema);
        assertThat(df.rdd().getNumPartitions()).isEqualTo(5);
        Path parquet = dir.resolve("tokens.parquet");
        df.coalesce(1).write().parquet(parquet.toString());

        ExecutorEncoders.Model name = ExecutorEncoders.ship(sc, model).model();
        FeatureStats fromFrame = SparkFeatures.stats(SparkInputs.column(df, "activations", "df", D, 29), name, D,
                SparkTestData.N, TOP, true);
        assertThat(fromFrame.sameAs(single)).isTrue();
        Dataset<Row> back = spark.read().parquet(parquet.toString());
        FeatureStats fromFile = SparkFeatures.stats(SparkInputs.column(back, "activations", parquet.toString(), D, 64),
                name, D, SparkTestData.N, TOP, true);
        assertThat(fromFile.sameAs(single)).isTrue();
    }

    @Test
    void parquetSequencesAreCutIntoTokenRows() throws IOException {
        // Sequences of 1..40 tokens over the same rows, in 3 partitions.
        List<Row> seqs = new ArrayList<>();
        int r = 0;
        int len = 1;
        while (r < ROWS) {
            int m = Math.min(len, ROWS - r);
            float[][] s = new float[m][];
            for (int t = 0; t < m; t++) {
                s[t] = SparkTestData.row(x, r + t);
            }
            seqs.add(RowFactory.create((Object) s));
            r += m;
            len = len % 40 + 7;
        }
        StructType schema = new StructType().add("acts", DataTypes.createArrayType(
                DataTypes.createArrayType(DataTypes.FloatType, false), false));
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Dataset<Row> df = spark.createDataFrame(sc.parallelize(seqs, 3), schema);
        ExecutorEncoders.Model name = ExecutorEncoders.ship(sc, model).model();
        assertThat(ExecutorEncoders.ship(sc, model).model()).isSameAs(name); // broadcast once per application
        FeatureStats s = SparkFeatures.stats(SparkInputs.column(df, "acts", "df", D, 50), name, D,
                SparkTestData.N, TOP, true);
        assertThat(s.rows()).isEqualTo(ROWS);
        assertThat(s.sameAs(single)).isTrue();
    }

    @Test
    void badInputIsOneLineAndLeavesNoOutput() throws IOException {
        Path parquet = dir.resolve("narrow.parquet");
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 50; r++) {
            rows.add(RowFactory.create((Object) new float[r == 33 ? D - 1 : D]));
        }
        StructType schema = new StructType().add("acts", DataTypes.createArrayType(DataTypes.FloatType, false));
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(parquet.toString());

        Path out = dir.resolve("bad-out");
        assertThatThrownBy(() -> SparkFeatures.run(spark, options(model, parquet, "acts"), out))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("column 'acts', row 33: " + (D - 1) + " values; expected the model's dim " + D);
        assertThat(out).doesNotExist();

        assertThatThrownBy(() -> SparkFeatures.run(spark, options(model, parquet, "activations"), out))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("no column 'activations'");
        assertThat(out).doesNotExist();

        Path broken = Files.createDirectories(dir.resolve("broken-model"));
        Files.writeString(broken.resolve("cfg.json"), "{\"d_in\": 12");
        assertThatThrownBy(() -> SparkFeatures.run(spark, options(broken, parquet, "acts"), out))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("broken-model");
        assertThat(out).doesNotExist();
        assertThat(Files.list(dir).filter(p -> p.getFileName().toString().startsWith(".bad-out"))).isEmpty();
    }

    private static SparkFeatures.Options options(Path model, Path data, String column) {
        return new SparkFeatures.Options(model, data.toString(), column, null, TOP, 8, 64, 0.1, false, false);
    }
}
