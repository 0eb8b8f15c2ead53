package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyArrays;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Sae;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * {@code train --target [--skip]}: a transcoder trains from the CLI, records its output side, resumes, is evaluated
 * against its targets (figures recomputed here from the saved model), encodes from its inputs alone, and every
 * misuse gets one line.
 */
class TranscoderCliTest {
    private static final int D = 8;
    private static final int D_OUT = 5;
    private static final int ROWS = 512;

    @TempDir
    Path dir;
    private Path x;
    private Path y;
    private Path xHeld;
    private Path yHeld;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void data() throws IOException {
        Random r = new Random(5);
        float[] map = new float[D_OUT * D];
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) (r.nextGaussian() / Math.sqrt(D));
        }
        x = dir.resolve("x.npy");
        y = dir.resolve("y.npy");
        xHeld = dir.resolve("xh.npy");
        yHeld = dir.resolve("yh.npy");
        write(r, map, x, y, ROWS);
        write(r, map, xHeld, yHeld, 128);
    }

    /** Targets y = relu(M·x) + noise: a skip path alone cannot fit them, a dictionary helps. */
    private static void write(Random r, float[] map, Path xp, Path yp, int rows) throws IOException {
        float[] xs = new float[rows * D];
        float[] ys = new float[rows * D_OUT];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < D; i++) {
                xs[b * D + i] = (float) r.nextGaussian();
            }
            for (int o = 0; o < D_OUT; o++) {
                double v = 0;
                for (int i = 0; i < D; i++) {
                    v += map[o * D + i] * xs[b * D + i];
                }
                ys[b * D_OUT + o] = (float) (Math.max(v, 0) + 0.05 * r.nextGaussian());
            }
        }
        NpyWriter.writeF32(xp, xs, rows, D);
        NpyWriter.writeF32(yp, ys, rows, D_OUT);
    }

    private String[] trainArgs(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", x.toString(), "--target", y.toString(), "--out",
                dir.resolve(out).toString(), "--latents", "32", "--k", "3", "--batch", "64", "--steps", "24",
                "--lr", "3e-3", "--log-every", "8", "--threads", "1", "--json", "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private String errLine() {
        String e = cli.stderr().strip();
        assertThat(e.lines().count()).as("one line: " + e).isEqualTo(1);
        return e;
    }

    @Test
    void aSkipTranscoderTrainsRecordsItsOutputSideAndResumes() throws IOException {
        assertThat(cli.run(trainArgs("m", "--skip", "--steps", "16"))).as(cli.stderr()).isZero();
        Map<String, Object> cfg = Json.readObject(dir.resolve("m").resolve(Checkpoint.CONFIG));
        assertThat(cfg).containsEntry("transcoder_d_out", (long) D_OUT).containsEntry("transcoder_skip", true);
        Sae sae = Checkpoint.load(dir.resolve("m")).sae();
        assertThat(sae.wDec()).hasSize(32 * D_OUT);
        assertThat(sae.wSkip()).hasSize(D_OUT * D);
        assertThat(sae.wSkip()).as("W_skip learned from 0").isNotEqualTo(new float[D_OUT * D]);

        // Resuming to step 24 gives the parameters of one 24-step run.
        assertThat(cli.run(trainArgs("m", "--resume", dir.resolve("m").toString()))).as(cli.stderr()).isZero();
        assertThat(cli.run(trainArgs("whole", "--skip"))).as(cli.stderr()).isZero();
        Sae resumed = Checkpoint.load(dir.resolve("m")).sae();
        Sae whole = Checkpoint.load(dir.resolve("whole")).sae();
        assertThat(resumed.wSkip()).containsExactly(whole.wSkip());
        assertThat(resumed.wDec()).containsExactly(whole.wDec());
    }

    @Test
    void evalComparesTheOutputWithTheTargetsAndEncodeReadsTheInputsAlone() throws IOException {
        assertThat(cli.run(trainArgs("m", "--skip", "--steps", "200", "--eval-data", xHeld.toString(),
                "--eval-target", yHeld.toString()))).as(cli.stderr()).isZero();
        assertThat(cli.run("eval", "--model", dir.resolve("m").toString(), "--data", xHeld.toString(), "--target",
                yHeld.toString(), "--json", "--threads", "1")).as(cli.stderr()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(cli.stdout().strip());

        // Recomputed from the saved model: ŷ = decode(encode(x)) + W_skip·x against y, per-feature FVU.
        SaeEncoder enc = ModelFormats.loadEncoder(dir.resolve("m"));
        float[] xs = NpyArrays.readF4(xHeld, 128, D);
        float[] ys = NpyArrays.readF4(yHeld, 128, D_OUT);
        int rows = xs.length / D;
        double sse = 0;
        double[] mean = new double[D_OUT];
        for (int b = 0; b < rows; b++) {
            for (int o = 0; o < D_OUT; o++) {
                mean[o] += ys[b * D_OUT + o] / rows;
            }
        }
        double ss = 0;
        for (int b = 0; b < rows; b++) {
            float[] out = enc.reconstruct(java.util.Arrays.copyOfRange(xs, b * D, (b + 1) * D));
            assertThat(out).hasSize(D_OUT);
            for (int o = 0; o < D_OUT; o++) {
                double e = ys[b * D_OUT + o] - out[o];
                sse += e * e;
                ss += Math.pow(ys[b * D_OUT + o] - mean[o], 2);
            }
        }
        assertThat(((Number) j.get("mse")).doubleValue()).isCloseTo(sse / (rows * D_OUT), within(1e-5));
        double ev = ((Number) j.get("explained_variance")).doubleValue();
        assertThat(ev).isCloseTo(1 - sse / ss, within(1e-4));
        assertThat(ev).as("learned something").isGreaterThan(0.3);

        // features takes its figures against the targets too (the same model, rows and sums as eval).
        assertThat(cli.run("features", "--model", dir.resolve("m").toString(), "--data", xHeld.toString(),
                "--target", yHeld.toString(), "--out", dir.resolve("feat").toString())).as(cli.stderr()).isZero();
        Map<String, Object> fj = Json.readObject(dir.resolve("feat").resolve("features.json"));
        @SuppressWarnings("unchecked")
        Map<String, Object> info = fj.containsKey("info") ? (Map<String, Object>) fj.get("info") : fj;
        assertThat(((Number) info.get("explained_variance")).doubleValue()).isCloseTo(ev, within(1e-6));
        assertThat(cli.run("features", "--model", dir.resolve("m").toString(), "--data", xHeld.toString(), "--out",
                dir.resolve("feat2").toString())).isEqualTo(2);
        assertThat(errLine()).contains("expected --target PATH");

        // encode needs no target: the codes come from the inputs.
        assertThat(cli.run("encode", "--model", dir.resolve("m").toString(), "--data", xHeld.toString(), "--out",
                dir.resolve("codes").toString(), "--threads", "1")).as(cli.stderr()).isZero();
    }

    @Test
    void misuseGetsOneLine() throws IOException {
        assertThat(cli.run("train", "--data", x.toString(), "--out", dir.resolve("a").toString(), "--latents", "8",
                "--k", "2", "--skip", "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains("--skip: only with --target");

        Path shortY = dir.resolve("short.npy");
        NpyWriter.writeF32(shortY, new float[100 * D_OUT], 100, D_OUT);
        assertThat(cli.run("train", "--data", x.toString(), "--target", shortY.toString(), "--out",
                dir.resolve("b").toString(), "--latents", "8", "--k", "2", "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains(shortY.toString()).contains("100 rows; expected 512 rows");

        assertThat(cli.run(trainArgs("c", "--eval-data", xHeld.toString()))).isEqualTo(2);
        assertThat(errLine()).contains("expected --eval-target PATH");

        assertThat(cli.run(trainArgs("d", "--standardize", "feature"))).isEqualTo(2);
        assertThat(errLine()).contains("expected --standardize none");

        assertThat(cli.run(trainArgs("e", "--matryoshka", "8,32", "--activation", "batchtopk"))).isEqualTo(2);
        assertThat(errLine()).contains("matryoshka").contains("transcoder");

        assertThat(cli.run(trainArgs("m"))).as(cli.stderr()).isZero();
        assertThat(cli.run(trainArgs("m", "--resume", dir.resolve("m").toString(), "--steps", "30", "--skip")))
                .isEqualTo(2);
        assertThat(errLine()).contains("--resume and --skip both given");
        assertThat(cli.run("train", "--data", x.toString(), "--resume", dir.resolve("m").toString(), "--steps", "30",
                "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains("is a transcoder (d_out 5); expected --target PATH");
        assertThat(cli.run("eval", "--model", dir.resolve("m").toString(), "--data", xHeld.toString())).isEqualTo(2);
        assertThat(errLine()).contains("is a transcoder (d_out 5); expected --target PATH");
        assertThat(cli.run("eval", "--model", dir.resolve("m").toString(), "--data", xHeld.toString(), "--target",
                xHeld.toString())).isEqualTo(2);
        assertThat(errLine()).contains("expected the model's d_out 5");
    }
}
