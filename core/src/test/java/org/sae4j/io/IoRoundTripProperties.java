package org.sae4j.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterProperty;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.io.safetensors.Safetensors;

/** Write-then-read round trips over random shapes (0 rows, 1 column, odd sizes) and layouts. */
class IoRoundTripProperties {
    private final Path dir;

    IoRoundTripProperties() throws IOException {
        dir = Files.createTempDirectory("sae4j-io-props");
    }

    @AfterProperty
    void cleanUp() throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    private static float[] randomFloats(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            // mostly gaussians, some raw bit patterns (subnormals, huge, NaN payloads) to prove bits survive
            a[i] = r.nextInt(8) == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian();
        }
        return a;
    }

    @Property(tries = 150)
    void npyF32RoundTrip(@ForAll @IntRange(min = 0, max = 67) int rows, @ForAll @IntRange(min = 1, max = 37) int cols,
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int windowElems) throws IOException {
        Random r = new Random(seed);
        float[] a = randomFloats(r, rows * cols);
        Path p = dir.resolve("a.npy");
        NpyWriter.writeF32(p, a, rows, cols);
        byte[] bytes = Files.readAllBytes(p);
        assertThat(bytes.length).isEqualTo(((bytes[8] & 0xff) | (bytes[9] & 0xff) << 8) + 10 + 4L * rows * cols);
        assertThat((((bytes[8] & 0xff) | (bytes[9] & 0xff) << 8) + 10) % 64).isZero(); // data 64-byte aligned
        try (NpyFile f = NpyFile.open(p)) {
            assertThat(f.rows()).isEqualTo(rows);
            assertThat(f.cols()).isEqualTo(cols);
            assertThat(Arrays.equals(f.readAll(), a)).isTrue();
        }
        // tiny mapping windows: reads that straddle window seams still agree
        try (NpyFile f = NpyFile.open(p, 4L * windowElems)) {
            if (rows > 0) {
                int first = r.nextInt(rows);
                int count = 1 + r.nextInt(rows - first);
                float[] got = new float[count * cols + 3];
                f.readRows(first, count, got, 3);
                assertThat(Arrays.equals(got, 3, got.length, a, first * cols, (first + count) * cols)).isTrue();
            }
        }
    }

    @Property(tries = 50)
    void npyI32RoundTrip(@ForAll @IntRange(min = 0, max = 40) int rows, @ForAll @IntRange(min = 1, max = 33) int cols,
            @ForAll long seed) throws IOException {
        Random r = new Random(seed);
        int[] a = new int[rows * cols];
        for (int i = 0; i < a.length; i++) a[i] = r.nextInt();
        Path p = dir.resolve("i.npy");
        NpyWriter.writeI32(p, a, rows, cols);
        byte[] bytes = Files.readAllBytes(p);
        int headerLen = (bytes[8] & 0xff) | (bytes[9] & 0xff) << 8;
        String header = new String(bytes, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<i4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }")
                .endsWith("\n");
        ByteBuffer b = ByteBuffer.wrap(bytes, 10 + headerLen, bytes.length - 10 - headerLen).order(ByteOrder.LITTLE_ENDIAN);
        int[] back = new int[a.length];
        b.asIntBuffer().get(back);
        assertThat(back).isEqualTo(a);
        assertThat(b.remaining()).isEqualTo(4 * a.length);
    }

    /** Layouts our writer never produces but numpy does: built byte by byte, read back through small windows. */
    @Property(tries = 200)
    void npyLayoutsDecode(@ForAll @IntRange(min = 0, max = 29) int rows, @ForAll @IntRange(min = 1, max = 23) int cols,
            @ForAll boolean fortran, @ForAll boolean bigEndian, @ForAll @IntRange(min = 0, max = 2) int kindIndex,
            @ForAll @IntRange(min = 1, max = 3) int version, @ForAll boolean oneD, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 100) int windowElems) throws IOException {
        if (oneD) rows = 1;
        Random r = new Random(seed);
        NpyFile.Kind kind = NpyFile.Kind.values()[kindIndex];
        float[] expected = new float[rows * cols];
        ByteBuffer data = ByteBuffer.allocate(rows * cols * kind.itemSize)
                .order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            // element i in file order is (row, col) in C order or (col-major) in Fortran order
            int row = fortran ? i % Math.max(rows, 1) : i / cols;
            int col = fortran ? i / Math.max(rows, 1) : i % cols;
            double v = r.nextGaussian() * 10;
            float asFloat;
            switch (kind) {
                case F16 -> {
                    short h = Float.floatToFloat16((float) v);
                    data.putShort(h);
                    asFloat = Float.float16ToFloat(h);
                }
                case F32 -> {
                    data.putFloat((float) v);
                    asFloat = (float) v;
                }
                default -> {
                    data.putDouble(v);
                    asFloat = (float) v;
                }
            }
            expected[row * cols + col] = asFloat;
        }
        String descr = (bigEndian ? ">" : "<") + "f" + kind.itemSize;
        String shape = oneD ? "(" + cols + ",)" : "(" + rows + ", " + cols + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': "
                + shape + ", }";
        Path p = dir.resolve("l.npy");
        Files.write(p, Fixtures.npyBytes(version, dict, data.array()));
        try (NpyFile f = NpyFile.open(p, (long) kind.itemSize * windowElems)) {
            assertThat(f.rows()).isEqualTo(rows);
            assertThat(f.cols()).isEqualTo(cols);
            assertThat(f.readAll()).containsExactly(expected);
            if (rows > 1) {
                int first = r.nextInt(rows - 1);
                float[] two = new float[2 * cols];
                f.readRows(first, 2, two, 0);
                assertThat(two).containsExactly(Arrays.copyOfRange(expected, first * cols, (first + 2) * cols));
            }
        }
    }

    @Property(tries = 100)
    void safetensorsRoundTrip(@ForAll @IntRange(min = 0, max = 6) int count, @ForAll long seed) throws IOException {
        Random r = new Random(seed);
        Map<String, Safetensors.Tensor> tensors = new HashMap<>();
        for (int t = 0; t < count; t++) {
            int rank = r.nextInt(4); // rank 0 is a scalar with one element
            long[] shape = new long[rank];
            long n = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = r.nextInt(6) == 0 ? (r.nextBoolean() ? 0 : 1) : 1 + r.nextInt(17);
                n *= shape[d];
            }
            tensors.put("t" + r.nextInt(1000) + (r.nextBoolean() ? "é.weight" : ""),
                    new Safetensors.Tensor(shape, randomFloats(r, (int) n)));
        }
        Map<String, String> meta = new HashMap<>();
        for (int i = 0; i < r.nextInt(4); i++) meta.put("k" + i + "\"\\", "v\n" + r.nextLong());
        Path p = dir.resolve("m.safetensors");
        Safetensors.write(p, tensors, meta);
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(p)) {
            assertThat(in.read(head)).isEqualTo(8);
        }
        assertThat(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong() % 8).isZero(); // padded header
        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.metadata()).isEqualTo(meta);
            assertThat(st.names()).containsExactlyElementsOf(new java.util.TreeSet<>(tensors.keySet()));
            for (var e : tensors.entrySet()) {
                assertThat(st.info(e.getKey()).shape()).isEqualTo(e.getValue().shape());
                assertThat(Arrays.equals(st.readFloats(e.getKey()), e.getValue().data())).isTrue();
            }
        }
    }
}
