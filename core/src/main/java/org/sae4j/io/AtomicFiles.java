package org.sae4j.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Crash-safe file replacement: write a temp file in the target's directory, {@code force(true)} it, rename it over
 * the target ({@code ATOMIC_MOVE}, falling back to {@code REPLACE_EXISTING} where the file system cannot), then
 * fsync the directory so the rename itself is durable (skipped silently where the platform cannot open a
 * directory, e.g. Windows). If anything fails before the rename the temp file is deleted and the previous target is
 * untouched, so a reader sees either the old file or the complete new one, never a half-written one.
 *
 * <p>Temp files are named {@code .<target name>.<random>.tmp} so they are hidden and easy to recognise if a
 * process is killed by the OS mid-write (nothing can clean up after {@code kill -9}).
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the body of a file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Replaces {@code target} with whatever {@code body} writes; all or nothing. */
    public static void write(Path target, Body body) throws IOException {
        try (Pending p = begin(target)) {
            body.writeTo(p.out());
            p.commit();
        }
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Starts a streaming atomic write. Write through {@link Pending#out()}, then {@link Pending#commit()}; closing
     * without committing (e.g. on an exception in try-with-resources) deletes the temp file.
     */
    public static Pending begin(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null) {
            throw new IOException(target + ": has no parent directory to hold a temp file");
        }
        Files.createDirectories(dir);
        // Not Files.createTempFile: it forces mode 0600, and the renamed file would keep it. CREATE_NEW applies
        // the usual umask, so checkpoints get the same permissions as any other file the user writes.
        for (int attempt = 0; ; attempt++) {
            Path tmp = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(RANDOM.nextLong()) + ".tmp");
            Fault fault = FAULT.get();
            long allowed = fault == null ? Long.MAX_VALUE : fault.allowedBytes(abs);
            if (allowed < 0) {
                throw injected(abs);
            }
            FileChannel ch;
            try {
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt < 100) continue;
                throw e;
            }
            return new Pending(abs, tmp, ch, allowed);
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Test seam for a disk that fills up: {@link #allowedBytes} says how many bytes the write to {@code target} may
     * put into its temp file before failing as a full disk does ({@code -1}: creating the temp file fails).
     * Per thread, so parallel tests do not see each other's faults.
     */
    interface Fault {
        long allowedBytes(Path target);
    }

    static final ThreadLocal<Fault> FAULT = new ThreadLocal<>();

    private static IOException injected(Path target) {
        return new IOException("No space left on device (injected fault writing " + target.getFileName() + ")");
    }

    /**
     * A failed write in a few words for a one-line message: NIO's file-system exceptions often carry only the path
     * as their message, so the kind (access denied, no such file) is spelled out.
     */
    public static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse) {
            String kind = e.getClass() == java.nio.file.FileSystemException.class ? "file-system error"
                    : e.getClass().getSimpleName().replaceAll("Exception$", "")
                            .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
            return kind + ": " + fse.getFile() + (fse.getReason() == null ? "" : " (" + fse.getReason() + ")");
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** An atomic write in progress. Not thread-safe. */
    public static final class Pending implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final FileChannel channel;
        private final OutputStream out;
        private boolean done;

        private Pending(Path target, Path tmp, FileChannel ch, long allowed) {
            this.target = target;
            this.tmp = tmp;
            this.channel = ch;
            // Closing the stream must not close the channel: commit() still needs it for force().
            OutputStream raw = Channels.newOutputStream(ch);
            this.out = new BufferedOutputStream(new OutputStream() {
                private long room = allowed;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (len > room) { // only with an injected fault: write what fits, then fail as ENOSPC does
                        raw.write(b, off, (int) room);
                        room = 0;
                        throw injected(target);
                    }
                    raw.write(b, off, len);
                    room -= len;
                }
            }, 1 << 16);
        }

        /** The final path this write will replace. */
        public Path target() {
            return target;
        }

        /** The temp file being written (for diagnostics and tests). */
        public Path tempFile() {
            return tmp;
        }

        /** Buffered stream into the temp file. Do not close it; {@link #commit()} or {@link #close()} does. */
        public OutputStream out() {
            if (done) throw new IllegalStateException("atomic write of " + target + " already finished");
            return out;
        }

        /** Flushes, fsyncs, renames the temp file over the target and fsyncs the directory. */
        public void commit() throws IOException {
            if (done) throw new IllegalStateException("atomic write of " + target + " already finished");
            try {
                out.flush();
                channel.force(true);
                channel.close();
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                done = true;
            } finally {
                if (!done) abort();
            }
            fsyncDirectory(target.getParent());
        }

        /** Abandons the write if it was not committed: the temp file is deleted, the target untouched. */
        @Override
        public void close() throws IOException {
            if (!done) abort();
        }

        private void abort() throws IOException {
            done = true;
            try {
                channel.close();
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes the files of a directory being built (see {@link #replaceDirectory}). */
    @FunctionalInterface
    public interface DirectoryContents {
        void write(Path dir) throws IOException;
    }

    /** Called at each stage of {@link #replaceDirectory}; throwing from it simulates a crash there (tests). */
    @FunctionalInterface
    public interface Stages {
        void at(String stage) throws IOException;
    }

    /** Replaces directory {@code target} whole by one holding what {@code contents} writes; see the overload. */
    public static void replaceDirectory(Path target, DirectoryContents contents) throws IOException {
        replaceDirectory(target, contents, stage -> { });
    }

    /**
     * Replaces directory {@code target} (absolute, with a parent) whole: the new contents are written into
     * {@code .<name>.next} and fsynced, the old directory goes to {@code .<name>.prev}, the new one takes its name,
     * the old one is deleted. A failure puts the old directory back and deletes the new one; {@link
     * #recoverDirectory} (run first) finishes or undoes a replacement a crash interrupted. {@code stages} hears
     * "written", "old-moved" and "renamed".
     */
    public static void replaceDirectory(Path target, DirectoryContents contents, Stages stages) throws IOException {
        Path parent = target.getParent();
        Files.createDirectories(parent);
        recoverDirectory(target);
        Path next = sibling(target, "next");
        Path prev = sibling(target, "prev");
        boolean moved = false;
        try {
            deleteTree(next);
            Files.createDirectory(next);
            contents.write(next);
            fsyncDirectory(next);
            stages.at("written");
            if (Files.exists(target)) {
                move(target, prev);
                moved = true;
            }
            stages.at("old-moved");
            move(next, target);
            moved = false;
            fsyncDirectory(parent);
            stages.at("renamed");
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
            throw e;
        }
        deleteTree(prev);
    }

    /**
     * Finishes or undoes an interrupted {@link #replaceDirectory}: the old directory waiting in {@code .<name>.prev}
     * goes back when {@code <name>} is missing, and is deleted when the new one is in place; an unfinished
     * {@code .<name>.next} is left for the next replacement to delete.
     */
    public static void recoverDirectory(Path target) throws IOException {
        if (target.getParent() == null) {
            return;
        }
        Path prev = sibling(target, "prev");
        if (Files.isDirectory(prev)) {
            if (Files.exists(target)) {
                deleteTree(prev);
            } else {
                move(prev, target);
                fsyncDirectory(target.getParent());
            }
        }
    }

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + kind);
    }

    /** Renames {@code from} to {@code to}, atomically where the file system can. */
    public static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a file or directory tree if it exists (symbolic links themselves, not what they point to). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
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
    public static boolean isAbsentOrEmpty(Path dir) throws IOException {
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

    /** Makes a rename durable on POSIX file systems; a no-op where directories cannot be opened (Windows). */
    public static void fsyncDirectory(Path dir) {
        if (dir == null) return;
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Best effort by design: the data file itself was already forced before the rename.
        }
    }
}
