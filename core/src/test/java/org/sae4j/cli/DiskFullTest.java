package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.DirListing;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * A real write failure, not a simulated one: {@code train --resume} in a child JVM under {@code ulimit -f}, smaller
 * than the model file, so the kernel refuses the write with EFBIG (HotSpot ignores SIGXFSZ) exactly as a full disk
 * refuses it with ENOSPC. Works as root and as any user, unlike a tmpfs mount.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    private static final int D = 32;
    private Path data;
    private Path ck;

    @BeforeEach
    void previousCheckpoint() throws IOException {
        float[] x = PlantedDictionary.random(D, 48, 5).sample(256, 3, 0.05, null, 6);
        data = dir.resolve("x.npy");
        NpyWriter.writeF32(data, x, 256, D);
        ck = dir.resolve("run");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = Main.run(new String[] {"train", "--data", data.toString(), "--out", ck.toString(), "--latents", "96",
                "--k", "4", "--batch", "16", "--steps", "10", "--threads", "1", "--quiet"},
                ChildJvm.print(new ByteArrayOutputStream()), ChildJvm.print(err));
        assertThat(rc).as(err.toString(StandardCharsets.UTF_8)).isZero();
        // 96 latents × 32 × 4 bytes × 2 matrices ≈ 24 KiB: well over the 8 KiB limit below.
        assertThat(Files.size(ck.resolve(Checkpoint.MODEL))).isGreaterThan(16 << 10);
    }

    private record Result(int exit, String stderr) {}

    private Result resumeUnderLimit(int steps, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--resume",
                ck.toString(), "--steps", Integer.toString(steps), "--checkpoint-every", "10", "--threads", "1",
                "--quiet"));
        args.addAll(List.of(more));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = ChildJvm.run(ChildJvm.underFileSizeLimit(8, ChildJvm.command(args.toArray(String[]::new))), out,
                err);
        return new Result(rc, ChildJvm.filter(err.toString(StandardCharsets.UTF_8)));
    }

    @Test
    void aFullDiskStopsTheRunWithOneLineAndKeepsTheLastCheckpoint() throws Exception {
        Map<String, byte[]> before = DirListing.contents(ck);
        Result r = resumeUnderLimit(40);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr().lines().toList()).containsExactly("sae4j: train: " + ck + ": checkpoint of step 20 not"
                + " saved (writing model.safetensors: File too large); the previous one, if any, is unchanged;"
                + " training stopped, the last good checkpoint (step 10) is kept in " + ck);
        assertThat(DirListing.contents(ck)).containsExactlyEntriesOf(before);
        assertThat(DirListing.names(dir)).containsExactly("run", "x.npy");
        assertThat(Checkpoint.load(ck).state().step()).isEqualTo(10);
    }

    @Test
    void withRetryTheRunTrainsOnAndRetriesAtEachCheckpoint() throws Exception {
        Map<String, byte[]> before = DirListing.contents(ck);
        Result r = resumeUnderLimit(35, "--on-save-error", "retry");
        // Steps 20 and 30 fail and training goes on; the end-of-run save at 35 fails too, and that one stops it.
        String cause = " not saved (writing model.safetensors: File too large); the previous one, if any, is"
                + " unchanged";
        assertThat(r.exit()).as(r.stderr()).isEqualTo(1);
        assertThat(r.stderr().lines().toList()).containsExactly(
                "sae4j train: " + ck + ": checkpoint of step 20" + cause + "; training on, retrying at step 30"
                        + " (--on-save-error retry)",
                "sae4j train: " + ck + ": checkpoint of step 30" + cause + "; training on, retrying at step 35"
                        + " (--on-save-error retry)",
                "sae4j: train: " + ck + ": checkpoint of step 35" + cause + "; training stopped, the last good"
                        + " checkpoint (step 10) is kept in " + ck);
        assertThat(DirListing.contents(ck)).containsExactlyEntriesOf(before);
        assertThat(DirListing.names(dir)).containsExactly("run", "x.npy");
    }
}
