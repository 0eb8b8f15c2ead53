package org.sae4j.io.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.sae4j.BadInputException;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.FloatChunks;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;
import org.sae4j.io.npy.NpyFile;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping tensor names to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the byte buffer that follows) plus
 * an optional {@code "__metadata__"} string→string map, then the little-endian data.
 *
 * <p>Writing ({@link #write}) produces F32 tensors sorted by name, the header padded with spaces to a multiple of
 * 8 bytes, {@code __metadata__} first and omitted when empty — the layout of the reference implementation — and
 * replaces the target atomically.
 *
 * <p>Reading ({@link #open}) validates the whole header before any tensor is read, like the reference
 * implementation: header length at most {@value #MAX_HEADER_BYTES} bytes and within the file; every tensor has a
 * known dtype, non-negative integer shape and {@code end - begin == product(shape) × dtype size}; the byte ranges,
 * sorted, must not overlap and must tile the buffer exactly (start at 0, no gaps, end at the file's end). Unknown
 * keys inside a tensor entry are ignored for forward compatibility. F32, F16, BF16 and F64 tensors can be read as
 * float32. Every failure is a one-line {@link BadInputException} naming the file, the tensor or field, and what
 * was expected.
 */
public final class Safetensors implements AutoCloseable {
    /** Header size cap, as in the reference implementation: a guard against absurd allocations. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Element types of the format; only F32, F16, BF16 and F64 can be read as float. */
    public enum Dtype {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2), I32(4), U32(4), F32(4),
        F64(8), I64(8), U64(8);

        public final int size;

        Dtype(int size) {
            this.size = size;
        }

        boolean readableAsFloat() {
            return this == F32 || this == F16 || this == BF16 || this == F64;
        }
    }

    /** One tensor's header entry. {@code begin}/{@code end} are relative to the data buffer. */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
        public long numel() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    /** A float32 tensor to write: row-major data and its shape. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(data, "data");
            long n = 1;
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
                n = Math.multiplyExact(n, d);
            }
            if (n != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + n
                        + " elements, data has " + data.length);
            }
            shape = shape.clone();
        }

        public static Tensor of(float[] data, long... shape) {
            return new Tensor(shape, data);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private final Path path;
    private final String name;
    private final FileChannel channel;
    private final long bufferStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private Safetensors(Path path, FileChannel channel, long bufferStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.name = path.toString();
        this.channel = channel;
        this.bufferStart = bufferStart;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    // ---------------------------------------------------------------- writing

    /** Writes F32 {@code tensors} (sorted by name) and {@code metadata} to {@code target}, atomically. */
    public static void write(Path target, Map<String, Tensor> tensors, Map<String, String> metadata)
            throws IOException {
        TreeMap<String, Tensor> sorted = new TreeMap<>(tensors);
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, Object> meta = new TreeMap<>();
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                meta.put(Objects.requireNonNull(e.getKey(), "metadata key"),
                        Objects.requireNonNull(e.getValue(), "metadata value for " + e.getKey()));
            }
            header.put("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : sorted.entrySet()) {
            String n = e.getKey();
            if (n.isEmpty() || n.equals("__metadata__")) {
                throw new IllegalArgumentException("bad tensor name '" + n + "'");
            }
            Tensor t = e.getValue();
            long bytes = 4L * t.data().length;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", t.shape);
            entry.put("data_offsets", List.of(offset, offset + bytes));
            header.put(n, entry);
            offset += bytes;
        }
        byte[] json = Json.write(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the buffer then starts 8-byte aligned
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(target, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : sorted.values()) {
                for (float v : t.data) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            out.write(buf.array(), 0, buf.position());
        });
    }

    // ---------------------------------------------------------------- reading

    /** Opens {@code path} and validates its header; tensors are read on demand. */
    public static Safetensors open(Path path) throws IOException {
        FileChannel ch = NpyFile.openForReading(path, "a .safetensors file");
        try {
            return parse(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads every tensor of {@code path} into memory as float32, in name order; a non-float dtype is refused. */
    public static Map<String, Tensor> readAll(Path path) throws IOException {
        try (Safetensors st = open(path)) {
            Map<String, Tensor> out = new TreeMap<>();
            for (TensorInfo ti : st.tensors.values()) {
                out.put(ti.name(), new Tensor(ti.shape, st.readFloats(ti.name())));
            }
            return out;
        }
    }

    private static Safetensors parse(Path path, FileChannel ch) throws IOException {
        String f = path.toString();
        long size = ch.size();
        if (size < 8) {
            throw new BadInputException(f + ": file is " + size + " bytes; expected a safetensors file starting"
                    + " with an 8-byte header length");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 0 || n > MAX_HEADER_BYTES) {
            throw new BadInputException(f + ": header length " + Long.toUnsignedString(n) + " bytes exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit; expected a safetensors file (is this one?)");
        }
        if (8 + n > size) {
            throw new BadInputException(f + ": header length " + n + " bytes runs past the end of the file ("
                    + size + " bytes); expected a complete safetensors file (truncated?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8);
        hb.flip();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(f + ": header is not valid UTF-8; expected a UTF-8 JSON header", e);
        }
        Object parsed = Json.parse(text, f + " header");
        if (!(parsed instanceof Map<?, ?> top)) {
            throw new BadInputException(f + ": header is " + Json.typeName(parsed) + "; expected a JSON object");
        }
        long bufferLen = size - 8 - n;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : top.entrySet()) {
            String key = (String) e.getKey();
            if (key.equals("__metadata__")) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new BadInputException(f + ": __metadata__ is " + Json.typeName(e.getValue())
                            + "; expected an object of strings");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String sv)) {
                        throw new BadInputException(f + ": __metadata__ \"" + me.getKey() + "\" is "
                                + Json.typeName(me.getValue()) + "; expected a string");
                    }
                    metadata.put((String) me.getKey(), sv);
                }
                continue;
            }
            tensors.put(key, tensorInfo(f, key, e.getValue(), bufferLen));
        }
        checkLayout(f, tensors.values(), bufferLen);
        return new Safetensors(path, ch, 8 + n, tensors, metadata);
    }

    private static TensorInfo tensorInfo(String f, String key, Object v, long bufferLen) {
        String where = f + ": tensor '" + key + "'";
        if (!(v instanceof Map<?, ?> m)) {
            throw new BadInputException(where + " is " + Json.typeName(v)
                    + "; expected an object with dtype, shape and data_offsets");
        }
        JsonFields t = new JsonFields(m, where);
        // An absent dtype reads "is null" here (as safetensors' own loader words it), not JsonFields' "is missing".
        Object dt = m.get("dtype");
        if (!(dt instanceof String dts)) {
            throw t.fail("dtype", Json.typeName(dt), "a string such as \"F32\"");
        }
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dts);
        } catch (IllegalArgumentException unknown) {
            throw new BadInputException(where + " has unknown dtype \"" + dts + "\"; expected one of "
                    + Arrays.toString(Dtype.values()));
        }
        long[] shape = longs(t, "shape", -1);
        long[] offsets = longs(t, "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end) {
            throw new BadInputException(where + " data_offsets [" + begin + ", " + end + "] are reversed;"
                    + " expected begin <= end");
        }
        if (end > bufferLen) {
            throw new BadInputException(where + " data_offsets [" + begin + ", " + end + "] end beyond the "
                    + bufferLen + "-byte data buffer; expected offsets within the file");
        }
        long numel = 1;
        try {
            for (long d : shape) numel = Math.multiplyExact(numel, d);
            long need = Math.multiplyExact(numel, (long) dtype.size);
            if (need != end - begin) {
                throw new BadInputException(where + " has " + (end - begin) + " bytes (data_offsets [" + begin
                        + ", " + end + "]) but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + need
                        + "; expected length = product(shape) x " + dtype.size);
            }
        } catch (ArithmeticException overflow) {
            throw new BadInputException(where + " shape " + Arrays.toString(shape) + " overflows a 64-bit size;"
                    + " expected a plausible shape");
        }
        return new TensorInfo(key, dtype, shape, begin, end);
    }

    private static long[] longs(JsonFields t, String field, int exactLength) {
        String expect = exactLength == 2 ? "an array [begin, end] of non-negative integers"
                : "an array of non-negative integers";
        Object v = t.require(field, expect);
        if (!(v instanceof List<?> l) || (exactLength >= 0 && l.size() != exactLength)) {
            throw t.fail(field, JsonFields.found(v), expect);
        }
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long x) || x < 0) {
                throw new BadInputException(t.where() + " field " + field + " has element " + l.get(i)
                        + "; expected " + expect);
            }
            out[i] = x;
        }
        return out;
    }

    /** Byte ranges, sorted, must tile [0, bufferLen) exactly: no overlap, no gap, no trailing bytes. */
    private static void checkLayout(String f, java.util.Collection<TensorInfo> infos, long bufferLen) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expectBegin = 0;
        TensorInfo prev = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < expectBegin) {
                throw new BadInputException(f + ": tensor '" + t.name() + "' data_offsets [" + t.begin() + ", "
                        + t.end() + "] overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end()
                        + "]; expected non-overlapping byte ranges");
            }
            if (t.begin() > expectBegin) {
                throw new BadInputException(f + ": tensor '" + t.name() + "' starts at byte " + t.begin()
                        + " leaving a gap after byte " + expectBegin + "; expected contiguous tensor data");
            }
            expectBegin = t.end();
            prev = t;
        }
        if (expectBegin != bufferLen) {
            throw new BadInputException(f + ": tensors cover " + expectBegin + " bytes of the " + bufferLen
                    + "-byte data buffer; expected the tensors to cover the buffer exactly");
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int k = ch.read(dst, p);
            if (k < 0) throw new java.io.EOFException("unexpected end of file at byte " + p);
            p += k;
        }
    }

    // ---------------------------------------------------------------- accessors

    public Path path() {
        return path;
    }

    /** The {@code __metadata__} map (empty if absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    public boolean contains(String tensor) {
        return tensors.containsKey(tensor);
    }

    /** The header entry of {@code tensor}; a missing tensor is a {@link BadInputException} naming file and tensor. */
    public TensorInfo info(String tensor) {
        TensorInfo ti = tensors.get(tensor);
        if (ti == null) {
            throw new BadInputException(name + ": no tensor '" + tensor + "'; expected one of " + tensors.keySet());
        }
        return ti;
    }

    /** Reads {@code tensor} as float32 (row-major); F16, BF16 and F64 are converted. */
    public float[] readFloats(String tensor) throws IOException {
        TensorInfo ti = info(tensor);
        if (!ti.dtype().readableAsFloat()) {
            throw new BadInputException(name + ": tensor '" + tensor + "' has dtype " + ti.dtype()
                    + "; expected a float dtype (F32, F16, BF16 or F64)");
        }
        long numel = ti.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new BadInputException(name + ": tensor '" + tensor + "' has " + numel
                    + " elements; expected fewer than 2^31 to fit one float[]");
        }
        long[] pos = {bufferStart + ti.begin()};
        return FloatChunks.read((b, off, len) -> {
            readFully(channel, ByteBuffer.wrap(b, off, len), pos[0]);
            pos[0] += len;
        }, ti.dtype().size, ti.dtype() == Dtype.BF16, ByteOrder.LITTLE_ENDIAN, (int) numel);
    }

    /** Reads {@code tensor} and checks its shape; a mismatch names the file, tensor and both shapes. */
    public float[] readFloats(String tensor, long... expectedShape) throws IOException {
        TensorInfo ti = info(tensor);
        if (!Arrays.equals(ti.shape, expectedShape)) {
            throw new BadInputException(name + ": tensor '" + tensor + "' has shape " + Arrays.toString(ti.shape)
                    + "; expected " + Arrays.toString(expectedShape));
        }
        return readFloats(tensor);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
