package org.sae4j.onnx;

import java.io.IOException;
import java.nio.file.Path;
import org.sae4j.io.NpyWriter;

/**
 * Writes one output's rows as float32 {@code .npy} shards of at most {@code shardRows} rows, named
 * {@code shard_00000.npy}, {@code shard_00001.npy}, ... with the same number of digits each, so the lexicographic
 * order in which {@code NpyDataset} reads a directory is the row order. The total row count is known up front (the
 * tokenizer pass counts it) because an {@code .npy} header declares its shape.
 */
final class ShardWriter implements AutoCloseable {
    private final Path dir;
    private final long totalRows;
    private final int shardRows;
    private final int shardCount;
    private final int digits;
    private int width = -1;
    private long written;
    private int shard = -1;
    private NpyWriter current;

    ShardWriter(Path dir, long totalRows, int shardRows) {
        this.dir = dir;
        this.totalRows = totalRows;
        this.shardRows = shardRows;
        this.shardCount = (int) Math.max(1, (totalRows + shardRows - 1) / shardRows);
        this.digits = Math.max(5, Integer.toString(shardCount - 1).length());
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

    /** Appends {@code rows} rows of {@code width} floats from {@code src} (row-major). */
    void append(float[] src, int rows, int width) throws IOException {
        if (this.width < 0) this.width = width;
        if (width != this.width) {
            throw new IllegalStateException(dir + ": width changed from " + this.width + " to " + width);
        }
        int off = 0;
        while (off < rows) {
            if (current == null || current.rowsWritten() == shardSize(shard)) openNext();
            int take = (int) Math.min(rows - off, shardSize(shard) - current.rowsWritten());
            current.writeRows(src, off * width, take);
            off += take;
            written += take;
        }
    }

    private long shardSize(int s) {
        return Math.min(shardRows, totalRows - (long) s * shardRows);
    }

    private void openNext() throws IOException {
        if (current != null) current.commit();
        shard++;
        if (shard >= shardCount) {
            throw new IllegalStateException(dir + ": more rows than the " + totalRows + " counted");
        }
        current = NpyWriter.create(dir.resolve(shardName(shard, digits)), NpyWriter.Type.F4, shardSize(shard), width);
    }

    /** Commits the last shard after checking that every counted row arrived. */
    void finish() throws IOException {
        if (written != totalRows) {
            throw new IllegalStateException(dir + ": " + written + " rows written, " + totalRows + " counted");
        }
        if (current != null) current.commit();
        current = null;
    }

    @Override
    public void close() throws IOException {
        if (current != null) current.close();
    }
}
