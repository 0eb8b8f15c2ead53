package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code train --eval-data}: held-out figures in --json and the log, equal to {@code eval}; training unchanged. */
class HeldOutEvalCliTest {
    private static final int D = 8;

    @TempDir
    Path dir;
    private Path train;
    private Path held;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void data() throws IOException {
        Random r = new Random(5);
        train = dir.resolve("train.npy");
        held = dir.resolve("held.npy");
        NpyWriter.writeF32(train, rows(r, 512), 512, D);
        NpyWriter.writeF32(held, rows(r, 300), 300, D);
    }

    private static float[] rows(Random r, int n) {
        float[] x = new float[n * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() + (i % D == 0 ? 3 : 0));
        }
        return x;
    }

    private String[] trainArgs(String out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", train.toString(), "--out",
                dir.resolve(out).toString(), "--latents", "32", "--k", "4", "--batch", "64", "--steps", "24",
                "--log-every", "8", "--dead-window", "640", "--threads", "1", "--json", "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> lines(String stdout) {
        List<Map<String, Object>> l = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            if (!line.isBlank()) {
                l.add((Map<String, Object>) Json.parse(line));
            }
        }
        return l;
    }

    @Test
    @SuppressWarnings("unchecked")
    void heldOutFiguresInJsonEqualEvalOnTheSavedModel() throws IOException {
        Path report = dir.resolve("r.html");
        assertThat(cli.run(trainArgs("m", "--eval-data", held.toString(), "--eval-every", "10", "--report",
                report.toString()))).as(cli.stderr()).isZero();
        List<Map<String, Object>> l = lines(cli.stdout());
        List<Map<String, Object>> evals = l.stream().filter(m -> Boolean.TRUE.equals(m.get("heldout"))).toList();
        // Every 10 steps, and once at the end (step 24).
        assertThat(evals).extracting(m -> ((Number) m.get("step")).longValue()).containsExactly(10L, 20L, 24L);
        Map<String, Object> end = evals.get(2);
        assertThat(end).containsKeys("rows", "r2", "explained_variance", "l0", "no_fire_fraction", "dense_fraction",
                "dense_threshold", "seconds");
        assertThat(((Number) end.get("rows")).longValue()).isEqualTo(300);
        Map<String, Object> sum = l.get(l.size() - 1);
        assertThat(sum).containsEntry("summary", true).containsEntry("dead_window_filled", true)
                .containsKey("window_dead_fraction");
        assertThat(((Number) sum.get("dead_window_tokens")).longValue()).isEqualTo(640);
        Map<String, Object> h = (Map<String, Object>) sum.get("heldout");
        assertThat(h.get("explained_variance")).isEqualTo(end.get("explained_variance"));

        assertThat(cli.run("eval", "--model", dir.resolve("m").toString(), "--data", held.toString(), "--json"))
                .as(cli.stderr()).isZero();
        Map<String, Object> ev = lines(cli.stdout()).get(0);
        assertThat(num(end, "r2")).isCloseTo(num(ev, "r2"), within(1e-6));
        assertThat(num(end, "explained_variance")).isCloseTo(num(ev, "explained_variance"), within(1e-6));
        assertThat(num(end, "l0")).isCloseTo(num(ev, "l0"), within(1e-9));
        assertThat(num(end, "no_fire_fraction")).isCloseTo(num(ev, "dead_fraction"), within(1e-12));
        assertThat(Files.readString(report)).contains("Held-out evaluation", "held-out explained variance",
                "held-out no-fire");
    }

    private static double num(Map<String, Object> m, String k) {
        return ((Number) m.get(k)).doubleValue();
    }

    @Test
    void evaluatingDoesNotChangeTraining() throws IOException {
        assertThat(cli.run(trainArgs("plain"))).as(cli.stderr()).isZero();
        assertThat(cli.run(trainArgs("evald", "--eval-data", held.toString(), "--eval-every", "3", "--eval-rows",
                "100"))).as(cli.stderr()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("evald").resolve(Checkpoint.MODEL)))
                .isEqualTo(Files.readAllBytes(dir.resolve("plain").resolve(Checkpoint.MODEL)));
        assertThat(lines(cli.stdout()).stream().filter(m -> Boolean.TRUE.equals(m.get("heldout"))))
                .allSatisfy(m -> assertThat(((Number) m.get("rows")).longValue()).isEqualTo(100));
    }

    @Test
    void aHeldOutSetOfAnotherWidthIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path wide = dir.resolve("wide.npy");
        NpyWriter.writeF32(wide, new float[40], 4, 10);
        assertThat(cli.run(trainArgs("w", "--eval-data", wide.toString()))).isEqualTo(2);
        assertThat(cli.stderr().strip()).doesNotContain("\n").contains(wide.toString(), "10 columns", "expected 8");
        assertThat(dir.resolve("w")).doesNotExist();
    }

    @Test
    void theSummaryLineSaysWhetherTheDeadWindowWasFilled() {
        assertThat(cli.run("train", "--data", train.toString(), "--out", dir.resolve("t").toString(), "--latents",
                "32", "--k", "4", "--batch", "64", "--steps", "4", "--quiet", "--threads", "1", "--eval-data",
                held.toString())).as(cli.stderr()).isZero();
        assertThat(cli.stdout()).contains("window not filled: 256 tokens trained", "held-out step 4 (300 rows)");
    }
}
