package org.sae4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * A disk that fills up part-way through a save, injected at every file of the checkpoint and at several points of
 * each (before the file exists, at its first byte, mid-file, one byte short): the save fails with one line naming
 * the directory, the file and the cause; the previous checkpoint is byte-identical and loads; no partial file or
 * temp directory is left behind.
 */
class CheckpointSaveFailureTest {
    @TempDir
    Path dir;

    @AfterEach
    void clearFault() {
        AtomicFiles.FAULT.remove();
    }

    private static TrainState state(long seed, long step, boolean adam) {
        Sae sae = Sae.initialize(new SaeConfig(6, 9, Activation.JUMPRELU, 2, true, false, 1e-3, 1e-3, seed));
        OptimizerState o = new OptimizerState(sae);
        o.step = step;
        TrainConfig.Builder b = TrainConfig.builder().batchSize(4).threads(1);
        if (!adam) {
            b.optimizer(org.sae4j.train.Optimizer.SGD);
        }
        return new TrainState(sae, o, b.build(), BatchOptions.of(4, 1), new BatchStream.Position(0, 1), 40, 50,
                TrainState.EpochProgress.start(sae.latents()));
    }

    @Test
    void aSaveFailingAtAnyFileKeepsThePreviousCheckpointAndLeavesNothingBehind() throws IOException {
        for (boolean adam : new boolean[] {true, false}) {
            Path ck = dir.resolve("run");
            Checkpoint.deleteTree(ck);
            Checkpoint.save(ck, state(1, 10, adam), null);
            Map<String, byte[]> before = DirListing.contents(ck);
            // Sizes of every file the next save writes: the fault points are chosen from them.
            Checkpoint.save(dir.resolve("probe"), state(2, 20, adam), null);
            Map<String, byte[]> next = DirListing.contents(dir.resolve("probe"));
            Checkpoint.deleteTree(dir.resolve("probe"));
            assertThat(next.keySet()).hasSize(adam ? 4 : 3);

            int injections = 0;
            for (Map.Entry<String, byte[]> file : next.entrySet()) {
                long size = file.getValue().length;
                for (long allowed : new long[] {-1, 0, 1, size / 2, size - 1}) {
                    String name = file.getKey();
                    List<Path> attempted = new ArrayList<>();
                    AtomicFiles.FAULT.set(target -> {
                        attempted.add(target);
                        return target.getFileName().toString().equals(name) ? allowed : Long.MAX_VALUE;
                    });
                    assertThatThrownBy(() -> Checkpoint.save(ck, state(2, 20, adam), null))
                            .isInstanceOf(IOException.class)
                            .hasMessage(ck + ": checkpoint of step 20 not saved (writing " + name
                                    + ": No space left on device (injected fault writing " + name
                                    + ")); the previous one, if any, is unchanged");
                    AtomicFiles.FAULT.remove();
                    assertThat(attempted).as("the fault was reached").anyMatch(p -> p.endsWith(name));
                    assertThat(DirListing.contents(ck)).as("%s cut at %d", name, allowed)
                            .containsExactlyEntriesOf(before);
                    assertThat(DirListing.names(dir)).as("leftovers after %s cut at %d", name, allowed)
                            .containsExactly("run");
                    assertThat(Checkpoint.load(ck).state().step()).isEqualTo(10);
                    injections++;
                }
            }
            assertThat(injections).isEqualTo(5 * next.size());
            // The disk has room again: the next save goes through.
            Checkpoint.save(ck, state(2, 20, adam), null);
            assertThat(DirListing.contents(ck)).containsExactlyEntriesOf(next);
        }
    }

    @Test
    void aFailureBeforeAnyFileIsWrittenNamesTheCause() throws IOException {
        // The parent "directory" is a regular file: creating the checkpoint's temp directory fails.
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a directory");
        Path ck = blocker.resolve("run");
        assertThatThrownBy(() -> Checkpoint.save(ck, state(1, 10, true), null)).isInstanceOf(IOException.class)
                .hasMessageStartingWith(ck + ": checkpoint of step 10 not saved (")
                .hasMessageContaining(blocker.toString());
        assertThat(Files.readString(blocker)).isEqualTo("not a directory");
    }
}
