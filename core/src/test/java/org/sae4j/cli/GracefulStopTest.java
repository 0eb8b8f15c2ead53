package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * SIGTERM/SIGINT during {@code train} in a child JVM, at random steps: the run finishes its step, saves it, prints
 * one line and exits 143/130; resuming then gives the bytes an uninterrupted run gives. A second signal aborts at
 * once and leaves the last good checkpoint.
 */
class GracefulStopTest {
    @TempDir
    Path dir;

    private static final int D = 16;
    private static final int ROWS = 512;
    private Path data;

    @BeforeEach
    void data() throws IOException {
        float[] x = PlantedDictionary.random(D, 32, 3).sample(ROWS, 3, 0.05, null, 4);
        data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, x, ROWS, D);
    }

    private String[] train(String out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--out",
                dir.resolve(out).toString(), "--latents", "48", "--k", "4", "--batch", "16", "--threads", "1",
                "--auxk", "0.03", "--warmup-steps", "5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Starts a child run logging every step as JSON on stdout; signals it once the log reaches {@code at}. */
    private record Stopped(int exit, long lastLogged, String stderr) {}

    private Stopped runAndSignal(String out, long at, String... signals) throws Exception {
        Path errFile = dir.resolve(out + ".err");
        Process p = new ProcessBuilder(ChildJvm.command(train(out, "--steps", "100000000", "--checkpoint-every",
                "1000", "--log-every", "1", "--json", "--quiet")))
                .redirectError(errFile.toFile()).start();
        long last = -1;
        boolean sent = false;
        try (BufferedReader r = ChildJvm.lines(p)) {
            for (String line; (line = r.readLine()) != null; ) {
                Object step = ((Map<?, ?>) Json.parse(line, "child stdout")).get("step");
                if (step instanceof Long s) { // the summary line repeats the last step
                    last = Math.max(last, s);
                }
                if (!sent && last >= at) {
                    for (String sig : signals) {
                        ChildJvm.signal(p, sig);
                    }
                    sent = true;
                }
            }
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Stopped(p.exitValue(), last, ChildJvm.stderr(errFile));
    }

    private static int runInProcess(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(args, ChildJvm.print(new ByteArrayOutputStream()), ChildJvm.print(err));
        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isZero();
        return rc;
    }

    @Test
    void stopSignalAtRandomStepsSavesTheLastFinishedStepAndResumesBitForBit() throws Exception {
        SplittableRandom rng = new SplittableRandom(System.nanoTime());
        String[] sigs = {"TERM", "INT"};
        for (int round = 0; round < 2; round++) {
            String sig = sigs[round];
            long at = 3 + rng.nextInt(60);
            String name = "run" + round;
            Stopped s = runAndSignal(name, at, sig);
            Path ck = dir.resolve(name);
            assertThat(s.exit()).as(s.stderr()).isEqualTo(sig.equals("TERM") ? 143 : 130);
            // One line: where and at which step.
            assertThat(s.stderr().lines().toList()).as(s.stderr()).containsExactly("sae4j: train: stopped by SIG" + sig
                    + " after step " + s.lastLogged() + "; checkpoint saved in " + ck + " (continue with --resume "
                    + ck + ")");
            assertThat(Checkpoint.load(ck).state().step()).isEqualTo(s.lastLogged());

            long total = s.lastLogged() + 1 + rng.nextInt(40);
            runInProcess("train", "--data", data.toString(), "--resume", ck.toString(), "--steps",
                    Long.toString(total), "--quiet");
            runInProcess(train("ref" + round, "--steps", Long.toString(total), "--quiet"));
            for (String f : new String[] {Checkpoint.MODEL, Checkpoint.OPTIMIZER}) {
                assertThat(Files.readAllBytes(ck.resolve(f))).as("%s after a stop at %d, resumed to %d", f,
                        s.lastLogged(), total).isEqualTo(Files.readAllBytes(dir.resolve("ref" + round).resolve(f)));
            }
        }
    }

    @Test
    void secondSignalAbortsAtOnceAndTheLastCheckpointStays() throws Exception {
        Path errFile = dir.resolve("abort.err");
        Process p = new ProcessBuilder(ChildJvm.command(train("abort", "--steps", "100000000", "--checkpoint-every",
                "10", "--log-every", "1", "--json", "--quiet")))
                .redirectError(errFile.toFile()).start();
        BufferedReader r = ChildJvm.lines(p);
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("{\"step\":25,")) {
                break;
            }
        }
        // Stop reading: the child soon blocks writing its log, inside a step, so the first signal cannot finish
        // that step and only the second one ends the process. Wait until the pipe (64 KiB on Linux) is nearly full
        // and has stopped filling: the child is then blocked in println.
        // (A smaller pipe, e.g. one page when a user exceeds pipe-user-pages-soft, shows as a count that stays put.)
        long deadline = System.nanoTime() + 60_000_000_000L;
        int last = -1;
        int still = 0;
        while (System.nanoTime() < deadline) {
            int now = p.getInputStream().available();
            still = now == last && now > 0 ? still + 1 : 0;
            if (still >= 1 && now >= 60_000 || still >= 6) {
                break;
            }
            last = now;
            Thread.sleep(300);
        }
        ChildJvm.signal(p, "TERM");
        Thread.sleep(500);
        assertThat(p.isAlive()).as("the first signal waits for the step to finish").isTrue();
        ChildJvm.signal(p, "TERM");
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        r.close();
        String err = ChildJvm.stderr(errFile);
        assertThat(p.exitValue()).as(err).isEqualTo(143);
        assertThat(err.lines().toList()).hasSize(1).first().asString()
                .startsWith("sae4j train: second stop signal, aborting at once; the last good checkpoint (step ")
                .endsWith(") is kept in " + dir.resolve("abort"));
        long saved = Long.parseLong(err.replaceAll("(?s).*\\(step (\\d+)\\).*", "$1"));
        assertThat(saved).isGreaterThanOrEqualTo(20).isEqualTo(saved / 10 * 10);
        assertThat(Checkpoint.load(dir.resolve("abort")).state().step()).isEqualTo(saved);
    }
}
