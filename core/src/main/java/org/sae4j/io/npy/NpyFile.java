package org.sae4j.io.npy;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;

/**
 * A read-only, memory-mapped numpy {@code .npy} file holding a 1-D or 2-D float array, read as float32 rows.
 *
 * <p>Accepted: format versions 1.0, 2.0 and 3.0; dtypes {@code f2}, {@code f4}, {@code f8} in either byte order
 * ({@code <}, {@code >}, or {@code =}/{@code |}/none meaning little-endian, the only byte order numpy writes
 * native files in on the platforms that matter); C or Fortran order. A 1-D array of n elements is one row of n
 * columns. Everything else (3-D, integer, object/pickle, structured, truncated, garbage) is refused at
 * {@link #open} with a one-line {@link BadInputException} naming the file, what was found and what was expected.
 * The file's size is checked against the header's shape before any data is touched ({@link NpyHeader}). Bytes
 * after the data are ignored, as numpy does.
 *
 * <p>Data is mapped lazily in windows of at most 1 GiB (a {@code MappedByteBuffer} cannot exceed 2 GiB), so a file
 * larger than RAM streams through the page cache. Reads are thread-safe (absolute buffer reads only). Values are
 * returned as stored: NaN/Inf checking is the caller's job ({@link NpyDataset} does it).
 *
 * <p>{@link #close()} closes the channel; the JDK releases mappings when they are garbage collected (there is no
 * public unmap), which matters only on Windows where a mapped file cannot be deleted.
 */
public final class NpyFile implements AutoCloseable {
    /** Floating-point element types this reader converts to float32. */
    public enum Kind {
        F16(2), F32(4), F64(8);

        public final int itemSize;

        Kind(int itemSize) {
            this.itemSize = itemSize;
        }
    }

    static final long DEFAULT_WINDOW_BYTES = 1L << 30;

    private final Path path;
    private final String name;
    private final FileChannel channel;
    private final NpyHeader h;
    private final Kind kind;
    private final long rows;
    private final int cols;
    private final long windowBytes;
    private final java.nio.Buffer[] views;

    private NpyFile(Path path, FileChannel channel, NpyHeader h, long maxWindowBytes) {
        this.path = path;
        this.name = path.toString();
        this.channel = channel;
        this.h = h;
        this.kind = h.kind();
        this.rows = h.rows();
        this.cols = h.cols();
        this.windowBytes = Math.max(kind.itemSize, (Math.min(maxWindowBytes, DEFAULT_WINDOW_BYTES) / kind.itemSize)
                * kind.itemSize);
        long dataBytes = h.dataBytes();
        int n = dataBytes == 0 ? 0 : Math.toIntExact((dataBytes + windowBytes - 1) / windowBytes);
        this.views = new java.nio.Buffer[n];
    }

    /** Opens and validates a {@code .npy} file; the data is mapped lazily on first read. */
    public static NpyFile open(Path path) throws IOException {
        return open(path, DEFAULT_WINDOW_BYTES);
    }

