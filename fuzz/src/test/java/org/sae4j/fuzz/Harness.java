package org.sae4j.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.sae4j.BadInputException;

/**
 * What every target shares: a scratch folder the fuzzed bytes are written into (the readers take paths), the
 * invariant check, and the split of one input into several files.
 *
 * <p><b>Invariant.</b> {@link #check} runs a reader; it may return or throw {@link BadInputException} with a
 * non-empty one-line message. Anything else escapes and Jazzer reports it with the input: another exception
 * (IllegalArgumentException, IndexOutOfBounds, NumberFormatException, a raw IOException...), an
 * OutOfMemoryError past the test JVM's heap ({@code -Xmx512m}, fuzz/pom.xml), a StackOverflowError, or a hang
 * (the targets' {@code @Timeout}, which Jazzer turns into libFuzzer's per-input timeout).
 *
 * <p><b>Several files from one input.</b> {@link #sections} reads {@code n - 1} sections, each a 3-byte
 * little-endian length (clamped to what is left) and that many bytes, then the rest as the last section. The
 * length {@code 0xFFFFFF} means "this file is absent", so a target also meets missing files. The seed script
 * (fuzz/src/test/seeds/make_seeds.py) writes real folders in this layout.
 */
final class Harness {
    static final int ABSENT = 0xFFFFFF;

    @FunctionalInterface
    interface Reader {
        void run() throws Exception;
    }

    private Harness() {
    }

    private static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("sae4j-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                clear(ROOT);
                Files.deleteIfExists(ROOT);
            } catch (IOException ignored) {
                // a scratch folder under the temp dir; nothing to report at exit
            }
        }));
    }

    /** An empty scratch folder for one input (the same folder each time, emptied: no file outlives its input). */
    static Path freshDir(String name) throws IOException {
        Path d = ROOT.resolve(name);
        if (Files.exists(d)) {
            clear(d);
        } else {
            Files.createDirectories(d);
        }
        return d;
    }

    /** Writes {@code bytes} to {@code dir/name}; null bytes leave the file absent. */
    static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        if (bytes != null) {
            Files.write(p, bytes);
        }
        return p;
    }

    /** The input as {@code n} sections (see the class comment); an absent section is null. */
    static List<byte[]> sections(byte[] data, int n) {
        List<byte[]> out = new ArrayList<>(n);
        int pos = 0;
        for (int i = 0; i < n - 1; i++) {
            if (data.length - pos < 3) {
                out.add(new byte[0]);
                pos = data.length;
                continue;
            }
            int len = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8 | (data[pos + 2] & 0xff) << 16;
            pos += 3;
            if (len == ABSENT) {
                out.add(null);
                continue;
            }
            int take = Math.min(len, data.length - pos);
            out.add(Arrays.copyOfRange(data, pos, pos + take));
            pos += take;
        }
        out.add(Arrays.copyOfRange(data, pos, data.length));
        return out;
    }

    /** Runs {@code r}: it may succeed or throw a one-line {@link BadInputException}; anything else escapes. */
    static void check(Reader r) throws Exception {
        try {
            r.run();
        } catch (BadInputException e) {
            String m = e.getMessage();
            if (m == null || m.isBlank() || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw new AssertionError("BadInputException without a one-line message: " + m, e);
            }
        }
    }

    private static void clear(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(d)) {
                    Files.delete(p);
                }
            }
        }
    }
}
