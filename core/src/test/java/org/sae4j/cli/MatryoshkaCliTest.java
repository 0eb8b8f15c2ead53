package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Matryoshka;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code train --matryoshka}: the nesting is recorded, resumed, checked on resume and refused where it is wrong. */
class MatryoshkaCliTest {
    private static final int D = 8;

    @TempDir
    Path dir;
    private Path data;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void data() throws IOException {
        Random r = new Random(3);
        data = dir.resolve("x.npy");
        float[] x = new float[512 * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() + (i % D == 1 ? 2 : 0));
        }
        NpyWriter.writeF32(data, x, 512, D);
    }

    private String[] trainArgs(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--out",
                dir.resolve(out).toString(), "--latents", "64", "--activation", "batchtopk", "--k", "4", "--batch",
                "64", "--steps", "16", "--log-every", "8", "--reanimation", "0", "--threads", "1", "--json",
                "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private String errLine() {
        String e = cli.stderr().strip();
        assertThat(e.lines().count()).as("one line: " + e).isEqualTo(1);
        return e;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> firstLine(String stdout) {
        return (Map<String, Object>) Json.parse(stdout.lines().filter(l -> !l.isBlank()).findFirst().orElseThrow());
    }

    @Test
    void widthsAndFractionsAreRecordedAndTheLossAddsThePrefixes() throws IOException {
        assertThat(cli.run(trainArgs("m", "--matryoshka", "8,0.25,0.5"))).as(cli.stderr()).isZero();
        Map<String, Object> cfg = Json.readObject(dir.resolve("m").resolve(Checkpoint.CONFIG));
        assertThat(cfg.get("matryoshka_widths")).isEqualTo(List.of(8L, 16L, 32L, 64L));
        assertThat(cfg).containsEntry("matryoshka_loss", "sum");
        Map<String, Object> line = firstLine(cli.stdout());
        double loss = ((Number) line.get("loss")).doubleValue();
        double mse = ((Number) line.get("mse")).doubleValue();
        // Σ over four prefixes, the whole dictionary's mse among them; the inner ones reconstruct from fewer latents.
        assertThat(loss).isGreaterThan(mse * 1.5);
        assertThat(ModelFormats.loadEncoder(dir.resolve("m")).config().matryoshka())
                .isEqualTo(new Matryoshka(List.of(8, 16, 32, 64), Matryoshka.Loss.SUM));

        // The same nesting under the mean: the loss is a quarter of the sum's at the same first step.
        assertThat(cli.run(trainArgs("mean", "--matryoshka", "8,16,32,64", "--matryoshka-loss", "mean")))
                .as(cli.stderr()).isZero();
        double meanLoss = ((Number) firstLine(cli.stdout()).get("loss")).doubleValue();
        assertThat(meanLoss).isCloseTo(loss / 4, org.assertj.core.api.Assertions.within(1e-6 * loss));
        assertThat(cli.run("eval", "--model", dir.resolve("m").toString(), "--data", data.toString()))
                .as(cli.stderr()).isZero();
    }

    /**
     * {@code eval} reports each prefix's reconstruction from its own latents' codes: recomputed here from the
     * encoder's sparse codes and the decoder rows; the whole dictionary's prefix is the model's own figure.
     */
    @Test
    @SuppressWarnings("unchecked")
    void evalReportsEachPrefixFromItsOwnLatents() throws IOException {
        List<String> topk = new ArrayList<>(List.of(trainArgs("p", "--matryoshka", "8,24", "--steps", "40")));
        topk.set(topk.indexOf("batchtopk"), "topk");
        assertThat(cli.run(topk.toArray(String[]::new))).as(cli.stderr()).isZero();
        assertThat(cli.run("eval", "--model", dir.resolve("p").toString(), "--data", data.toString(), "--json"))
                .as(cli.stderr()).isZero();
        Map<String, Object> j = (Map<String, Object>) Json.parse(cli.stdout().strip());
        List<Map<String, Object>> ps = (List<Map<String, Object>>) j.get("prefixes");
        assertThat(ps).extracting(p -> p.get("latents")).containsExactly(8L, 24L, 64L);
        assertThat(ps.get(2).get("explained_variance")).isEqualTo(j.get("explained_variance"));
        assertThat(ps.get(2).get("l0")).isEqualTo(j.get("l0"));
        SaeEncoder enc = ModelFormats.loadEncoder(dir.resolve("p"));
        float[] x;
        try (org.sae4j.io.npy.NpyFile f = org.sae4j.io.npy.NpyFile.open(data)) {
            x = f.readAll();
        }
        int rows = x.length / D;
        org.sae4j.model.Sae sae = org.sae4j.formats.ModelFormats.load(dir.resolve("p")).sae();
        float[] wDec = sae.wDec();
        float[] bDec = sae.bDec();
        for (int m = 0; m < 2; m++) {
            int width = ((Number) ps.get(m).get("latents")).intValue();
            double sse = 0;
            double[] mean = new double[D];
            for (int q = 0; q < x.length; q++) {
                mean[q % D] += x[q] / rows;
            }
            double ss = 0;
            long active = 0;
            for (int b = 0; b < rows; b++) {
                float[] row = java.util.Arrays.copyOfRange(x, b * D, (b + 1) * D);
                SparseCode c = enc.encode(row);
                double[] xh = new double[D];
                for (int i = 0; i < D; i++) {
                    xh[i] = bDec[i];
                }
                for (int s = 0; s < c.indices().length; s++) {
                    int jj = c.indices()[s];
                    if (jj >= width) {
                        continue;
                    }
                    active++;
                    double norm = 0;
                    for (int i = 0; i < D; i++) {
                        norm += (double) wDec[jj * D + i] * wDec[jj * D + i];
                    }
                    for (int i = 0; i < D; i++) {
                        xh[i] += c.values()[s] * wDec[jj * D + i] / Math.sqrt(norm);
                    }
                }
                for (int i = 0; i < D; i++) {
                    sse += (row[i] - xh[i]) * (row[i] - xh[i]);
                    ss += (row[i] - mean[i]) * (row[i] - mean[i]);
                }
            }
            assertThat(((Number) ps.get(m).get("explained_variance")).doubleValue()).as("prefix %d", width)
                    .isCloseTo(1 - sse / ss, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(((Number) ps.get(m).get("l0")).doubleValue()).isEqualTo((double) active / rows);
        }
        // Any model's prefixes on request; none turns them off; a bad width is one line.
        assertThat(cli.run("eval", "--model", dir.resolve("p").toString(), "--data", data.toString(), "--prefix",
                "none", "--json")).isZero();
        assertThat(cli.stdout()).doesNotContain("prefixes");
        assertThat(cli.run("eval", "--model", dir.resolve("p").toString(), "--data", data.toString(), "--prefix",
                "0.5")).isZero();
        assertThat(cli.stdout()).contains("prefix 32 ").contains("prefix 64 ");
        assertThat(cli.run("eval", "--model", dir.resolve("p").toString(), "--data", data.toString(), "--prefix",
                "65")).isEqualTo(2);
        assertThat(errLine()).startsWith("sae4j: eval --prefix 65: width 65 gives 65 latents; expected 1 ≤ width");
    }

    @Test
    void resumeKeepsTheNestingAndRefusesAnother() throws IOException {
        assertThat(cli.run(trainArgs("r", "--matryoshka", "16,32"))).as(cli.stderr()).isZero();
        assertThat(cli.run("train", "--data", data.toString(), "--resume", dir.resolve("r").toString(), "--steps",
                "24", "--matryoshka", "16,32,64", "--quiet")).as(cli.stderr()).isZero();
        assertThat(cli.run("train", "--data", data.toString(), "--resume", dir.resolve("r").toString(), "--steps",
                "32", "--matryoshka", "8,32", "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains("the checkpoint was trained with --matryoshka [16, 32, 64]");
        assertThat(cli.run("train", "--data", data.toString(), "--resume", dir.resolve("r").toString(), "--steps",
                "32", "--matryoshka-loss", "mean", "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains("the checkpoint was trained with --matryoshka-loss sum");
        // --init from a nested model keeps its nesting; a different one is refused.
        assertThat(cli.run(trainArgs("i", "--init", dir.resolve("r").toString(), "--matryoshka", "8"))).isEqualTo(2);
        assertThat(errLine()).contains("says [16, 32, 64] (sum); expected the model's architecture with --init");
    }

    @Test
    void badNestingsAreOneLineAndWriteNothing() {
        String[][] bad = {
                {"--matryoshka", "16,8"}, {"--matryoshka", "8,x"}, {"--matryoshka", "1.5"}, {"--matryoshka", "0"},
                {"--matryoshka", "8,128"}, {"--matryoshka-loss", "mean"},
                {"--matryoshka", "8", "--matryoshka-loss", "median"}};
        String[] expected = {"expected positive, strictly increasing prefix widths", "'x' is not a number",
                "fraction 1.5 is outside (0, 1]", "expected 1 ≤ width ≤ latents (64)",
                "expected 1 ≤ width ≤ latents (64)", "only with --matryoshka", "expected sum or mean"};
        for (int i = 0; i < bad.length; i++) {
            assertThat(cli.run(trainArgs("bad" + i, bad[i]))).as(String.join(" ", bad[i])).isEqualTo(2);
            assertThat(errLine()).contains(expected[i]);
            assertThat(Files.exists(dir.resolve("bad" + i))).isFalse();
        }
        List<String> relu = new ArrayList<>(List.of(trainArgs("relu", "--matryoshka", "8")));
        int at = relu.indexOf("batchtopk");
        relu.set(at, "relu");
        relu.remove(relu.indexOf("--k") + 1);
        relu.remove("--k");
        assertThat(cli.run(relu.toArray(String[]::new))).isEqualTo(2);
        assertThat(errLine()).contains("--matryoshka: only for --activation topk or batchtopk");
    }

    /** Exported to SAELens as it saves Matryoshka BatchTopK (a JumpReLU at the learned threshold): same codes. */
    @Test
    void exportToSaeLensGivesIdenticalCodes() throws IOException {
        assertThat(cli.run(trainArgs("e", "--matryoshka", "8,16", "--steps", "24"))).as(cli.stderr()).isZero();
        Path sl = dir.resolve("e-saelens");
        assertThat(cli.run("export", "--model", dir.resolve("e").toString(), "--format", "saelens", "--out",
                sl.toString())).as(cli.stderr()).isZero();
        assertThat(Json.readObject(sl.resolve("cfg.json"))).containsEntry("architecture", "jumprelu");
        SaeEncoder a = ModelFormats.loadEncoder(dir.resolve("e"));
        SaeEncoder b = ModelFormats.loadEncoder(sl);
        Random r = new Random(11);
        int nonEmpty = 0;
        for (int row = 0; row < 200; row++) {
            float[] x = new float[D];
            for (int i = 0; i < D; i++) {
                x[i] = (float) (r.nextGaussian() + (i == 1 ? 2 : 0));
            }
            SparseCode ca = a.encode(x);
            SparseCode cb = b.encode(x);
            assertThat(cb.indices()).as("row %d", row).containsExactly(ca.indices());
            assertThat(cb.values()).as("row %d", row).containsExactly(ca.values());
            nonEmpty += ca.indices().length > 0 ? 1 : 0;
        }
        assertThat(nonEmpty).isGreaterThan(100);
    }
}
