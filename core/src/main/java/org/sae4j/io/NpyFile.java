package org.sae4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sae4j.BadInputException;

/**
 * A read-only, memory-mapped numpy {@code .npy} file holding a 1-D or 2-D float array, read as float32 rows.
 *
 * <p>Accepted: format versions 1.0, 2.0 and 3.0; dtypes {@code f2}, {@code f4}, {@code f8} in either byte order
 * ({@code <}, {@code >}, or {@code =}/{@code |}/none meaning little-endian, the only byte order numpy writes
 * native files in on the platforms that matter); C or Fortran order. A 1-D array of n elements is one row of n
 * columns. Everything else (3-D, integer, object/pickle, structured, truncated, garbage) is refused at
 * {@link #open} with a one-line {@link BadInputException} naming the file, what was found and what was expected.
 * The file's size is checked against the header's shape before any data is touched. Bytes after the data are
 * ignored, as numpy does.
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
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String EXPECTED_DTYPES = "a float dtype (<f4, <f2, <f8, or big-endian >f4, >f2, >f8)";
    private static final String EXPECTED_HEADER =
            "a Python dict literal like {'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }";

    private final Path path;
    private final String name;
    private final FileChannel channel;
    private final int majorVersion;
    private final String descr;
    private final Kind kind;
    private final ByteOrder order;
    private final boolean fortranOrder;
    private final long[] shape;
    private final long rows;
    private final int cols;
    private final long dataOffset;
    private final long dataBytes;
    private final long windowBytes;
    private final java.nio.Buffer[] views;

    private NpyFile(Path path, FileChannel channel, int majorVersion, String descr, Kind kind, ByteOrder order,
            boolean fortranOrder, long[] shape, long rows, int cols, long dataOffset, long dataBytes,
            long windowBytes) {
        this.path = path;
        this.name = path.toString();
        this.channel = channel;
        this.majorVersion = majorVersion;
        this.descr = descr;
        this.kind = kind;
        this.order = order;
        this.fortranOrder = fortranOrder;
        this.shape = shape;
        this.rows = rows;
        this.cols = cols;
        this.dataOffset = dataOffset;
        this.dataBytes = dataBytes;
        this.windowBytes = windowBytes;
        int n = dataBytes == 0 ? 0 : Math.toIntExact((dataBytes + windowBytes - 1) / windowBytes);
        this.views = new java.nio.Buffer[n];
    }

    /** Opens and validates a {@code .npy} file; the data is mapped lazily on first read. */
    public static NpyFile open(Path path) throws IOException {
        return open(path, DEFAULT_WINDOW_BYTES);
    }

    /** As {@link #open(Path)} with a chosen mapping window (tests use small windows to exercise the seams). */
    static NpyFile open(Path path, long maxWindowBytes) throws IOException {
        Objects.requireNonNull(path, "path");
        FileChannel ch = openForReading(path, "a .npy file");
        try {
            return parse(path, ch, maxWindowBytes);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Opens a file for reading; a missing or unreadable file is the user's to fix, so a BadInputException. */
    static FileChannel openForReading(Path path, String what) throws IOException {
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

    private static NpyFile parse(Path path, FileChannel ch, long maxWindowBytes) throws IOException {
        String f = path.toString();
        long size = ch.size();
        if (size < 10) {
            throw new BadInputException(f + ": file is " + size + " bytes, too short for a .npy header; expected"
                    + " at least 10 bytes starting with \\x93NUMPY");
        }
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0, f);
        pre.flip();
        for (int i = 0; i < MAGIC.length; i++) {
            if (pre.get(i) != MAGIC[i]) {
                String hint = (pre.get(0) == 'P' && pre.get(1) == 'K') ? " (this looks like a .npz zip archive; "
                        + "extract the .npy arrays from it)" : "";
                throw new BadInputException(f + ": bad magic bytes " + printable(pre, 6) + hint
                        + "; expected a .npy file starting with \\x93NUMPY");
            }
        }
        int major = pre.get(6) & 0xff;
        int minor = pre.get(7) & 0xff;
        if ((major != 1 && major != 2 && major != 3) || minor != 0) {
            throw new BadInputException(f + ": .npy format version " + major + "." + minor
                    + " is not supported; expected 1.0, 2.0 or 3.0");
        }
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xffffL;
            prefix = 10;
        } else {
            if (size < 12) {
                throw new BadInputException(f + ": file is " + size + " bytes, too short for a version " + major
                        + ".0 header; expected at least 12 bytes");
            }
            headerLen = pre.getInt(8) & 0xffffffffL;
            prefix = 12;
        }
        if (prefix + headerLen > size) {
            throw new BadInputException(f + ": header length " + headerLen + " bytes runs past the end of the file ("
                    + size + " bytes); expected a complete .npy header (the file is truncated or not a .npy file)");
        }
        if (headerLen > 64L << 20) {
            throw new BadInputException(f + ": header length " + headerLen + " bytes is implausibly large;"
                    + " expected a header of at most 64 MiB");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, prefix, f);
        hb.flip();
        // v1/v2 headers are latin-1, v3 headers UTF-8 (numpy's rule).
        Charset cs = major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1;
        String header;
        try {
            header = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(f + ": header is not valid UTF-8; expected a version 3.0 header in UTF-8", e);
        }
        Object parsed;
        try {
            parsed = PyLiteral.parse(header.strip());
        } catch (PyLiteral.SyntaxError e) {
            throw new BadInputException(f + ": bad header at " + e.getMessage() + "; expected " + EXPECTED_HEADER);
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new BadInputException(f + ": header is not a dict; expected " + EXPECTED_HEADER);
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new BadInputException(f + ": header has no '" + key + "' key; expected " + EXPECTED_HEADER);
            }
        }
        if (dict.size() != 3) {
            throw new BadInputException(f + ": header has keys " + dict.keySet()
                    + "; expected exactly 'descr', 'fortran_order' and 'shape'");
        }

        Object d = dict.get("descr");
        if (!(d instanceof String descr)) {
            throw new BadInputException(f + ": header 'descr' is " + describe(d)
                    + " (a structured/record dtype); expected " + EXPECTED_DTYPES);
        }
        ByteOrder order;
        String code;
        char bo = descr.isEmpty() ? '?' : descr.charAt(0);
        if (bo == '<' || bo == '>' || bo == '=' || bo == '|') {
            order = bo == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            code = descr.substring(1);
        } else {
            order = ByteOrder.LITTLE_ENDIAN;
            code = descr;
        }
        Kind kind = switch (code) {
            case "f2", "e" -> Kind.F16;
            case "f4", "f" -> Kind.F32;
            case "f8", "d" -> Kind.F64;
            default -> throw new BadInputException(f + ": dtype '" + descr + "' " + dtypeProblem(code)
                    + "; expected " + EXPECTED_DTYPES);
        };

        Object fo = dict.get("fortran_order");
        if (!(fo instanceof Boolean fortran)) {
            throw new BadInputException(f + ": header 'fortran_order' is " + describe(fo) + "; expected True or False");
        }

        Object sh = dict.get("shape");
        if (!(sh instanceof List<?> dims)) {
            throw new BadInputException(f + ": header 'shape' is " + describe(sh) + "; expected a tuple such as (3, 5)");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(dims.get(i) instanceof Long v) || v < 0) {
                throw new BadInputException(f + ": header 'shape' " + shapeText(dims) + " has a bad dimension "
                        + dims.get(i) + "; expected non-negative integers");
            }
            shape[i] = v;
        }
        if (shape.length != 1 && shape.length != 2) {
            throw new BadInputException(f + ": shape " + shapeText(dims) + " is " + shape.length
                    + "-D; expected a 1-D or 2-D (rows, cols) array");
        }
        long rows = shape.length == 1 ? 1 : shape[0];
        long colsL = shape.length == 1 ? shape[0] : shape[1];
        if (colsL > Integer.MAX_VALUE - 8) {
            throw new BadInputException(f + ": shape " + shapeText(dims) + " has " + colsL
                    + " columns; expected fewer than 2^31 columns");
        }
        long dataBytes;
        try {
            dataBytes = Math.multiplyExact(Math.multiplyExact(rows, colsL), (long) kind.itemSize);
        } catch (ArithmeticException e) {
            throw new BadInputException(f + ": shape " + shapeText(dims) + " overflows a 64-bit byte count;"
                    + " expected a plausible shape");
        }
        long dataOffset = prefix + headerLen;
        if (size - dataOffset < dataBytes) {
            throw new BadInputException(f + ": file is " + size + " bytes but shape " + shapeText(dims)
                    + " of dtype '" + descr + "' needs " + dataBytes + " data bytes after the " + dataOffset
                    + "-byte header (" + (dataOffset + dataBytes) + " bytes in all); expected a complete file"
                    + " (it is truncated)");
        }
        long window = Math.max(kind.itemSize, (Math.min(maxWindowBytes, DEFAULT_WINDOW_BYTES) / kind.itemSize)
                * kind.itemSize);
        return new NpyFile(path, ch, major, descr, kind, order, fortran, shape, rows, (int) colsL, dataOffset,
                dataBytes, window);
    }

    private static String dtypeProblem(String code) {
        if (code.equals("O")) return "holds pickled Python objects, which sae4j never unpickles";
        if (code.isEmpty()) return "is empty";
        switch (code.charAt(0)) {
            case 'i': case 'u': case 'b': case 'h': case 'l': case 'q': case 'B': case 'H': case 'I': case 'L':
            case 'Q':
                return "is an integer type";
            case '?':
                return "is boolean";
            case 'c':
                return "is complex";
            case 'U': case 'S': case 'a':
                return "is a string type";
            case 'V':
                return "is a raw/structured void type";
            case 'M': case 'm':
                return "is a date/time type";
            case 'f':
                return "is a float of unsupported width";
            default:
                return "is not a supported type";
        }
    }

    private static String describe(Object v) {
        if (v == null) return "None";
        if (v instanceof String s) return "'" + s + "'";
        if (v instanceof List<?> l) return shapeText(l);
        return String.valueOf(v);
    }

    private static String shapeText(List<?> dims) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < dims.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(dims.get(i) instanceof String s ? "'" + s + "'" : String.valueOf(dims.get(i)));
        }
        if (dims.size() == 1) sb.append(',');
        return sb.append(')').toString();
    }

    private static String printable(ByteBuffer b, int n) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < n && i < b.limit(); i++) {
            int c = b.get(i) & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\x%02x", c));
            }
        }
        return sb.append('\'').toString();
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position, String f) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new BadInputException(f + ": unexpected end of file at byte " + p + "; expected a complete header");
            }
            p += n;
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
        return descr;
    }

    public Kind kind() {
        return kind;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** The header's shape (1 or 2 dimensions). */
    public long[] shape() {
        return shape.clone();
    }

    /** The format's major version: 1, 2 or 3. */
    public int formatVersion() {
        return majorVersion;
    }

    /** Byte offset of the first element. */
    public long dataOffset() {
        return dataOffset;
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
        if (!fortranOrder || rows == 1 || cols == 1) {
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
        long len = Math.min(windowBytes, dataBytes - start);
        MappedByteBuffer mb;
        try {
            mb = channel.map(FileChannel.MapMode.READ_ONLY, dataOffset + start, len);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(name + ": cannot map bytes " + (dataOffset + start) + ".."
                    + (dataOffset + start + len), e);
        }
        mb.order(order);
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
        return name + " (" + descr + ", " + rows + " x " + cols + (fortranOrder ? ", Fortran order" : "") + ")";
    }
}
