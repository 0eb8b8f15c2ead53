package org.sae4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test resources: the numpy-written fixtures copied from the shared data directory. */
final class Fixtures {
    private Fixtures() {}

    static Path npy(String name) {
        URL url = Fixtures.class.getResource("/npy-fixtures/" + name);
        if (url == null) throw new IllegalStateException("missing test resource npy-fixtures/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The 3×5 values every valid fixture decodes to, row-major, parsed as float (written with %.9g). */
    static float[] expected3x5() {
        try {
            List<String> lines = Files.readAllLines(npy("expected_3x5.txt"));
            float[] out = new float[15];
            int i = 0;
            for (String line : lines) {
                if (line.isBlank()) continue;
                for (String tok : line.trim().split("\\s+")) out[i++] = Float.parseFloat(tok);
            }
            if (i != 15) throw new IllegalStateException("expected 15 values, got " + i);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
