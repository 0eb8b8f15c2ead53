package org.sae4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.sae4j.BadInputException;

/**
 * The files of a model directory (its sub-folders included), read on the driver into a value that Spark broadcasts
 * to the executors, where each JVM writes them out once and loads the model from there. A broadcast reaches the
 * tasks of every kind of job; a file added with {@code SparkContext.addFile} does not: a SQL execution (the Parquet
 * write of {@code spark encode}) ships only its session's artifacts, so on a cluster its tasks found no file at
 * {@code SparkFiles.get(name)}. Held in chunks so that no file meets Java's 2 GiB array limit.
 */
final class ModelFiles implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int CHUNK = 64 << 20;

    private final String name;
    private final List<String> paths; // relative to the directory, '/'-separated
    private final List<byte[][]> contents;

    private ModelFiles(String name, List<String> paths, List<byte[][]> contents) {
        this.name = name;
        this.paths = paths;
        this.contents = contents;
    }

    /** The regular files under {@code dir}, in path order. */
    static ModelFiles read(Path dir) throws IOException {
        return read(dir, CHUNK);
    }

    static ModelFiles read(Path dir, int chunk) throws IOException {
        List<String> paths = new ArrayList<>();
        List<byte[][]> contents = new ArrayList<>();
        for (Path f : files(dir)) {
            paths.add(relative(dir, f));
            List<byte[]> chunks = new ArrayList<>();
            try (InputStream in = Files.newInputStream(f)) {
                for (byte[] c = in.readNBytes(chunk); c.length > 0; c = in.readNBytes(chunk)) {
                    chunks.add(c);
                }
            }
            contents.add(chunks.toArray(byte[][]::new));
        }
        return new ModelFiles(dir.getFileName().toString(), List.copyOf(paths), List.copyOf(contents));
    }

    /** Changes when a file under {@code dir} does: paths, sizes and modification times. */
    static String stamp(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        for (Path f : files(dir)) {
            b.append(relative(dir, f)).append(':').append(Files.size(f)).append(':')
                    .append(Files.getLastModifiedTime(f).toMillis()).append(';');
        }
        return Integer.toHexString(b.toString().hashCode());
    }

    /** The model directory's name, for log lines. */
    String name() {
        return name;
    }

    long bytes() {
        long n = 0;
        for (byte[][] cs : contents) {
            for (byte[] c : cs) {
                n += c.length;
            }
        }
        return n;
    }

    /** Writes the files into a new directory under {@code parent} (named after the model) and returns it. */
    Path writeUnder(Path parent) throws IOException {
        // Normalised: an executor's scratch directory is "." resolved, and the check below compares normal paths.
        Path dir = Files.createTempDirectory(Files.createDirectories(parent.toAbsolutePath().normalize()),
                "model-" + name + "-");
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            Path f = dir.resolve(p).normalize();
            // The paths came from the driver's walk of one directory; anything else is not a model's file.
            if (!f.startsWith(dir) || f.equals(dir) || p.startsWith("/")) {
                throw new BadInputException("model " + name + ": file '" + p + "'; expected a path inside the model"
                        + " directory");
            }
            Files.createDirectories(f.getParent());
            try (OutputStream out = Files.newOutputStream(f)) {
                for (byte[] c : contents.get(i)) {
                    out.write(c);
                }
            }
        }
        return dir;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    private static String relative(Path dir, Path f) {
        List<String> parts = new ArrayList<>();
        for (Path p : dir.relativize(f)) {
            parts.add(p.toString());
        }
        return String.join("/", parts);
    }
}
