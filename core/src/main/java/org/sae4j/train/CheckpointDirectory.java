package org.sae4j.train;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.sae4j.io.AtomicFiles;

/**
 * A checkpoint directory replaced whole (see {@link Checkpoint}'s "Atomic saves"): the new contents are written into
 * {@code .<name>.next}, the old directory goes to {@code .<name>.prev}, the new one takes its name, the old one is
 * deleted; {@link #recover} finishes or undoes a save a crash interrupted.
 */
final class CheckpointDirectory {
    private CheckpointDirectory() {}

    /** Writes a directory's files; {@code writing[0]} names the file being written, for the failure message. */
    interface Contents {
        void write(Path dir, String[] writing) throws IOException;
    }

    /** Replaces {@code target} (absolute, with a parent) by a directory holding {@code contents}. */
    static void replace(Path target, TrainState state, Contents contents, Checkpoint.Hook hook) throws IOException {
        Path parent = target.getParent();
        try {
            Files.createDirectories(parent);
            recover(target);
        } catch (IOException e) {
            throw saveFailed(target, state, null, e);
        }
        Path next = sibling(target, "next");
        Path prev = sibling(target, "prev");
        String[] writing = {null}; // the file being written, to name it when a write fails
        boolean moved = false;
        try {
            deleteTree(next);
            Files.createDirectory(next);
            contents.write(next, writing);
            writing[0] = null;
            AtomicFiles.fsyncDirectory(next);
            hook.at("written");
            if (Files.exists(target)) {
                move(target, prev);
                moved = true;
            }
            hook.at("old-moved");
            move(next, target);
            moved = false;
            AtomicFiles.fsyncDirectory(parent);
            hook.at("renamed");
        } catch (IOException | RuntimeException e) {
            if (moved && !Files.exists(target)) {
                try {
                    move(prev, target);
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
            }
            try {
                deleteTree(next);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw saveFailed(target, state, writing[0], io);
            }
            throw e;
        }
        deleteTree(prev);
    }

    /** One line naming the checkpoint, the file being written and the cause (disk full, permission, I/O error). */
    private static IOException saveFailed(Path target, TrainState state, String file, IOException e) {
        return new IOException(target + ": checkpoint" + (state == null ? "" : " of step " + state.step())
                + " not saved (" + (file == null ? "" : "writing " + file + ": ") + AtomicFiles.describe(e)
                + "); the previous one, if any, is unchanged", e);
    }

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + kind);
    }

    /**
     * Finishes or undoes an interrupted save: the old checkpoint waiting in {@code .<name>.prev} goes back when
     * {@code <name>} is missing, and is deleted when the new one is in place; an unfinished {@code .<name>.next}
     * is left for the next save to delete.
     */
    static void recover(Path target) throws IOException {
        if (target.getParent() == null) {
            return;
        }
        Path prev = sibling(target, "prev");
        if (Files.isDirectory(prev)) {
            if (Files.exists(target)) {
                deleteTree(prev);
            } else {
                move(prev, target);
                AtomicFiles.fsyncDirectory(target.getParent());
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a file or directory tree if it exists. */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** True when {@code dir} is missing or an empty directory. */
    static boolean isAbsentOrEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
    }
}