    /** As {@link #open(Path)} with a chosen mapping window (tests use small windows to exercise the seams). */
    public static NpyFile open(Path path, long maxWindowBytes) throws IOException {
        Objects.requireNonNull(path, "path");
        FileChannel ch = openForReading(path, "a .npy file");
        try {
            return new NpyFile(path, ch, NpyHeader.read(path, ch), maxWindowBytes);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Opens a file for reading; a missing or unreadable file is the user's to fix, so a BadInputException. */
    public static FileChannel openForReading(Path path, String what) throws IOException {
        // Linux lets a directory be opened for reading (reads then fail), so ask first.
        if (java.nio.file.Files.isDirectory(path)) {
            throw new BadInputException(path + ": is a directory; expected " + what);
        }
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInputException(path + ": no such file; expected " + what, e);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new BadInputException(path + ": permission denied; expected a readable " + what, e);
        }
    }

    // ---------------------------------------------------------------- accessors

    public Path path() {
        return path;
    }

    /** Rows: the first dimension of a 2-D array, or 1 for a 1-D array. */
    public long rows() {
        return rows;
    }

    /** Columns: the second dimension of a 2-D array, or the length of a 1-D array. */
    public int cols() {
        return cols;
    }

    /** The dtype string as written in the header, e.g. {@code <f4}. */
    public String descr() {
        return h.descr();
    }

    public Kind kind() {
        return kind;
    }

    public ByteOrder byteOrder() {
        return h.order();
    }

    public boolean fortranOrder() {
        return h.fortranOrder();
    }

    /** The header's shape (1 or 2 dimensions). */
    public long[] shape() {
        return h.shape().clone();
    }

    /** The format's major version: 1, 2 or 3. */
    public int formatVersion() {
        return h.majorVersion();
    }

    /** Byte offset of the first element. */
    public long dataOffset() {
        return h.dataOffset();
    }

    // ---------------------------------------------------------------- reads

    /**
     * Reads {@code count} rows starting at {@code firstRow} into {@code dst} (row-major, {@code cols()} floats per
     * row, starting at {@code dstOff}), converting to float32. Fortran-ordered files are gathered column by
     * column: correct, a little slower.
     */
    public void readRows(long firstRow, int count, float[] dst, int dstOff) {
        if (count < 0 || firstRow < 0 || firstRow > rows - count) {
            throw new IndexOutOfBoundsException(name + ": rows [" + firstRow + ", " + (firstRow + count)
                    + ") out of range [0, " + rows + ")");
        }
        long n = (long) count * cols;
        Objects.checkFromIndexSize(dstOff, (int) Math.min(n, Integer.MAX_VALUE), dst.length);
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": " + count + " rows of " + cols + " do not fit one array");
        }
        if (n == 0) return;
        if (!h.fortranOrder() || rows == 1 || cols == 1) {
            // Row-major layout (or a layout where both orders coincide): rows are contiguous.
            readElements(firstRow * cols, (int) n, dst, dstOff);
            return;
        }
        // Column-major: element (r, c) is at c * rows + r; each column's slice of our rows is contiguous.
        float[] col = new float[count];
        for (int c = 0; c < cols; c++) {
            readElements(c * rows + firstRow, count, col, 0);
            for (int i = 0; i < count; i++) {
                dst[dstOff + i * cols + c] = col[i];
            }
        }
    }

    /** Reads one row; as {@link #readRows} with a count of 1. */
    public void readRow(long row, float[] dst, int dstOff) {
        readRows(row, 1, dst, dstOff);
    }

    /** Reads the whole array as one row-major float[] (rows × cols must fit an array). */
    public float[] readAll() {
        long n = rows * cols;
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": " + rows + " x " + cols + " is too large for one float[]");
        }
        float[] out = new float[(int) n];
        if (rows > 0) {
            readRows(0, Math.toIntExact(rows), out, 0);
        }
        return out;
    }

    /** Reads elements [first, first + n) in file order, splitting at mapping-window seams. */
    private void readElements(long first, int n, float[] dst, int dstOff) {
        int item = kind.itemSize;
        long perWindow = windowBytes / item;
        int done = 0;
        while (done < n) {
            long e = first + done;
            int w = (int) (e / perWindow);
            int idx = (int) (e - w * perWindow);
            int len = (int) Math.min(n - done, perWindow - idx);
            java.nio.Buffer view = view(w);
            switch (kind) {
                case F32 -> ((FloatBuffer) view).get(idx, dst, dstOff + done, len);
                case F64 -> {
                    DoubleBuffer db = (DoubleBuffer) view;
                    double[] tmp = new double[Math.min(len, 8192)];
                    for (int k = 0; k < len; k += tmp.length) {
                        int m = Math.min(tmp.length, len - k);
                        db.get(idx + k, tmp, 0, m);
                        for (int j = 0; j < m; j++) dst[dstOff + done + k + j] = (float) tmp[j];
                    }
                }
                case F16 -> {
                    ShortBuffer sb = (ShortBuffer) view;
                    short[] tmp = new short[Math.min(len, 8192)];
                    for (int k = 0; k < len; k += tmp.length) {
                        int m = Math.min(tmp.length, len - k);
                        sb.get(idx + k, tmp, 0, m);
                        for (int j = 0; j < m; j++) dst[dstOff + done + k + j] = Float.float16ToFloat(tmp[j]);
                    }
                }
            }
            done += len;
        }
    }

    /** The typed view of mapping window {@code w}, mapped on first use. */
    private synchronized java.nio.Buffer view(int w) {
        java.nio.Buffer v = views[w];
        if (v != null) return v;
        long start = (long) w * windowBytes;
        long len = Math.min(windowBytes, h.dataBytes() - start);
        MappedByteBuffer mb;
        try {
            mb = channel.map(FileChannel.MapMode.READ_ONLY, h.dataOffset() + start, len);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(name + ": cannot map bytes " + (h.dataOffset() + start) + ".."
                    + (h.dataOffset() + start + len), e);
        }
        mb.order(h.order());
        v = switch (kind) {
            case F32 -> mb.asFloatBuffer();
            case F64 -> mb.asDoubleBuffer();
            case F16 -> mb.asShortBuffer();
        };
        views[w] = v;
        return v;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return name + " (" + h.descr() + ", " + rows + " x " + cols + (h.fortranOrder() ? ", Fortran order" : "")
                + ")";
    }
}
