package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.data.NpyDataset;
import org.sae4j.io.npy.NpyArrays;
import org.sae4j.io.npy.NpyFile;

/** {@code .npy} readers: {@link NpyFile} (and its header, {@code NpyHeader} / {@code PyLiteral}), {@link NpyArrays},
 * {@link NpyDataset} over a shard directory. See {@link Harness} for the invariant. */
class NpyFuzzTest {
    /** A whole {@code .npy} file: opened, then every row read (the file's size bounds rows × cols). */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void npyFile(byte[] data) throws Exception {
        Path f = Harness.write(Harness.freshDir("npy"), "x.npy", data);
        Harness.check(() -> {
            try (NpyFile n = NpyFile.open(f)) {
                n.readAll();
            }
        });
    }

    /**
     * The header dict alone ({@code PyLiteral}'s grammar and the field checks): the input is the dict text of a
     * version 1.0 header, followed by 256 zero bytes of data so that small shapes open and read.
     */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void npyHeaderDict(byte[] dict) throws Exception {
        int len = Math.min(dict.length, 0xffff);
        ByteBuffer b = ByteBuffer.allocate(10 + len + 256).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) len).put(dict, 0, len);
        Path f = Harness.write(Harness.freshDir("npyh"), "x.npy", b.array());
        Harness.check(() -> {
            try (NpyFile n = NpyFile.open(f)) {
                n.readAll();
            }
        });
    }

    /**
     * {@link NpyArrays}' exact-layout reads: byte 0 (mod 64) is the expected rows, byte 1 (mod 64) the columns, the
     * rest the file, read as each of the four dtypes.
     */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void npyArrays(byte[] data) throws Exception {
        if (data.length < 2) {
            return;
        }
        int rows = data[0] & 0x3f;
        int cols = data[1] & 0x3f;
        byte[] file = java.util.Arrays.copyOfRange(data, 2, data.length);
        Path f = Harness.write(Harness.freshDir("npya"), "x.npy", file);
        Harness.check(() -> NpyArrays.readF4(f, rows, cols));
        Harness.check(() -> NpyArrays.readF8(f, rows, cols));
        Harness.check(() -> NpyArrays.readI4(f, rows, cols));
        Harness.check(() -> NpyArrays.readI8(f, rows, cols));
    }

    /** A directory of three shards (sections of the input): opened as one dataset, every row read and checked. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void npyDataset(byte[] data) throws Exception {
        Path dir = Harness.freshDir("shards");
        List<byte[]> s = Harness.sections(data, 3);
        for (int i = 0; i < s.size(); i++) {
            Harness.write(dir, "shard_0000" + i + ".npy", s.get(i));
        }
        Harness.check(() -> {
            try (NpyDataset ds = NpyDataset.open(dir)) {
                float[] row = new float[ds.dim()];
                for (long r = 0; r < ds.rows(); r++) {
                    ds.readRow(r, row, 0);
                }
            }
        });
    }
}
