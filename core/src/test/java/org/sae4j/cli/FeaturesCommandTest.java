package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.TokensTsv;
import org.sae4j.encode.EncoderFixtures;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;
import org.sae4j.features.FeatureStatsReader;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code sae4j features} end to end: the layout it writes reads back to the statistics; bad input leaves nothing. */
class FeaturesCommandTest {
    @TempDir
    Path dir;

    private Path model;
    private Path data;
    private static final int D = 6;
    private static final int N = 24;
    private static final int ROWS = 150;

    private final CliRun cli = new CliRun();

    @BeforeEach
    void setUp() throws IOException {
        Sae sae = EncoderFixtures.model(Activation.TOPK, D, N, 3, false, 1);
        model = dir.resolve("model");
        Checkpoint.save(model, sae, null);
        data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, EncoderFixtures.gaussian(ROWS * D, 2), ROWS, D);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String err() {
        return cli.stderr();
    }

    private Path tokens(int rows) throws IOException {
        Path t = dir.resolve("tokens-" + rows + ".tsv");
        try (TokensTsv.TokenWriter w = TokensTsv.writer(t)) {
            for (int r = 0; r < rows; r++) {
                w.write(r / 10, r % 10 + 1, "t" + r + (r % 7 == 0 ? "<b>\t" : ""));
            }
            w.commit();
        }
        return t;
    }

