package org.sae4j.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Test resources: the numpy-written fixtures copied from the shared data directory, and hand-made .npy bytes. */
public final class Fixtures {
    private Fixtures() {}

    /**
     * A .npy file's bytes as numpy writes them: magic, version {@code major}.0, the header {@code dict} padded with
     * spaces and a newline so the data starts on a 64-byte boundary, then {@code data}.
     */
    public static byte[] npyBytes(int major, String dict, byte[] data) {
        int prefix = major == 1 ? 10 : 12;
        StringBuilder h = new StringBuilder(dict);
        while ((prefix + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        byte[] hb = h.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(prefix + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) hb.length);
        } else {
            b.putInt(hb.length);
        }
        return b.put(hb).put(data).array();
    }

    public static Path npy(String name) {
        URL url = Fixtures.class.getResource("/npy-fixtures/" + name);
        if (url == null) throw new IllegalStateException("missing test resource npy-fixtures/" + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The 3×5 values every valid fixture decodes to, row-major, parsed as float (written with %.9g). */
    public static float[] expected3x5() {
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
