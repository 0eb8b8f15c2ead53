package org.sae4j.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a directory holds, for tests that a failed save left a checkpoint byte-identical and nothing behind. */
public final class DirListing {
    private DirListing() {
    }

    /** Every file of {@code dir} (not recursive) by name, with its bytes. */
    public static Map<String, byte[]> contents(Path dir) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path f : s.toList()) {
                m.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        return m;
    }

    /** The names in {@code dir}, sorted. */
    public static List<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
