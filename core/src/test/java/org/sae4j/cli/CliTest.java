package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.metrics.Metrics;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.DoubleParams;
import org.sae4j.train.LossWeights;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.ReferenceLoss;
import org.sae4j.train.checkpoint.Checkpoint;

/** The CLI end to end through {@link Main#run}: exit codes, one-line errors, files written or not. */
class CliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private static final int D = 8;
    private static final int ROWS = 256;
    private float[] x;
    private Path data;

    @BeforeEach
    void data() throws IOException {
        x = PlantedDictionary.random(D, 16, 1).sample(ROWS, 2, 0.05, null, 2);
        data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, x, ROWS, D);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String stdout() {
        return cli.stdout();
    }

    private String stderr() {
        return cli.stderr();
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    /** Exit code 2, exactly one line on stderr, containing every fragment. */
    private void assertBadInput(int code, String... fragments) {
        assertThat(code).as(stderr()).isEqualTo(2);
        assertThat(stderr().lines()).hasSize(1);
        assertThat(stderr()).startsWith("sae4j: ");
        for (String f : fragments) {
            assertThat(stderr()).contains(f);
        }
    }

    /** The remedies of issue 22 train through the CLI and are recorded with the run. */
    @Test
    void resamplingThePreActivationLossAndCentringTrainAndAreRecorded() throws Exception {
        assertThat(run("train", "--data", data.toString(), "--latents", "32", "--activation", "jumprelu", "--batch",
                "32", "--steps", "6", "--threads", "1", "--out", p("r"), "--quiet", "--preact-loss", "1e-3",
                "--resample-every", "2", "--dead-window", "64", "--standardize", "center")).as(stderr()).isZero();
        org.sae4j.train.checkpoint.Checkpoint.Loaded l = org.sae4j.train.checkpoint.Checkpoint.load(dir.resolve("r"));
        assertThat(l.standardizer().mode()).isEqualTo(org.sae4j.model.Standardizer.Mode.CENTER);
        assertThat(l.state().config().preActCoef()).isEqualTo(1e-3);
        assertThat(l.state().config().resampleEvery()).isEqualTo(2);
        assertThat(l.state().step()).isEqualTo(6);
    }

    /** θ starts where --jumprelu-threshold says: with Adam, --l0 alone cannot move log θ far in a short run. */
    @Test
    void jumpReluThresholdAndBandwidthStartTheRunAndAreRecorded() throws Exception {
        assertThat(run("train", "--data", data.toString(), "--latents", "32", "--activation", "jumprelu", "--batch",
                "32", "--steps", "3", "--threads", "1", "--out", p("j"), "--quiet", "--jumprelu-threshold", "0.25",
                "--jumprelu-bandwidth", "0.05", "--lr", "1e-4")).as(stderr()).isZero();
        org.sae4j.train.checkpoint.Checkpoint.Loaded l = org.sae4j.train.checkpoint.Checkpoint.load(dir.resolve("j"));
        assertThat(l.sae().config().jumpReluInitThreshold()).isEqualTo(0.25);
        assertThat(l.sae().config().jumpReluBandwidth()).isEqualTo(0.05);
        // Three Adam steps at lr 1e-4 move log θ by at most 3e-4 from log 0.25.
        for (float lt : l.sae().logThreshold()) {
            assertThat(Math.exp(lt)).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-3));
        }
        assertBadInput(run(train(p("m"), "--jumprelu-threshold", "0.1")),
                "train --jumprelu-threshold: only for --activation jumprelu");
        assertBadInput(run("train", "--data", data.toString(), "--latents", "32", "--activation", "jumprelu",
                "--out", p("m"), "--jumprelu-bandwidth", "0"), "train --jumprelu-bandwidth 0: expected a positive number");
        assertBadInput(run("train", "--data", data.toString(), "--out", p("m2"), "--init", p("j"),
                "--jumprelu-threshold", "0.5"), "--jumprelu-threshold: --init", "brings its own thresholds");
        assertThat(Files.exists(dir.resolve("m"))).isFalse();
    }

    private String[] train(String out, String... more) {
        String[] base = {"train", "--data", data.toString(), "--latents", "32", "--k", "3", "--batch", "32",
                "--lr", "5e-3", "--threads", "1", "--seed", "4", "--out", out, "--quiet"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String line) {
        return (Map<String, Object>) Json.parse(line);
    }

    @Test
    void trainThenEvalEncodeAndInspect() throws IOException {
        assertThat(run(train(p("m"), "--epochs", "3", "--json", "--log-every", "5", "--report", p("r.html"))))
                .as(stderr()).isZero();
        List<String> lines = stdout().lines().toList();
        assertThat(lines).hasSize(5 + 1); // 24 steps: logs at 5, 10, 15, 20 and the last, then the summary
        for (String l : lines.subList(0, lines.size() - 1)) {
            assertThat(json(l)).containsKeys("step", "epoch", "loss", "mse", "r2", "l0", "dead_fraction",
                    "tokens_per_s", "reanimation_coef");
        }
        assertThat(json(lines.get(0)).get("step")).isEqualTo(5L);
        Map<String, Object> summary = json(lines.get(lines.size() - 1));
        assertThat(summary).containsEntry("summary", true).containsEntry("step", 24L);
        String html = Files.readString(dir.resolve("r.html"));
        // Self-contained: no scripts, nothing loaded from elsewhere (the SVG namespace URI is a name, not a fetch).
        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("<script").doesNotContain("src=")
                .doesNotContain("href=").doesNotContain("@import")
                .contains("<polyline", "loss (log scale)", "latents not fired in the last", "id=\"density\"",
                        "<td>explained variance</td>", "<td>tokens/s</td>", "<td>wall time</td>");
        // Loss and R² drawn; TopK's constant L0 and the constant coefficient stated as values, not flat lines.
        assertThat(html).contains("aria-label=\"loss (log scale)\"", "aria-label=\"R² (scalar mean)\"");
        assertThat(html).contains("aria-label=\"L0 (active latents per row)\"><div><b>L0 (active latents per row)"
                + "</b></div><div class=\"v\">3</div>");
        assertThat(html).contains("aria-label=\"re-animation coefficient\"><div><b>re-animation coefficient</b></div>"
                + "<div class=\"v\">0.001</div>");

        Sae sae = Checkpoint.loadModel(dir.resolve("m")).sae();
        Sae.Forward f = sae.forward(x, ROWS);

        // eval over the whole file equals Metrics over it as one batch (eval's GEMM rounds differently: 1e-6).
        assertThat(run("eval", "--model", p("m"), "--data", data.toString(), "--json", "--batch", "100")).isZero();
        Map<String, Object> e = json(stdout().strip());
        assertThat((double) e.get("mse")).isCloseTo(Metrics.mse(x, f.reconstruction(), ROWS, D), within(1e-6));
        assertThat((double) e.get("r2")).isCloseTo(Metrics.r2ScalarMean(x, f.reconstruction(), ROWS, D),
                within(1e-6));
        assertThat((double) e.get("explained_variance"))
                .isCloseTo(Metrics.explainedVariance(x, f.reconstruction(), ROWS, D), within(1e-6));
        assertThat((double) e.get("l0")).isEqualTo(Metrics.l0(f.codes(), ROWS, 32));
        assertThat((double) e.get("dead_fraction")).isEqualTo(Metrics.fraction(Metrics.deadMask(f.codes(), ROWS, 32)));
        assertThat(run("eval", "--model", p("m"), "--data", data.toString())).isZero();
        assertThat(stdout()).contains("R2 (scalar mean)").contains("explained variance").contains("dead");

        // encode: top-k pairs, and dense codes equal to Sae.encode.
        assertThat(run("encode", "--model", p("m"), "--data", data.toString(), "--out", p("codes"), "--batch", "50"))
                .as(stderr()).isZero();
        float[] idx;
        float[] val;
        // NpyFile reads float data only, so check the int32 header as text.
        byte[] indices = Files.readAllBytes(dir.resolve("codes.indices.npy"));
        assertThat(new String(indices, 0, 128, StandardCharsets.ISO_8859_1))
                .contains("'descr': '<i4'").contains("'shape': (256, 3)");
        idx = readInts(dir.resolve("codes.indices.npy"), ROWS * 3);
        try (NpyFile fv = NpyFile.open(dir.resolve("codes.values.npy"))) {
            assertThat(fv.shape()).containsExactly(ROWS, 3);
            val = fv.readAll();
        }
        for (int b = 0; b < ROWS; b++) {
            for (int q = 0; q < 3; q++) {
                int j = (int) idx[b * 3 + q];
                if (j >= 0) {
                    assertThat(val[b * 3 + q]).isPositive()
                            .isCloseTo(f.codes()[b * 32 + j], within(1e-5f * (1 + f.codes()[b * 32 + j])));
                } else {
                    assertThat(val[b * 3 + q]).isZero();
                }
            }
        }
        assertThat(run("encode", "--model", p("m"), "--data", data.toString(), "--out", p("dense.npy"), "--dense"))
                .isZero();
        try (NpyFile fd = NpyFile.open(dir.resolve("dense.npy"))) {
            assertThat(fd.shape()).containsExactly(ROWS, 32);
            float[] dense = fd.readAll();
            for (int i = 0; i < dense.length; i++) {
                assertThat(dense[i]).isCloseTo(f.codes()[i], within(1e-5f * (1 + Math.abs(f.codes()[i]))));
            }
        }
        assertBadInput(run("encode", "--model", p("m"), "--data", data.toString(), "--out", p("codes")),
                "codes.indices.npy: already exists", "--force");

        assertThat(run("inspect", "--model", p("m"), "--json")).isZero();
        Map<String, Object> in = json(stdout().strip());
        assertThat((Map<String, Object>) in.get("config")).containsEntry("latents", 32L).containsEntry("k", 3L);
        assertThat(in).containsKeys("tensors", "dictionary_collinearity", "trainer_state");
        assertThat(run("inspect", "--model", p("m"))).isZero();
        assertThat(stdout()).contains("W_enc").contains("[32, 8]").contains("dictionary collinearity")
                .contains("trainer state: step 24 of 24");
    }

    /** int32 .npy → values as float (exact for the small indices here); NpyFile reads float dtypes only. */
    private static float[] readInts(Path p, int count) throws IOException {
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int off = b.length - 4 * count;
        float[] outv = new float[count];
        for (int i = 0; i < count; i++) {
            outv[i] = bb.getInt(off + 4 * i);
        }
        return outv;
    }

    @Test
    void resumeThroughTheCliIsBitForBit() throws IOException {
        assertThat(run(train(p("full"), "--steps", "20", "--warmup-steps", "4", "--reanimation-anneal", "2:15",
                "--checkpoint-every", "7"))).as(stderr()).isZero();
        assertThat(run(train(p("half"), "--steps", "10", "--warmup-steps", "4", "--reanimation-anneal", "2:15",
                "--checkpoint-every", "7"))).as(stderr()).isZero();
        assertThat(Checkpoint.load(dir.resolve("half")).state().step()).isEqualTo(10);
        // The same command again with --resume added (the run's own options repeated, same values).
        assertThat(run(train(p("half"), "--steps", "20", "--warmup-steps", "4", "--reanimation-anneal", "2:15",
                "--checkpoint-every", "7", "--standardize", "none", "--resume", p("half"), "--threads", "2")))
                .as(stderr()).isZero();
        for (String f : new String[] {Checkpoint.MODEL, Checkpoint.OPTIMIZER}) {
            assertThat(Files.readAllBytes(dir.resolve("half").resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(dir.resolve("full").resolve(f)));
        }
        // A resumed run takes its settings from the checkpoint: a different value names both.
        assertBadInput(run("train", "--data", data.toString(), "--resume", p("half"), "--lr", "1"),
                "--lr 1: the checkpoint was trained with --lr 0.005");
        assertBadInput(run("train", "--data", data.toString(), "--resume", p("half"), "--k", "4"),
                "--k 4: the checkpoint was trained with --k 3");
        assertBadInput(run("train", "--data", data.toString(), "--resume", p("half"), "--reanimation-anneal", "2:16"),
                "--reanimation-anneal 2:16: the checkpoint was trained with --reanimation-anneal linear:2:15");
        assertBadInput(run("train", "--data", data.toString(), "--resume", p("m-none"), "--steps", "3"),
                "m-none: no such directory");
        // Other data would not continue the same run.
        Path fewer = dir.resolve("fewer.npy");
        NpyWriter.writeF32(fewer, java.util.Arrays.copyOf(x, 200 * D), 200, D);
        assertBadInput(run("train", "--data", fewer.toString(), "--resume", p("half"), "--steps", "30"),
                fewer + ": 200 rows; expected the 256 rows the checkpoint in " + p("half") + " was trained on");
    }

    private static Path fixture(String name) {
        try {
            return Path.of(CliTest.class.getResource("/npy-fixtures/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"f4_c_3x5.npy", "f4_fortran_3x5.npy", "f2_3x5.npy", "f8_3x5.npy", "f4_bigendian_3x5.npy",
            "f4_v2header_3x5.npy", "f4_v3header_3x5.npy", "f4_1d_5.npy"})
    void validFixturesTrainEvalAndEncode(String name) throws IOException {
        Path f = fixture(name);
        String batch = name.contains("1d") ? "1" : "3";
        assertThat(run("train", "--data", f.toString(), "--latents", "6", "--k", "2", "--batch", batch, "--steps",
                "3", "--threads", "1", "--out", p("m"), "--quiet")).as(stderr()).isZero();
        assertThat(run("eval", "--model", p("m"), "--data", f.toString(), "--json")).isZero();
        assertThat(json(stdout().strip())).containsEntry("rows", name.contains("1d") ? 1L : 3L);
        assertThat(run("encode", "--model", p("m"), "--data", f.toString(), "--out", p("c"))).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"f4_3d_2x3x5.npy|shape (2, 3, 5) is 3-D", "i4_3x5.npy|dtype '<i4' is an integer type",
            "object_pickle.npy|never unpickles", "f4_truncated.npy|truncated",
            "garbage.npy|runs past the end of the file", "f4_empty_0x5.npy|0 rows is fewer than one batch of 3",
            "f4_nan_inf_3x5.npy|: row "})
    void refusedFixturesGiveOneLineAndLeaveNoOutputDir(String spec) {
        String name = spec.substring(0, spec.indexOf('|'));
        String fragment = spec.substring(spec.indexOf('|') + 1);
        Path f = fixture(name);
        assertBadInput(run("train", "--data", f.toString(), "--latents", "6", "--k", "2", "--batch", "3", "--steps",
                "3", "--threads", "1", "--out", p("m"), "--quiet"), "sae4j: " + f + ": ", fragment, "expected");
        if (name.startsWith("f4_nan_inf")) {
            assertThat(stderr()).containsPattern("row (1 column 2 is NaN|2 column 4 is \\+Inf)")
                    .contains("nothing was written");
        }
        assertThat(Files.exists(dir.resolve("m"))).isFalse();
        assertThat(dir.toFile().list()).containsExactly("x.npy");
    }

    @Test
    void impossibleOptionsAreRefusedBeforeAnythingIsWritten() {
        assertBadInput(run(train(p("m"), "--k", "33")), "train --k 33: expected 1 ≤ k ≤ latents (32)");
        assertBadInput(run(train(p("m"), "--k", "0")), "train --k 0: expected 1 ≤ k ≤ latents (32)");
        assertBadInput(run(train(p("m"), "--k", "-2")), "train --k -2");
        assertBadInput(run(train(p("m"), "--batch", "0")), "train --batch 0: expected a positive number of rows");
        assertBadInput(run(train(p("m"), "--activation", "gelu")),
                "activation 'gelu': expected topk, batchtopk, relu, jumprelu or groupmax");
        assertBadInput(run(train(p("m"), "--lr", "-0.1")), "lr = -0.1: expected a positive learning rate");
        assertBadInput(run(train(p("m"), "--batch", "1000")), "256 rows is fewer than one batch of 1000");
        assertBadInput(run(train(p("m"), "--steps", "5", "--epochs", "2")), "--steps and --epochs both given");
        assertBadInput(run(train(p("m"), "--optimizer", "lbfgs")), "optimizer 'lbfgs': expected adam or sgd");
        assertBadInput(run(train(p("m"), "--reanimation-anneal", "10")), "expected START:END");
        assertBadInput(run(train(p("m"), "--reanimation-schedule", "auto:0.1")),
                "reanimation schedule 'auto:0.1': expected constant, linear:START:END");
        assertBadInput(run(train(p("m"), "--reanimation-schedule", "auto:0.1:5", "--reanimation-anneal", "1:2")),
                "--reanimation-anneal and --reanimation-schedule both given");
        assertBadInput(run(train(p("m"), "--standardize", "zscore")), "expected none, feature");
        assertBadInput(run(train(p("m"), "--preact-loss", "0.1")),
                "train --preact-loss: only for --activation jumprelu");
        assertBadInput(run(train(p("m"), "--resample-every", "-3")),
                "train --resample-every -3: expected a number of steps ≥ 0 (0 = off)");
        assertBadInput(run(train(p("m"), "--latents", "0")), "train --latents 0: expected a positive dictionary size");
        assertBadInput(run("train", "--data", data.toString(), "--latents", "8", "--out", p("m")),
                "--k K is required for --activation topk");
        assertBadInput(run("train", "--latents", "8", "--out", p("m")), "train: --data PATH is required");
        assertBadInput(run(train(p("m"), "--init", p("a"), "--resume", p("b"))), "--resume and --init both given");
        assertThat(dir.toFile().list()).containsExactly("x.npy");
    }

    @Test
    void anOutputDirWithAnotherModelIsRefusedUnlessForced() throws IOException {
        assertThat(run(train(p("m"), "--steps", "2"))).isZero();
        byte[] before = Files.readAllBytes(dir.resolve("m").resolve(Checkpoint.MODEL));
        assertBadInput(run(train(p("m"), "--steps", "3", "--seed", "5")), p("m") + ": already holds a sae4j model",
                "--force");
        assertThat(Files.readAllBytes(dir.resolve("m").resolve(Checkpoint.MODEL))).isEqualTo(before);
        assertThat(run(train(p("m"), "--steps", "3", "--seed", "5", "--force"))).isZero();
        assertThat(Checkpoint.load(dir.resolve("m")).state().step()).isEqualTo(3);

        Files.createDirectories(dir.resolve("notes"));
        Files.writeString(dir.resolve("notes").resolve("todo.txt"), "mine");
        assertBadInput(run(train(p("notes"), "--steps", "2", "--force")),
                "holds files that are not a sae4j model; expected a new or empty directory");
        assertThat(Files.readString(dir.resolve("notes").resolve("todo.txt"))).isEqualTo("mine");
        // An empty directory is fine.
        Files.createDirectories(dir.resolve("empty"));
        assertThat(run(train(p("empty"), "--steps", "2"))).isZero();
    }

    @Test
    void aDivergingRunStopsAndKeepsTheLastGoodCheckpoint() throws IOException {
        int code = run(train(p("m"), "--optimizer", "sgd", "--lr", "1e30", "--clip-grad", "0", "--steps", "50",
                "--checkpoint-every", "1"));
        assertBadInput(code, "training stopped");
        Matcher m = Pattern.compile("the last good checkpoint \\(step (\\d+)\\) is kept in " + Pattern.quote(p("m")))
                .matcher(stderr());
        assertThat(m.find()).as(stderr()).isTrue();
        Checkpoint.Loaded l = Checkpoint.load(dir.resolve("m")); // loads: every value finite
        assertThat(l.state().step()).isEqualTo(Long.parseLong(m.group(1))).isLessThan(50);
    }

    @Test
    void dataWithANanRowStopsTrainingNamingTheRow() throws IOException {
        float[] bad = x.clone();
        bad[200 * D + 3] = Float.NaN;
        Path badData = dir.resolve("bad.npy");
        NpyWriter.writeF32(badData, bad, ROWS, D);
        String[] args = train(p("m"), "--steps", "16", "--checkpoint-every", "2");
        args[2] = badData.toString();
        assertBadInput(run(args), badData + ": row 200 column 3 is NaN; expected finite values; training stopped");
        if (Files.exists(dir.resolve("m"))) {
            assertThat(stderr()).contains("is kept in");
            Checkpoint.load(dir.resolve("m"));
        } else {
            assertThat(stderr()).contains("nothing was written");
        }
    }

    /** A model dir (topk, d=8, n=4) whose model.safetensors has {@code header} and a 304-byte buffer. */
    private Path modelWithHeader(String name, long declaredLength, String header) throws IOException {
        Path m = dir.resolve(name);
        Checkpoint.save(m, Sae.initialize(SaeConfig.topK(D, 4, 1)), null);
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 304).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength < 0 ? h.length : declaredLength).put(h);
        Files.write(m.resolve(Checkpoint.MODEL), b.array());
        return m;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    private static String header(String... entries) {
        return "{" + String.join(",", entries) + "}";
    }

    @Test
    void corruptOrMismatchedSafetensorsAreOneLineErrors() throws IOException {
        String wEnc = entry("W_enc", "F32", "[4,8]", 0, 128);
        String bEnc = entry("b_enc", "F32", "[4]", 128, 144);
        String wDec = entry("W_dec", "F32", "[4,8]", 144, 272);
        String bDec = entry("b_dec", "F32", "[8]", 272, 304);
        String[][] cases = {
            {"beyond", "10000", header(wEnc, bEnc, wDec, bDec),
                "header length 10000 bytes runs past the end of the file"},
            {"overlap", "-1", header(wEnc, entry("b_enc", "F32", "[4]", 64, 80), wDec, bDec), "overlap tensor 'W_enc'"},
            {"range", "-1", header(wEnc, bEnc, wDec, entry("b_dec", "F32", "[32]", 272, 400)),
                "end beyond the 304-byte data buffer"},
            {"dtype", "-1", header(wEnc, entry("b_enc", "F33", "[4]", 128, 144), wDec, bDec), "unknown dtype \"F33\""},
            {"missing", "-1", header(wEnc, bEnc, entry("W_dec", "F32", "[4,10]", 144, 304)), "no tensor 'b_dec'"},
        };
        for (String[] c : cases) {
            Path m = modelWithHeader(c[0], Long.parseLong(c[1]), c[2]);
            String file = m.resolve(Checkpoint.MODEL).toString();
            assertBadInput(run("eval", "--model", m.toString(), "--data", data.toString()), "sae4j: " + file + ": ",
                    c[3], "expected");
            assertBadInput(run("inspect", "--model", m.toString()), file, c[3]);
            assertBadInput(run("train", "--data", data.toString(), "--init", m.toString(), "--out", p("o"), "--quiet"),
                    file, c[3]);
        }
        // Shapes that disagree with cfg.json: a valid file for n=4 under a config that says n=5.
        Path m = modelWithHeader("shape", -1, header(wEnc, bEnc, wDec, bDec));
        Path cfg = m.resolve(Checkpoint.CONFIG);
        Files.writeString(cfg, Files.readString(cfg).replace("\"latents\": 4", "\"latents\": 5"));
        assertBadInput(run("eval", "--model", m.toString(), "--data", data.toString()),
                m.resolve(Checkpoint.MODEL) + ": tensor 'W_enc' has shape [4, 8]; expected [5, 8] from cfg.json");
        // And data whose width disagrees with the model.
        Path wide = dir.resolve("wide.npy");
        NpyWriter.writeF32(wide, new float[30], 3, 10);
        assertThat(run(train(p("ok"), "--steps", "1"))).isZero();
        assertBadInput(run("eval", "--model", p("ok"), "--data", wide.toString()),
                wide + ": rows have 10 columns; expected the model's dim 8");
        assertThat(Files.exists(dir.resolve("o"))).isFalse();
    }

    /** One SGD step from --init moves every parameter by −lr · gradient of the reference loss. */
    @Test
    void oneSgdStepFromInitMovesByMinusLrTimesTheGradient() throws IOException {
        int batch = 64;
        Sae init = Sae.initialize(SaeConfig.topK(D, 24, 3).withSeed(1));
        init.initDecoderBiasToMean(x, 0, ROWS);
        Checkpoint.save(dir.resolve("init"), init, null);
        float[] rows = java.util.Arrays.copyOf(x, batch * D);
        Path small = dir.resolve("small.npy");
        NpyWriter.writeF32(small, rows, batch, D);
        double lr = 0.1;
        double coef = 0.01;
        assertThat(run("train", "--data", small.toString(), "--init", p("init"), "--optimizer", "sgd", "--lr", "0.1",
                "--clip-grad", "0", "--reanimation", "0.01", "--steps", "1", "--batch", "64", "--threads", "1",
                "--out", p("one"), "--quiet")).as(stderr()).isZero();
        Sae after = Checkpoint.loadModel(dir.resolve("one")).sae();
        ReferenceLoss.Result r;
        try (ReferenceLoss loss = new ReferenceLoss(init.config(), 1)) {
            r = loss.evaluate(DoubleParams.of(init), rows, 0, batch,
                    LossWeights.MSE_ONLY.withReanimation(coef, ReanimationForm.SEED), ReferenceLoss.ALL_TERMS, true);
        }
        // The batch is the same 64 rows in shuffled order: the gradient is a sum over rows, so only float rounding
        // differs from the reference.
        assertMoved("W_enc", init.wEnc(), after.wEnc(), r.grad.wEnc, lr);
        assertMoved("b_enc", init.bEnc(), after.bEnc(), r.grad.bEnc, lr);
        assertMoved("b_dec", init.bDec(), after.bDec(), r.grad.bDec, lr);
        // W_dec takes the same move, then each atom is renormalised.
        float[] moved = init.wDec().clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] = (float) (moved[i] - lr * r.grad.wDec[i]);
        }
        Sae expect = Sae.of(init.config(), init.wEnc(), init.bEnc(), moved, init.bDec(), null);
        expect.normalizeDecoderRows();
        for (int i = 0; i < moved.length; i++) {
            assertThat(after.wDec()[i]).as("W_dec[%d]", i).isCloseTo(expect.wDec()[i], within(2e-6f));
        }
    }

    private static void assertMoved(String name, float[] before, float[] after, double[] grad, double lr) {
        double gmax = 0;
        for (double g : grad) {
            gmax = Math.max(gmax, Math.abs(g));
        }
        assertThat(gmax).as("%s gradient", name).isPositive();
        for (int i = 0; i < before.length; i++) {
            double movedBy = (double) after[i] - before[i];
            // float32 gradient vs double reference, plus one rounding of the parameter itself
            double tol = 1e-5 * lr * gmax + Math.ulp(Math.max(Math.abs(before[i]), Math.abs(after[i])));
            assertThat(movedBy).as("%s[%d]", name, i).isCloseTo(-lr * grad[i], within(tol));
        }
    }
}
