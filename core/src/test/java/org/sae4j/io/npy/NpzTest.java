package org.sae4j.io.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.sae4j.io.Fixtures.npyBytes;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;

/**
 * {@link Npz} entries go through {@link NpyHeader}'s parse: numpy's rules, messages that name the archive and the
 * array, and what only a {@code .npz} allows (any number of dimensions, Fortran order read back in C order).
 */
class NpzTest {
    @TempDir
    Path dir;

    private static byte[] floats(ByteOrder order, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(order);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    private Path npz(String key, byte[] entry) throws IOException {
        Path p = dir.resolve(key + ".npz");
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream z = new ZipOutputStream(out)) {
            z.putNextEntry(new ZipEntry(key + ".npy"));
            z.write(entry);
            z.closeEntry();
        }
        return p;
    }

    private void refused(byte[] entry, String message) throws IOException {
        Path p = npz("w", entry);
        assertThatThrownBy(() -> Npz.open(p).close()).isInstanceOf(BadInputException.class)
                .hasMessage(p + ": array 'w': " + message);
    }

    @Test
    void readsEveryByteOrderSpellingAndFortranOrderInCOrder() throws IOException {
        float[] c = {1, 2, 3, 4, 5, 6};
        try (Npz z = Npz.open(npz("le", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                floats(ByteOrder.LITTLE_ENDIAN, c))))) {
            assertThat(z.entry("le").descr()).isEqualTo("<f4");
            assertThat(z.readFloats("le")).containsExactly(c);
        }
        // '|' and '=' read as little-endian, spelled '<' in the entry.
        for (String bo : new String[] {"|", "="}) {
            try (Npz z = Npz.open(npz("ne", npyBytes(2, "{'descr': '" + bo + "f4', 'fortran_order': True, 'shape': (2,"
                    + " 3), }", floats(ByteOrder.LITTLE_ENDIAN, 1, 4, 2, 5, 3, 6))))) {
                assertThat(z.entry("ne").descr()).isEqualTo("<f4");
                assertThat(z.entry("ne").fortranOrder()).isTrue();
                assertThat(z.readFloats("ne")).containsExactly(c);
            }
        }
        try (Npz z = Npz.open(npz("be", npyBytes(3, "{'descr': '>f4', 'fortran_order': False, 'shape': (1, 2, 3), }",
                floats(ByteOrder.BIG_ENDIAN, c))))) {
            assertThat(z.entry("be").shape()).containsExactly(1, 2, 3);
            assertThat(z.readFloats("be")).containsExactly(c);
        }
    }

    @Test
    void refusesWithNumpysRulesNamingTheArchiveAndTheArray() throws IOException {
        byte[] ok = npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                floats(ByteOrder.LITTLE_ENDIAN, 1, 2));
        byte[] magic = ok.clone();
        magic[1] = 'X';
        refused(magic, "bad magic bytes '\\x93XUMPY'; expected a .npy entry starting with \\x93NUMPY");
        byte[] version = ok.clone();
        version[6] = 4;
        refused(version, ".npy format version 4.0 is not supported; expected 1.0, 2.0 or 3.0");
        refused(Arrays.copyOf(ok, 30), "unexpected end of entry at byte 30; expected a complete header");
        refused(npyBytes(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", new byte[8]),
                "dtype '<i4' is an integer type; expected a float dtype (<f4, <f2, <f8, or big-endian >f4, >f2,"
                        + " >f8)");
        refused(npyBytes(1, "{'descr': '<f4', 'shape': (2,), }", new byte[8]),
                "header has no 'fortran_order' key; expected a Python dict literal like {'descr': '<f4',"
                        + " 'fortran_order': False, 'shape': (3, 5), }");
        refused(npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", new byte[8]),
                "header 'shape' (2, -1) has a bad dimension -1; expected non-negative integers");
        ByteBuffer huge = ByteBuffer.wrap(ok.clone()).order(ByteOrder.LITTLE_ENDIAN);
        huge.put(6, (byte) 2);
        huge.putShort(8, (short) 0).putShort(10, (short) 0x20); // header length 2 MiB, past the 1 MiB cap
        refused(huge.array(), "header length 2097152 bytes is implausibly large; expected a header of at most 1"
                + " MiB");
    }

    @Test
    void anEntryPointingPastTheEndIsADamagedArchive() throws IOException {
        Path p = npz("w", npyBytes(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }",
                floats(ByteOrder.LITTLE_ENDIAN, 1, 2)));
        byte[] b = Files.readAllBytes(p);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int cen = -1;
        for (int i = 0; i + 4 <= b.length && cen < 0; i++) {
            if (bb.getInt(i) == 0x02014b50) {
                cen = i;
            }
        }
        assertThat(cen).isPositive();
        bb.putInt(cen + 42, b.length - 8); // the entry's local header offset: 8 bytes before the end
        Files.write(p, b);
        assertThatThrownBy(() -> Npz.open(p).close()).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(p + ": damaged zip archive (").hasMessageEndingWith("; expected a numpy .npz"
                        + " file");
    }
}
