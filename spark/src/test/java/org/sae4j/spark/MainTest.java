package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sae4j.spark.SparkTestData.D;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.features.FeatureBrowserPage;
import org.sae4j.features.FeatureStatsReader;

/** The spark-submit entry point, as a user calls it: exit codes, output, one line for bad input. */
class MainTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void start() throws IOException {
        spark = SparkTestData.session("MainTest");
        model = SparkTestData.model(dir.resolve("main-model"), 8);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out), new PrintStream(err));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void featuresOnNpyShardsWritesThePage() throws IOException {
        int rows = 120;
        Path shards = SparkTestData.npyShards(dir.resolve("main-shards"), SparkTestData.rows(rows, 9), rows, 70);
        Path out = dir.resolve("main-features");
        Result r = run("features", "--model", model.toString(), "--data", shards.toString(), "--top", "4", "--out",
                out.toString(), "--require-simd");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("(120 rows").contains(FeatureBrowserPage.FILE);
        assertThat(out.resolve(FeatureBrowserPage.FILE)).isNotEmptyFile();
        assertThat(FeatureStatsReader.read(out).rows()).isEqualTo(rows);
        // A second run into the same directory needs --force.
        Result again = run("features", "--model", model.toString(), "--data", shards.toString(), "--out",
                out.toString());
        assertThat(again.code()).isEqualTo(2);
        assertThat(again.err()).contains("--force");
    }

    @Test
    void encodeWritesParquetWithCodesAndNothingOnBadInput() {
        float[] x = SparkTestData.rows(40, 10);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < 40; r++) {
            rows.add(RowFactory.create((Object) SparkTestData.row(x, r)));
        }
        StructType schema = new StructType().add("activations", DataTypes.createArrayType(DataTypes.FloatType,
                false));
        Path in = dir.resolve("in.parquet");
        spark.createDataFrame(rows, schema).write().parquet(in.toString());
        Path out = dir.resolve("codes.parquet");
        Result r = run("encode", "--model", model.toString(), "--data", in.toString(), "--k", "4", "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<Row> back = spark.read().parquet(out.toString()).collectAsList();
        assertThat(back).hasSize(40);
        assertThat(back.get(0).schema().fieldNames()).containsExactly("activations", "sae_indices", "sae_values");
        assertThat(back.stream().mapToInt(b -> b.getList(1).size()).max().getAsInt()).isBetween(1, 4);

        Path narrow = dir.resolve("narrow-in.parquet");
        rows.set(17, RowFactory.create((Object) new float[D + 1]));
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(narrow.toString());
        Path bad = dir.resolve("bad-codes.parquet");
        Result e = run("encode", "--model", model.toString(), "--data", narrow.toString(), "--out", bad.toString());
        assertThat(e.code()).isEqualTo(2);
        assertThat(e.err().strip()).doesNotContain("\n").contains("row 17 of this partition: " + (D + 1)
                + " values; expected the model's dim " + D);
        assertThat(bad).doesNotExist();

        Result u = run("encode", "--model", model.toString(), "--data", in.toString(), "--column", "x", "--out",
                bad.toString());
        assertThat(u.code()).isEqualTo(2);
        assertThat(u.err()).contains("no column 'x'");
        assertThat(bad).doesNotExist();

        Result m = run("encode", "--model", model.toString(), "--data", dir.resolve("missing.parquet").toString(),
                "--out", bad.toString());
        assertThat(m.code()).isEqualTo(2);
        assertThat(m.err().strip()).doesNotContain("\n").contains("missing.parquet");
        assertThat(bad).doesNotExist();
    }
}