    /** --splice carries the figures of 'sae4j splice --json' into features.json and the page; a stranger's json is refused. */
    @Test
    void spliceFiguresGoInTheInfoAndThePage() throws IOException {
        Path splice = dir.resolve("splice.json");
        Files.writeString(splice, "{\"format\":\"sae4j-splice/1\",\"onnx\":\"builtin:all-minilm-l6-v2\","
                + "\"hook\":\"/encoder/layer.3/x\",\"output\":\"last_hidden_state\",\"documents\":3,"
                + "\"special_tokens\":\"clean\",\"seconds\":1.5,\"measures\":{\"token_cosine\":{\"clean\":1.0,"
                + "\"sae\":0.9,\"zero\":0.1,\"mean\":0.2,\"recovered_vs_zero\":0.875,\"recovered_vs_mean\":0.875}}}");
        Path outDir = dir.resolve("feat");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--splice",
                splice.toString(), "--out", outDir.toString())).as(err()).isEqualTo(0);
        assertThat(cli.stdout()).contains("splice at /encoder/layer.3/x: token_cosine 0.9000 (recovered 0.8750 vs"
                + " zero, 0.8750 vs mean)");
        FeatureData f = FeatureStatsReader.read(outDir);
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> sp = (java.util.Map<String, Object>) f.info().get("splice");
        assertThat(sp).containsEntry("hook", "/encoder/layer.3/x").containsKey("measures").doesNotContainKey("seconds");
        assertThat(Files.readString(outDir.resolve("index.html"))).contains("id=\"splice\"", "recovered_vs_zero");

        Files.writeString(splice, "{\"format\":\"sae4j-features\"}");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--splice",
                splice.toString(), "--out", dir.resolve("feat2").toString())).isEqualTo(2);
        assertThat(err()).contains("expected \"sae4j-splice/1\"");
        assertThat(dir.resolve("feat2")).doesNotExist();
    }

    @Test
    void writesTheLayoutAndThePage() throws IOException {
        Path outDir = dir.resolve("feat");
        Path tok = tokens(ROWS);
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--tokens", tok.toString(),
                "--top", "5", "--context", "2", "--out", outDir.toString())).as(err()).isEqualTo(0);
        assertThat(cli.stdout()).contains("features of", "index.html");
        FeatureData f = FeatureStatsReader.read(outDir);
        FeatureStats s;
        try (NpyDataset ds = NpyDataset.open(data)) {
            s = FeatureScan.run(ModelFormats.loadEncoder(model), ds, 5, 64);
        }
        assertThat(f.rows()).isEqualTo(ROWS);
        assertThat(f.topN()).isEqualTo(5);
        assertThat(((Number) f.info().get("dead")).longValue()).isEqualTo(s.deadCount());
        assertThat(((Number) f.info().get("r2")).doubleValue()).isEqualTo(s.r2());
        float[] v = new float[5];
        long[] r = new long[5];
        for (int j = 0; j < N; j++) {
            assertThat(f.latentStats()[j * 4]).isEqualTo(s.count(j));
            assertThat(f.latentStats()[j * 4 + 2]).isEqualTo(s.meanActivation(j));
            int got = s.top(j, v, r);
            for (int q = 0; q < 5; q++) {
                assertThat(f.topRows()[j * 5 + q]).isEqualTo(q < got ? r[q] : -1);
            }
            // Neighbours: distinct, not itself, cosines non-increasing.
            for (int q = 0; q < f.nearestK(); q++) {
                assertThat(f.nearest()[j * f.nearestK() + q]).isNotEqualTo(j);
                if (q > 0) {
                    assertThat(f.nearestCosines()[j * f.nearestK() + q])
                            .isLessThanOrEqualTo(f.nearestCosines()[j * f.nearestK() + q - 1]);
                }
            }
        }
        // Contexts: every line within 2 rows of a top row, and every top row present with its token.
        FeatureData.Contexts c = f.contexts();
        assertThat(c).isNotNull();
        for (int j = 0; j < N; j++) {
            for (int q = 0; q < 5; q++) {
                long row = f.topRows()[j * 5 + q];
                if (row >= 0) {
                    int i = java.util.Arrays.binarySearch(c.rows(), row);
                    assertThat(i).isGreaterThanOrEqualTo(0);
                    assertThat(c.tokens()[i]).startsWith("t" + row);
                }
            }
        }
        String html = Files.readString(outDir.resolve("index.html"));
        assertThat(html).contains("<script type=\"application/json\" id=\"feature-data\">")
                .doesNotContain("<b>").as("nothing fetched")
                .doesNotContain("src=", "href=\"http", "url(", "@import", "fetch(", "XMLHttpRequest");
        // Running again needs --force, then replaces the directory.
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--out",
                outDir.toString())).isEqualTo(2);
        assertThat(err()).contains("already holds feature statistics");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--out",
                outDir.toString(), "--force")).as(err()).isEqualTo(0);
        assertThat(outDir.resolve("contexts.tsv")).doesNotExist();
        assertOnlyExpectedEntries();
    }

    @Test
    void readerRefusesAnotherDtypeOrVersionNamingTheFile() throws IOException {
        Path outDir = dir.resolve("feat");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--top", "5", "--out",
                outDir.toString())).as(err()).isEqualTo(0);
        Path rows = outDir.resolve("top_rows.npy");
        NpyWriter.writeF32(rows, new float[N * 5], N, 5);
        assertThatThrownBy(() -> FeatureStatsReader.read(outDir)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(rows + ": header ").hasMessageContaining("expected a <i8 array of shape (" + N
                        + ", 5)");
        Path info = outDir.resolve("features.json");
        Files.writeString(info, Files.readString(info).replace("\"version\": 1", "\"version\": 2"));
        assertThatThrownBy(() -> FeatureStatsReader.read(outDir)).isInstanceOf(BadInputException.class)
                .hasMessage(info + ": version 2; expected 1");
    }

    @Test
    void readerNamesTheBadFieldOfFeaturesJson() throws IOException {
        Path outDir = dir.resolve("feat");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--top", "5", "--out",
                outDir.toString())).as(err()).isEqualTo(0);
        Path info = outDir.resolve("features.json");
        java.util.Map<String, Object> good = Json.readObject(info);
        String[][] cases = {{"latents", "-1", "field latents is -1; expected an integer in [0, 2^31)"},
            {"mse", "\"low\"", "field mse is a string; expected a number"},
            {"rows", "2.5", "field rows is 2.5; expected an integer"},
            {"format", "\"other\"", "field format is \"other\"; expected \"sae4j-features\""}};
        for (String[] c : cases) {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>(good);
            m.put(c[0], Json.parse(c[1]));
            Files.writeString(info, Json.write(m));
            assertThatThrownBy(() -> FeatureStatsReader.read(outDir)).isInstanceOf(BadInputException.class)
                    .hasMessage(info + ": " + c[2]);
        }
    }

    @Test
    void tokensWithTheWrongRowCountExitTwoAndLeaveNothing() throws IOException {
        Path outDir = dir.resolve("feat");
        Path tok = tokens(ROWS - 1);
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--tokens", tok.toString(),
                "--out", outDir.toString())).isEqualTo(2);
        assertThat(err()).isEqualTo("sae4j: " + tok + ": " + (ROWS - 1) + " rows; expected " + ROWS + ", one per row of "
                + data + "\n");
        assertThat(outDir).doesNotExist();
        Path longer = tokens(ROWS + 3);
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--tokens",
                longer.toString(), "--out", outDir.toString())).isEqualTo(2);
        assertThat(err()).contains("line " + (ROWS + 2) + ": row " + ROWS + " beyond the " + ROWS + " rows");
        assertThat(outDir).doesNotExist();
        assertOnlyExpectedEntries();
    }

    @Test
    void dataOfAnotherWidthExitsTwoAndLeavesNothing() throws IOException {
        Path outDir = dir.resolve("feat");
        Path wide = dir.resolve("wide.npy");
        NpyWriter.writeF32(wide, new float[10 * (D + 1)], 10, D + 1);
        assertThat(run("features", "--model", model.toString(), "--data", wide.toString(), "--out",
                outDir.toString())).isEqualTo(2);
        assertThat(err()).startsWith("sae4j: " + wide + ": rows have " + (D + 1) + " columns; expected the model's dim "
                + D).endsWith("\n").hasLineCount(1);
        assertThat(outDir).doesNotExist();
        assertOnlyExpectedEntries();
    }

    @Test
    void refusesAStrangersDirectory() throws IOException {
        Path outDir = dir.resolve("feat");
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("notes.txt"), "mine");
        assertThat(run("features", "--model", model.toString(), "--data", data.toString(), "--out",
                outDir.toString(), "--force")).isEqualTo(2);
        assertThat(err()).contains("not feature statistics");
        assertThat(outDir.resolve("notes.txt")).hasContent("mine");
    }

    /** No hidden temp or old directories left beside OUT. */
    private void assertOnlyExpectedEntries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("."))).isEmpty();
        }
    }
}
