package org.sae4j.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import org.sae4j.io.AtomicFiles;
import org.sae4j.train.TrainState;

/**
 * A checkpoint directory replaced whole (see {@link Checkpoint}'s "Atomic saves") by
 * {@link AtomicFiles#replaceDirectory}: the new contents are written into {@code .<name>.next}, the old directory
 * goes to {@code .<name>.prev}, the new one takes its name, the old one is deleted; {@link #recover} finishes or
 * undoes a save a crash interrupted. This class adds the one-line "not saved" message naming the file being written.
 */
final class CheckpointDirectory {
    private CheckpointDirectory() {}

    /** Writes a directory's files; {@code writing[0]} names the file being written, for the failure message. */
    interface Contents {
        void write(Path dir, String[] writing) throws IOException;
    }

    /** Replaces {@code target} (absolute, with a parent) by a directory holding {@code contents}. */
    static void replace(Path target, TrainState state, Contents contents, Checkpoint.Hook hook) throws IOException {
        String[] writing = {null}; // the file being written, to name it when a write fails
        boolean[] renamed = {false}; // past this point the save stands: deleting the old one is not "not saved"
        try {
            AtomicFiles.replaceDirectory(target, dir -> {
                contents.write(dir, writing);
                writing[0] = null;
            }, stage -> {
                hook.at(stage);
                renamed[0] = stage.equals("renamed");
            });
        } catch (IOException e) {
            if (renamed[0]) {
                throw e;
            }
            throw saveFailed(target, state, writing[0], e);
        }
    }

    /** One line naming the checkpoint, the file being written and the cause (disk full, permission, I/O error). */
    private static IOException saveFailed(Path target, TrainState state, String file, IOException e) {
        return new IOException(target + ": checkpoint" + (state == null ? "" : " of step " + state.step())
                + " not saved (" + (file == null ? "" : "writing " + file + ": ") + AtomicFiles.describe(e)
                + "); the previous one, if any, is unchanged", e);
    }

    /** See {@link AtomicFiles#recoverDirectory}. */
    static void recover(Path target) throws IOException {
        AtomicFiles.recoverDirectory(target);
    }
}
