package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.experiments.DeadCodes;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;

/**
 * A short run of {@code experiment dead-codes --data --heldout} on the synthetic dead-prone data (a large shared mean
 * offset), split into train and held-out rows: the outputs and their columns, and that latents die without a remedy
 * while sae4j's defaults keep them alive.
 */
class DeadCodesStudyTest {
    private static final int D = 32;
    private static final int TRAIN = 8192;
    private static final int HELD = 2048;

    @TempDir
    Path dir;
    private Path train;
    private Path held;
    private final CliRun cli = new CliRun();

    @BeforeEach
    void data() throws IOException {
        DeadCodes.Setup s = new DeadCodes.Setup(D, 512, 8, 128, TRAIN + HELD, 512, 0, 0, 12, 10, 7);
        float[] x = DeadCodes.data(s);
        train = dir.resolve("train.npy");
        held = dir.resolve("held.npy");
        NpyWriter.writeF32(train, Arrays.copyOf(x, TRAIN * D), TRAIN, D);
        NpyWriter.writeF32(held, Arrays.copyOfRange(x, TRAIN * D, (TRAIN + HELD) * D), HELD, D);
    }

    private int study(Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("experiment", "dead-codes", "--data", train.toString(),
                "--heldout", held.toString(), "--out", out.toString(), "--regimes", "topk16x-k8-lr2e-3",
                "--remedies", "none,default", "--steps", "200", "--batch", "512", "--dead-window", "20000",
                "--eval-points", "4", "--threads", "2"));
        a.addAll(List.of(more));
        return cli.run(a.toArray(String[]::new));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aShortStudyWritesEveryOutputAndTheDefaultsKeepLatentsAlive() throws IOException {
        Path out = dir.resolve("study");
        assertThat(study(out)).as(cli.stderr()).isZero();
        System.out.print(Files.readString(out.resolve("table.md")));
        assertThat(out).isDirectoryContaining(p -> p.getFileName().toString().equals("command.txt"));
        for (String f : List.of("results.json", "table.md", "command.txt", "dead-topk16x-k8-lr2e-3.svg",
                "heldout-ev-topk16x-k8-lr2e-3.svg")) {
            assertThat(out.resolve(f)).isNotEmptyFile();
        }
        assertThat(out.resolve("models")).doesNotExist();
        assertThat(Files.readString(out.resolve("command.txt"))).startsWith("./sae4j experiment dead-codes --data ");
        assertThat(Files.readString(out.resolve("table.md"))).contains("| regime | remedy | window dead % | dense % |",
                "no-fire held-out %", "tokens/latent", "(< 1000)");
        Map<String, Object> res = Json.readObject(out.resolve("results.json"));
        List<Map<String, Object>> runs = (List<Map<String, Object>>) res.get("runs");
        assertThat(runs).extracting(r -> r.get("remedy")).containsExactly("none", "default");
        for (Map<String, Object> r : runs) {
            assertThat(r).containsKeys("regime", "window_dead_fraction", "dead_window_tokens", "dead_window_filled",
                    "heldout_r2", "heldout_explained_variance", "heldout_l0", "heldout_no_fire_fraction",
                    "heldout_dense_fraction", "training_tokens", "tokens_per_latent", "tokens_per_s",
                    "window_dead_curve", "heldout_ev_curve", "train_args").doesNotContainKey("error");
            assertThat(r).containsEntry("dead_window_filled", true);
            assertThat(((Number) r.get("training_tokens")).longValue()).isEqualTo(200 * 512);
            assertThat((List<Object>) r.get("heldout_ev_curve")).hasSize(4); // steps 50, 100, 150 and 200 (the end)
        }
        double noneDead = ((Number) runs.get(0).get("window_dead_fraction")).doubleValue();
        double defDead = ((Number) runs.get(1).get("window_dead_fraction")).doubleValue();
        assertThat(noneDead).as("the setup must kill latents without a remedy").isGreaterThan(0.3);
        assertThat(defDead).as("the default re-animation term").isLessThan(noneDead / 2);
        double noneNoFire = ((Number) runs.get(0).get("heldout_no_fire_fraction")).doubleValue();
        double defNoFire = ((Number) runs.get(1).get("heldout_no_fire_fraction")).doubleValue();
        assertThat(defNoFire).isLessThan(noneNoFire);
    }

    @Test
    void badInputIsOneLineAndLeavesNoDirectory() throws IOException {
        Path wide = dir.resolve("wide.npy");
        NpyWriter.writeF32(wide, new float[4 * (D + 1)], 4, D + 1);
        Path out = dir.resolve("bad");
        held = wide;
        assertThat(study(out)).isEqualTo(2);
        assertThat(cli.stderr().strip()).doesNotContain("\n").contains(wide.toString(), "expected " + D);
        held = dir.resolve("missing");
        assertThat(study(out)).isEqualTo(2);
        assertThat(cli.stderr().strip()).doesNotContain("\n").contains("missing");
        held = dir.resolve("held.npy");
        assertThat(study(out, "--remedies", "nonesuch")).isEqualTo(2);
        assertThat(cli.stderr()).contains("nonesuch", "expected some of none,default");
        try (var s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("train.npy", "held.npy",
                    "wide.npy");
        }
    }
}
