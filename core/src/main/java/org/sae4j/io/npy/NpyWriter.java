package org.sae4j.io.npy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import org.sae4j.io.AtomicFiles;

/**
 * Writes 2-D little-endian {@code <f4}, {@code <i4}, {@code <f8} or {@code <i8} {@code .npy} files (format 1.0, C order), atomically via
 * {@link AtomicFiles}: the target appears complete or not at all. The header is padded with spaces and ends in
 * {@code \n} so the data starts at a multiple of 64 bytes, as numpy does (aligned memory maps).
 *
 * <p>Whole arrays: {@link #writeF32} / {@link #writeI32}. Streaming (e.g. top-k codes of a large data set): {@link
 * #create}, {@link #writeRows(float[], int, int)} repeatedly, then {@link #commit()}; the row count is declared up
 * front because it lives in the header, and commit refuses a mismatch. Closing without commit discards the file.
 */
public final class NpyWriter implements AutoCloseable {
    /** The element types this writer produces. */
    public enum Type {
        F4("<f4"), F2("<f2"), I4("<i4"), F8("<f8"), I8("<i8");

        final String descr;

        Type(String descr) {
            this.descr = descr;
        }
    }

    private static final int CHUNK = 1 << 16;

    private final AtomicFiles.Pending pending;
    private final OutputStream out;
    private final Type type;
    private final long rows;
    private final int cols;
    private final ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    private long rowsWritten;

    private NpyWriter(AtomicFiles.Pending pending, Type type, long rows, int cols) {
        this.pending = pending;
        this.out = pending.out();
        this.type = type;
        this.rows = rows;
        this.cols = cols;
    }

    /** Writes {@code data} (row-major, {@code rows × cols}) as a {@code <f4} file. */
    public static void writeF32(Path target, float[] data, long rows, int cols) throws IOException {
        checkLength(data.length, rows, cols);
        try (NpyWriter w = create(target, Type.F4, rows, cols)) {
            if (rows > 0) w.writeRows(data, 0, Math.toIntExact(rows));
            w.commit();
        }
    }

    /** Writes {@code data} (row-major, {@code rows × cols}) as a {@code <i4} file. */
    public static void writeI32(Path target, int[] data, long rows, int cols) throws IOException {
        checkLength(data.length, rows, cols);
        try (NpyWriter w = create(target, Type.I4, rows, cols)) {
            if (rows > 0) w.writeRows(data, 0, Math.toIntExact(rows));
            w.commit();
        }
    }

    /** Writes {@code data} (row-major, {@code rows × cols}) as a {@code <f8} file. */
    public static void writeF64(Path target, double[] data, long rows, int cols) throws IOException {
        checkLength(data.length, rows, cols);
        try (NpyWriter w = create(target, Type.F8, rows, cols)) {
            if (rows > 0) w.writeRows(data, 0, Math.toIntExact(rows));
            w.commit();
        }
    }

    /** Writes {@code data} (row-major, {@code rows × cols}) as a {@code <i8} file. */
    public static void writeI64(Path target, long[] data, long rows, int cols) throws IOException {
        checkLength(data.length, rows, cols);
        try (NpyWriter w = create(target, Type.I8, rows, cols)) {
            if (rows > 0) w.writeRows(data, 0, Math.toIntExact(rows));
            w.commit();
        }
    }

    /** Starts a streaming write of a {@code rows × cols} array; the header is written immediately. */
    public static NpyWriter create(Path target, Type type, long rows, int cols) throws IOException {
        Objects.requireNonNull(type, "type");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("negative shape (" + rows + ", " + cols + ")");
        }
        AtomicFiles.Pending p = AtomicFiles.begin(target);
        try {
            p.out().write(header(type.descr, rows, cols));
            return new NpyWriter(p, type, rows, cols);
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /** Appends {@code count} rows of floats from {@code src} starting at {@code off}. */
    public void writeRows(float[] src, int off, int count) throws IOException {
        if (type != Type.F4) throw new IllegalStateException("this writer writes " + type.descr + ", not floats");
        int n = prepare(src.length, off, count);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 4) drain();
            buf.putFloat(src[off + i]);
        }
        drain();
        rowsWritten += count;
    }

    /** Appends {@code count} rows of ints from {@code src} starting at {@code off}. */
    public void writeRows(int[] src, int off, int count) throws IOException {
        if (type != Type.I4) throw new IllegalStateException("this writer writes " + type.descr + ", not ints");
        int n = prepare(src.length, off, count);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 4) drain();
            buf.putInt(src[off + i]);
        }
        drain();
        rowsWritten += count;
    }

    /** Appends {@code count} rows of doubles from {@code src} starting at {@code off}. */
    public void writeRows(double[] src, int off, int count) throws IOException {
        if (type != Type.F8) throw new IllegalStateException("this writer writes " + type.descr + ", not doubles");
        int n = prepare(src.length, off, count);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) drain();
            buf.putDouble(src[off + i]);
        }
        drain();
        rowsWritten += count;
    }

    /** Appends {@code count} rows of longs from {@code src} starting at {@code off}. */
    public void writeRows(long[] src, int off, int count) throws IOException {
        if (type != Type.I8) throw new IllegalStateException("this writer writes " + type.descr + ", not longs");
        int n = prepare(src.length, off, count);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 8) drain();
            buf.putLong(src[off + i]);
        }
        drain();
        rowsWritten += count;
    }

    private int prepare(int srcLen, int off, int count) {
        if (count < 0 || rowsWritten + count > rows) {
            throw new IllegalStateException(pending.target() + ": writing " + count + " more rows would exceed the"
                    + " declared " + rows + " (written " + rowsWritten + ")");
        }
        long n = (long) count * cols;
        Objects.checkFromIndexSize(off, (int) Math.min(n, Integer.MAX_VALUE), srcLen);
        return (int) n;
    }

    private void drain() throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    public long rowsWritten() {
        return rowsWritten;
    }

    /** Checks that every declared row was written, then makes the file durable and visible. */
    public void commit() throws IOException {
        if (rowsWritten != rows) {
            throw new IllegalStateException(pending.target() + ": " + rowsWritten + " rows written but the header"
                    + " declares " + rows);
        }
        pending.commit();
    }

    /** Discards the file unless {@link #commit()} succeeded. */
    @Override
    public void close() throws IOException {
        pending.close();
    }

    /**
     * The header {@link #create} writes for a {@code rows × cols} array of {@code type}, for writers that place rows
     * themselves (at offset {@code header.length + row × cols × size}).
     */
    public static byte[] header(Type type, long rows, int cols) {
        return header(type.descr, rows, cols);
    }

    /** A format 1.0 header (magic, version, length, dict, padding, newline) whose length is a multiple of 64. */
    static byte[] header(String descr, long rows, int cols) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = 6 + 2 + 2 + dict.length() + 1; // magic, version, length field, dict, '\n'
        int total = (unpadded + 63) / 64 * 64;
        int headerLen = total - 10;
        if (headerLen > 0xffff) throw new IllegalStateException("header too long for format 1.0: " + headerLen);
        ByteBuffer b = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) headerLen);
        b.put(dict.getBytes(StandardCharsets.US_ASCII));
        while (b.position() < total - 1) b.put((byte) ' ');
        b.put((byte) '\n');
        return b.array();
    }

    private static void checkLength(int length, long rows, int cols) {
        if (rows < 0 || cols < 0 || (long) rows * cols != length) {
            throw new IllegalArgumentException("data has " + length + " elements, shape (" + rows + ", " + cols
                    + ") needs " + ((long) rows * cols));
        }
    }
}
