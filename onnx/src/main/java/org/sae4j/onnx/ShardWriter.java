package org.sae4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.NpyWriter;

/**
 * Writes one output's rows as float32 (or float16) {@code .npy} shards of at most {@code shardRows} rows, named
 * {@code shard_00000.npy}, {@code shard_00001.npy}, ... with the same number of digits each, so the lexicographic
 * order in which {@code NpyDataset} reads a directory is the row order. The total row count is known up front (the
 * tokenizer pass counts it) because an {@code .npy} header declares its shape.
 *
 * <p>Rows are written at their place ({@link #write}), in any order: the extractor runs documents sorted by length,
 * not in document order, and writes each one's rows where document order puts them, so it buffers no more than one
 * batch. A shard is opened (header written) on its first row and fsynced and closed when its last row arrives; the
 * files are as {@link NpyWriter} writes them.
 */
final class ShardWriter implements AutoCloseable {
    private static final int FLOAT = Float.BYTES;

    private final Path dir;
    private final long totalRows;
    private final int shardRows;
    private final int shardCount;
    private final int digits;
    private final FileChannel[] open;
    private final int[] rowsIn;
    private final int[] headerBytes;
    private final boolean float16;
    private ByteBuffer halves = ByteBuffer.allocate(0);
    private int width = -1;
    private long written;

    ShardWriter(Path dir, long totalRows, int shardRows) {
        this(dir, totalRows, shardRows, false);
    }

    /** As above, the shards in float16 ({@code <f2}, each float rounded to nearest) when {@code float16}. */
    ShardWriter(Path dir, long totalRows, int shardRows, boolean float16) {
        // Rows arrive in ONNX Runtime's native byte order and .npy shards here are little-endian.
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("activations: a big-endian platform is not supported");
        }
        this.float16 = float16;
        this.dir = dir;
        this.totalRows = totalRows;
        this.shardRows = shardRows;
        this.shardCount = (int) Math.max(1, (totalRows + shardRows - 1) / shardRows);
        this.digits = Math.max(5, Integer.toString(shardCount - 1).length());
        this.open = new FileChannel[shardCount];
        this.rowsIn = new int[shardCount];
        this.headerBytes = new int[shardCount];
    }

    static String shardName(int index, int digits) {
        String n = Integer.toString(index);
        return "shard_" + "0".repeat(Math.max(0, digits - n.length())) + n + ".npy";
    }

    int shardCount() {
        return shardCount;
    }

    int width() {
        return width;
    }

    /**
     * Writes the rows {@code src} holds from its position to its limit (whole rows of {@code width} little-endian
     * floats, native byte order) as rows {@code row, row + 1, ...}; the buffer's position is left at its limit.
     */
    void write(long row, ByteBuffer src, int width) throws IOException {
        if (this.width < 0) this.width = width;
        if (width != this.width) {
            throw new IllegalStateException(dir + ": width changed from " + this.width + " to " + width);
        }
        long rowBytes = (long) width * FLOAT;
        if (src.remaining() % rowBytes != 0) {
            throw new IllegalArgumentException(src.remaining() + " bytes are not whole rows of " + width + " floats");
        }
        long rows = src.remaining() / rowBytes;
        if (row < 0 || row + rows > totalRows) {
            throw new IllegalStateException(dir + ": rows " + row + ".." + (row + rows) + " beyond the " + totalRows
                    + " counted");
        }
        ByteBuffer in = float16 ? toHalves(src, row) : src.duplicate();
        long fileRowBytes = float16 ? rowBytes / 2 : rowBytes;
        while (rows > 0) {
            int shard = (int) (row / shardRows);
            long inShard = row - (long) shard * shardRows;
            int take = (int) Math.min(rows, shardSize(shard) - inShard);
            in.limit(in.position() + (int) (take * fileRowBytes));
            FileChannel ch = channel(shard);
            long at = headerBytes[shard] + inShard * fileRowBytes;
            while (in.hasRemaining()) at += ch.write(in, at);
            rowsIn[shard] += take;
            written += take;
            if (rowsIn[shard] == shardSize(shard)) complete(shard);
            row += take;
            rows -= take;
        }
        src.position(src.limit());
    }

    /** {@code src}'s floats (native order) as little-endian float16, in a reused buffer. */
    private ByteBuffer toHalves(ByteBuffer src, long row) {
        int n = src.remaining() / FLOAT;
        if (halves.capacity() < n * 2) halves = ByteBuffer.allocate(n * 2).order(ByteOrder.LITTLE_ENDIAN);
        halves.clear();
        // duplicate() resets the byte order to big-endian: name it again.
        java.nio.FloatBuffer f = src.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < n; i++) {
            float x = f.get(i);
            short h = Float.floatToFloat16(x);
            if ((h & 0x7fff) == 0x7c00 && !Float.isInfinite(x)) {
                throw new BadInputException(dir + ": row " + (row + i / width) + " holds " + x + ", beyond float16's"
                        + " range (±65504); expected --dtype float32 for this model");
            }
            halves.putShort(h);
        }
        return halves.flip();
    }

    /** As {@link #write(long, ByteBuffer, int)} from {@code rows} rows of {@code src} (row-major). */
    void write(long row, float[] src, int rows, int width) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(rows * width * FLOAT).order(ByteOrder.nativeOrder());
        b.asFloatBuffer().put(src, 0, rows * width);
        write(row, b, width);
    }

    private long shardSize(int s) {
        return Math.min(shardRows, totalRows - (long) s * shardRows);
    }

    private FileChannel channel(int shard) throws IOException {
        if (open[shard] != null) return open[shard];
        if (rowsIn[shard] > 0) throw new IllegalStateException(dir + ": shard " + shard + " written twice");
        byte[] header = NpyWriter.header(float16 ? NpyWriter.Type.F2 : NpyWriter.Type.F4, shardSize(shard), width);
        headerBytes[shard] = header.length;
        FileChannel ch = FileChannel.open(dir.resolve(shardName(shard, digits)), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
        open[shard] = ch;
        ByteBuffer h = ByteBuffer.wrap(header);
        while (h.hasRemaining()) ch.write(h, h.position());
        return ch;
    }

    private void complete(int shard) throws IOException {
        FileChannel ch = open[shard];
        open[shard] = null;
        rowsIn[shard] = Integer.MAX_VALUE; // a later write to it is an error, not a reopen
        try (ch) {
            ch.force(true);
        }
    }

    /** Checks that every counted row arrived (every shard then is complete and closed). */
    void finish() throws IOException {
        if (written != totalRows) {
            throw new IllegalStateException(dir + ": " + written + " rows written, " + totalRows + " counted");
        }
    }

    @Override
    public void close() throws IOException {
        for (int s = 0; s < shardCount; s++) {
            if (open[s] != null) open[s].close();
            open[s] = null;
        }
    }
}
