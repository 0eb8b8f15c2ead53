package org.sae4j.io.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.NpyFile;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A safetensors file with a hand-written header and a raw buffer. */
    private Path raw(String name, String headerJson, byte[] buffer) throws IOException {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + buffer.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(buffer);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private static void assertRefused(Path p, String... fragments) {
        assertThatThrownBy(() -> Safetensors.open(p).close())
                .isInstanceOf(BadInputException.class)
                .satisfies(e -> {
                    assertThat(e.getMessage()).startsWith(p.toString()).doesNotContain("\n").contains("expected");
                    for (String f : fragments) assertThat(e.getMessage()).contains(f);
                });
    }

    @Test
    void writesReferenceLayout() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("b_enc", Safetensors.Tensor.of(new float[] {1f, -2f, 3.5f}, 3));
        t.put("W_enc", Safetensors.Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2));
        Safetensors.write(p, t, Map.of("format", "pt", "sae4j", "{\"k\": 4}"));
        byte[] bytes = Files.readAllBytes(p);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        // __metadata__ first, tensors sorted by name (uppercase sorts first), space padding.
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\",\"sae4j\":\"{\\\"k\\\": 4}\"},"
                + "\"W_enc\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[0,24]},"
                + "\"b_enc\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[24,36]}}");
        assertThat(header.strip()).endsWith("}");
        assertThat(bytes.length).isEqualTo(8 + n + 36);
        assertThat(b.getFloat((int) (8 + n))).isEqualTo(1f); // little-endian data

        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.names()).containsExactly("W_enc", "b_enc");
            assertThat(st.metadata()).containsEntry("format", "pt").containsEntry("sae4j", "{\"k\": 4}");
            assertThat(st.info("W_enc").shape()).containsExactly(3, 2);
            assertThat(st.readFloats("W_enc", 3, 2)).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(st.readFloats("b_enc")).containsExactly(1f, -2f, 3.5f);
            assertThatThrownBy(() -> st.readFloats("W_enc", 2, 3)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("tensor 'W_enc' has shape [3, 2]; expected [2, 3]");
        }
    }

    @Test
    void emptyFileSetAndZeroSizedTensors() throws IOException {
        Path p = dir.resolve("empty.safetensors");
        Safetensors.write(p, Map.of(), Map.of());
        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.names()).isEmpty();
            assertThat(st.metadata()).isEmpty();
        }
        Path q = dir.resolve("zero.safetensors");
        Safetensors.write(q, Map.of("a", Safetensors.Tensor.of(new float[0], 0, 4),
                "b", Safetensors.Tensor.of(new float[] {7f}, 1)), null);
        try (Safetensors st = Safetensors.open(q)) {
            assertThat(st.readFloats("a")).isEmpty();
            assertThat(st.readFloats("b")).containsExactly(7f);
        }
    }

    @Test
    void readsF16Bf16F64() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(2 * 2 + 2 * 2 + 2 * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-0.25f));
        buf.putShort((short) (Float.floatToIntBits(3.0f) >>> 16)).putShort((short) (Float.floatToIntBits(-2.5f) >>> 16));
        buf.putDouble(0.1).putDouble(-1e10);
        Path p = raw("mixed.safetensors", "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[1,2],\"data_offsets\":[8,24]}}", buf.array());
        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.readFloats("h")).containsExactly(1.5f, -0.25f);
            assertThat(st.readFloats("bf")).containsExactly(3.0f, -2.5f);
            assertThat(st.readFloats("d")).containsExactly(0.1f, -1e10f);
        }
    }

    @Test
    void integerTensorIsNotReadAsFloat() throws IOException {
        Path p = raw("ints.safetensors", "{\"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        try (Safetensors st = Safetensors.open(p)) {
            assertThatThrownBy(() -> st.readFloats("i")).isInstanceOf(BadInputException.class)
                    .hasMessage(p + ": tensor 'i' has dtype I32; expected a float dtype (F32, F16, BF16 or F64)");
        }
    }

    @Test
    void headerLengthBeyondFile() throws IOException {
        Path p = dir.resolve("short.safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + 10).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Files.write(p, b.array());
        assertRefused(p, "header length 1000 bytes runs past the end of the file (18 bytes)");
    }

    @Test
    void hugeHeaderLength() throws IOException {
        Path p = dir.resolve("huge.safetensors");
        ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L);
        Files.write(p, b.array());
        assertRefused(p, "header length 18446744073709551615 bytes exceeds the 100000000-byte limit");
    }

    @Test
    void missingFileIsABadInput() {
        Path p = dir.resolve("absent.safetensors");
        assertThatThrownBy(() -> Safetensors.open(p)).isInstanceOf(BadInputException.class)
                .hasMessage(p + ": no such file; expected a .safetensors file");
        assertThatThrownBy(() -> NpyFile.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessage(dir + ": is a directory; expected a .npy file");
    }

    @Test
    void tooShortFile() throws IOException {
        Path p = dir.resolve("tiny.safetensors");
        Files.write(p, new byte[] {1, 2, 3});
        assertRefused(p, "file is 3 bytes");
    }

    @Test
    void overlappingOffsets() throws IOException {
        Path p = raw("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]);
        assertRefused(p, "tensor 'b' data_offsets [4, 12] overlap tensor 'a' [0, 8]", "non-overlapping");
    }

    @Test
    void outOfRangeOffsets() throws IOException {
        Path p = raw("range.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                new byte[8]);
        assertRefused(p, "tensor 'a' data_offsets [0, 16] end beyond the 8-byte data buffer");
    }

    @Test
    void lengthMustMatchShapeTimesDtype() throws IOException {
        Path p = raw("len.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]);
        assertRefused(p, "tensor 'a' has 8 bytes", "shape [3] of F32 needs 12", "product(shape) x 4");
    }

    @Test
    void unknownDtype() throws IOException {
        Path p = raw("dtype.safetensors", "{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                new byte[8]);
        assertRefused(p, "tensor 'a' has unknown dtype \"F17\"", "expected one of [BOOL");
    }

    @Test
    void gapsAndTrailingBytesAreRefused() throws IOException {
        Path gap = raw("gap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                new byte[8]);
        assertRefused(gap, "tensor 'a' starts at byte 4 leaving a gap after byte 0");
        Path tail = raw("tail.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                new byte[8]);
        assertRefused(tail, "tensors cover 4 bytes of the 8-byte data buffer");
    }

    @Test
    void malformedEntries() throws IOException {
        assertRefused(raw("notjson.safetensors", "{\"a\": nope}", new byte[0]), "header: JSON line 1 column 7");
        assertRefused(raw("array.safetensors", "[1,2]", new byte[0]), "header is an array; expected a JSON object");
        assertRefused(raw("shape.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}}",
                new byte[0]), "tensor 'a' field shape has element -1");
        assertRefused(raw("offs.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}",
                new byte[4]), "tensor 'a' field data_offsets is an array of 1; expected an array [begin, end]");
        assertRefused(raw("rev.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}",
                new byte[4]), "data_offsets [4, 0] are reversed");
        assertRefused(raw("meta.safetensors", "{\"__metadata__\":{\"k\":1}}", new byte[0]),
                "__metadata__ \"k\" is a number; expected a string");
        assertRefused(raw("nodtype.safetensors", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor 'a' field dtype is null");
    }

    @Test
    void missingTensorNamesFileAndTensor() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Safetensors.write(p, Map.of("W_dec", Safetensors.Tensor.of(new float[] {1}, 1, 1)), Map.of());
        try (Safetensors st = Safetensors.open(p)) {
            assertThat(st.contains("W_enc")).isFalse();
            assertThatThrownBy(() -> st.readFloats("W_enc")).isInstanceOf(BadInputException.class)
                    .hasMessage(p + ": no tensor 'W_enc'; expected one of [W_dec]");
        }
    }

    @Test
    void writeIsAtomicOverExistingFile() throws IOException {
        Path p = dir.resolve("a.safetensors");
        Safetensors.write(p, Map.of("x", Safetensors.Tensor.of(new float[] {1}, 1)), Map.of());
        Safetensors.write(p, Map.of("y", Safetensors.Tensor.of(new float[] {2, 3}, 2)), Map.of());
        assertThat(Safetensors.readAll(p)).containsOnlyKeys("y");
        try (var s = Files.list(dir)) {
            assertThat(s.map(q -> q.getFileName().toString()).toList()).isEqualTo(List.of("a.safetensors"));
        }
    }
}
