package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.sae4j.spark.SparkTestData.D;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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

    /** What the single-machine features refuses, Spark refuses with one line and exit 2, before a job runs. */
    @Test
    void featuresRefusesPathsThatHoldNoRowsAndMismatchedTokens() throws IOException {
        Path acts = dir.resolve("refused-acts");
        Path shards = SparkTestData.npyShards(acts.resolve("other_tensor"), SparkTestData.rows(30, 3), 30, 15);
        Files.writeString(acts.resolve("tokens.tsv"), "row\tdocument\tposition\ttoken\n0\t0\t1\thi\n");
        Files.writeString(acts.resolve("activations.json"), "{\"model\": \"m.onnx\", \"outputs\": [{\"name\":"
                + " \"other\", \"directory\": \"other_tensor\"}]}");
        Path out = dir.resolve("refused-out");
        Result t = run("features", "--model", model.toString(), "--data", acts.resolve("tokens.tsv").toString(),
                "--out", out.toString());
        assertThat(t.code()).isEqualTo(2);
        assertThat(t.err().strip()).doesNotContain("\n").contains("neither a .npy file nor Parquet (no PAR1 magic)")
                .contains("(tokens.tsv goes to --tokens)");
        Result root = run("features", "--model", model.toString(), "--data", acts.toString(), "--out",
                out.toString());
        assertThat(root.code()).isEqualTo(2);
        assertThat(root.err().strip()).doesNotContain("\n").contains("an 'sae4j activations' output, not one of its"
                + " tensors; expected one of its output directories (other_tensor)");
        Result tokens = run("features", "--model", model.toString(), "--data", shards.toString(), "--tokens",
                acts.resolve("tokens.tsv").toString(), "--out", out.toString());
        assertThat(tokens.code()).as(tokens.err()).isEqualTo(2);
        assertThat(tokens.err().strip()).doesNotContain("\n").contains("tokens.tsv");
        // A model that records another tensor than the rows: refused as sae4j features refuses it.
        Path recorded = dir.resolve("recorded-model");
        Files.createDirectories(recorded);
        for (String f : List.of("cfg.json", "model.safetensors")) {
            Files.copy(model.resolve(f), recorded.resolve(f));
        }
        java.util.Map<String, Object> cfg = org.sae4j.io.json.Json.readObject(recorded.resolve("cfg.json"));
        cfg.put("activations", java.util.Map.of("model", "m.onnx", "output", "trained"));
        Files.writeString(recorded.resolve("cfg.json"), org.sae4j.io.json.Json.write(cfg));
        Result other = run("features", "--model", recorded.toString(), "--data", shards.toString(), "--out",
                out.toString());
        assertThat(other.code()).as(other.err()).isEqualTo(2);
        assertThat(other.err().strip()).doesNotContain("\n").contains("activations of output 'other' of m.onnx, but"
                + " model " + recorded + " was trained on output 'trained' of m.onnx");
        assertThat(out).doesNotExist();
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
