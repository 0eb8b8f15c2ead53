package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code train --loss-term}: a user's term from the class path, in the log, recorded for --resume, bad specs. */
class LossTermCliTest {
    private static final String TERM = MeanPreTerm.class.getName() + ",coef=0.05,scale=2";

    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private Path data;

    @BeforeEach
    void data() throws IOException {
        float[] x = PlantedDictionary.random(8, 16, 1).sample(256, 2, 0.05, null, 3);
        data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, x, 256, 8);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String stderr() {
        return cli.stderr();
    }

    private String[] train(String outDir, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--latents", "32",
                "--activation", "relu", "--l1", "1e-3", "--batch", "32", "--lr", "5e-3", "--threads", "1",
                "--seed", "4", "--out", dir.resolve(outDir).toString(), "--quiet"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aUserTermTrainsIsLoggedByNameAndResumesWithoutBeingRepeated() throws IOException {
        assertThat(run(train("full", "--steps", "12", "--loss-term", TERM, "--json", "--log-every", "4")))
                .as(stderr()).isZero();
        List<Map<String, Object>> lines = new ArrayList<>();
        for (String l : cli.stdout().split("\n")) {
            lines.add((Map<String, Object>) Json.parse(l));
        }
        Map<String, Object> first = lines.get(0);
        assertThat(first).containsKey("mean_pre");
        assertThat(((Number) first.get("mean_pre")).doubleValue()).isFinite().isNotZero();

        // The report lists the term among the run's settings.
        Path report = dir.resolve("r.html");
        assertThat(run(train("rep", "--steps", "4", "--loss-term", TERM, "--report", report.toString())))
                .as(stderr()).isZero();
        String html = Files.readString(report);
        assertThat(html).contains(TERM + " (coef 0.05, constant)"); // the settings row
        assertThat(html).contains("aria-label=\"loss term mean_pre\""); // and a curve of its value

        // Half the run, then --resume with no --loss-term: the recorded text builds the same term again.
        assertThat(run(train("half", "--steps", "6", "--loss-term", TERM))).as(stderr()).isZero();
        assertThat(run("train", "--data", data.toString(), "--resume", dir.resolve("half").toString(),
                "--steps", "12", "--quiet")).as(stderr()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("half").resolve(Checkpoint.MODEL)))
                .isEqualTo(Files.readAllBytes(dir.resolve("full").resolve(Checkpoint.MODEL)));

        // Without the term the run differs, so the term did act.
        assertThat(run(train("none", "--steps", "12"))).as(stderr()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("none").resolve(Checkpoint.MODEL)))
                .isNotEqualTo(Files.readAllBytes(dir.resolve("full").resolve(Checkpoint.MODEL)));

        // Repeating it on --resume: the same text passes, another is refused naming both.
        assertThat(run("train", "--data", data.toString(), "--resume", dir.resolve("half").toString(),
                "--steps", "13", "--quiet", "--loss-term", TERM)).as(stderr()).isZero();
        // A recorded term whose class cannot be found (another class path) names where the text came from.
        Path state = dir.resolve("half").resolve(Checkpoint.STATE);
        String saved = Files.readString(state);
        Files.writeString(state, saved.replace(MeanPreTerm.class.getName(), "gone.MeanPreTerm"));
        assertThat(run("train", "--data", data.toString(), "--resume", dir.resolve("half").toString(),
                "--steps", "14")).isEqualTo(2);
        assertThat(stderr()).startsWith("sae4j: train --resume: the checkpoint's --loss-term 'gone.MeanPreTerm,"
                + "coef=0.05,scale=2': class gone.MeanPreTerm not found on the class path");
        Files.writeString(state, saved);
        String other = MeanPreTerm.class.getName() + ",coef=0.1,scale=2";
        assertThat(run("train", "--data", data.toString(), "--resume", dir.resolve("half").toString(),
                "--steps", "14", "--loss-term", other)).isEqualTo(2);
        assertThat(stderr().lines()).hasSize(1);
        assertThat(stderr()).contains("--loss-term " + other + ": the checkpoint was trained with --loss-term "
                + TERM);
    }

    @Test
    void badSpecsGiveOneLineAndExit2AndWriteNothing() {
        String[][] cases = {
            {"no.such.Term,coef=1", "class no.such.Term not found on the class path (add its jar or directory with"
                    + " SAE4J_CLASSPATH)"},
            {MeanPreTerm.class.getName(), "no coef=C"},
            {MeanPreTerm.class.getName() + ",coef=x", "coef=x is not a number"},
            {MeanPreTerm.class.getName() + ",coef=1,colour=red", "option colour: expected only scale=S"},
            {MeanPreTerm.class.getName() + ",coef=1,schedule=auto:0.1:5", "schedule=auto:0.1:5: auto is for --reanimation only"},
            {"java.lang.String,coef=1", "java.lang.String does not implement org.sae4j.train.loss.LossTerm"},
            {MeanPreTerm.class.getName() + ",coef=1,scale", "'scale' is not KEY=VALUE"},
        };
        for (String[] c : cases) {
            assertThat(run(train("bad", "--steps", "2", "--loss-term", c[0]))).as(c[0]).isEqualTo(2);
            assertThat(stderr().lines()).as(c[0]).hasSize(1);
            assertThat(stderr()).as(c[0]).startsWith("sae4j: train --loss-term '" + c[0] + "': " + c[1]);
            assertThat(Files.exists(dir.resolve("bad"))).as(c[0]).isFalse();
        }
    }
}
