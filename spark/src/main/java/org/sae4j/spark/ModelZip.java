package org.sae4j.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.sae4j.BadInputException;

/** A model directory as one file, for clusters (Spark's {@code addFile} serves local files, not directories). */
final class ModelZip {
    private static final String SUFFIX = ".sae4j-model.zip";

    private ModelZip() {
    }

    static boolean isZip(String name) {
        return name.endsWith(SUFFIX);
    }

    /** Changes when a file of {@code dir} does: names, sizes and modification times. */
    static String stamp(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                b.append(f.getFileName()).append(':').append(Files.size(f)).append(':')
                        .append(Files.getLastModifiedTime(f).toMillis()).append(';');
            }
        }
        return Integer.toHexString(b.toString().hashCode());
    }

    /** The regular files directly in {@code dir}, stored (weights do not compress), in a new temporary file. */
    static Path write(Path dir) throws IOException {
        Path zip = Files.createTempFile(dir.getFileName() + "-", SUFFIX);
        zip.toFile().deleteOnExit();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.setLevel(0);
            for (Path f : files) {
                out.putNextEntry(new ZipEntry(f.getFileName().toString()));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        return zip;
    }

    /** Unpacks {@code zip} into a sibling directory (once per executor JVM: the caller caches the result). */
    static Path unpack(Path zip) throws IOException {
        Path dir = Files.createTempDirectory(zip.getParent(), "model-");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (name.contains("/") || name.contains("\\") || name.startsWith(".")) {
                    throw new BadInputException(zip + ": entry '" + name + "'; expected plain file names");
                }
                try (OutputStream out = Files.newOutputStream(dir.resolve(name))) {
                    copy(in, out);
                }
            }
        }
        return dir;
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        in.transferTo(out);
    }
}
