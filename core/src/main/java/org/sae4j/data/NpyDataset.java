package org.sae4j.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.model.Standardizer;

/**
 * Rows of one {@code .npy} file or of a directory of {@code .npy} shards, seen as one {@code rows × dim} matrix.
 *
 * <p>A directory's shards are its {@code *.npy} files (not recursive, hidden files skipped) in lexicographic order
 * of file name — name shards with zero-padded numbers ({@code shard_00007.npy}) so that order is the intended
 * one. All shards must have the same number of columns; shards with zero rows are allowed.
 *
 * <p>Every read checks that the values are finite: a NaN or infinity is refused with the shard's file name, the
 * row within that file and the column, e.g. {@code data.npy: row 1 column 2 is NaN; expected finite values}. Reads
 * are thread-safe.
 */
public final class NpyDataset implements AutoCloseable, Standardizer.Rows {
    private final Path source;
    private final List<NpyFile> shards;
    private final long[] starts; // starts[i] = global index of shard i's first row; starts[n] = rows
    private final int dim;
    /** A {@link #paired} dataset's two halves (rows are input then target); both null otherwise. */
    private final NpyDataset input;
    private final NpyDataset target;

    private NpyDataset(Path source, List<NpyFile> shards) {
        this.source = source;
        this.shards = List.copyOf(shards);
        this.starts = new long[shards.size() + 1];
        for (int i = 0; i < shards.size(); i++) {
            starts[i + 1] = starts[i] + shards.get(i).rows();
        }
        this.dim = shards.get(0).cols();
        this.input = null;
        this.target = null;
    }

    private NpyDataset(NpyDataset input, NpyDataset target) {
        this.source = input.source;
        this.shards = input.shards;
        this.starts = input.starts;
        this.dim = input.dim + target.dim;
        this.input = input;
        this.target = target;
    }

    /**
     * Two row-aligned datasets seen as one whose row b is {@code input} row b followed by {@code target} row b (a
     * transcoder's training rows: x then y), so batching, shuffling and resume positions treat each pair as one
     * row. Closing it closes both.
     *
     * @throws BadInputException when the row counts differ
     */
    public static NpyDataset paired(NpyDataset input, NpyDataset target) {
        if (input.rows() != target.rows()) {
            throw new BadInputException(target.source() + ": " + target.rows() + " rows; expected " + input.rows()
                    + " rows, one target per input row of " + input.source());
        }
        return new NpyDataset(input, target);
    }

    /** A {@link #paired} dataset's target half, or null. */
    public NpyDataset target() {
        return target;
    }

    /** A {@link #paired} dataset's input half; this dataset otherwise. */
    public NpyDataset input() {
        return input != null ? input : this;
    }

    /** Opens a {@code .npy} file or a directory of {@code .npy} shards. */
    public static NpyDataset open(Path fileOrDirectory) throws IOException {
        Objects.requireNonNull(fileOrDirectory, "path");
        if (!Files.exists(fileOrDirectory)) {
            throw new BadInputException(fileOrDirectory + ": no such file or directory; expected a .npy file or a"
                    + " directory of .npy shards");
        }
        List<Path> files;
        if (Files.isDirectory(fileOrDirectory)) {
            files = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(fileOrDirectory, "*.npy")) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().startsWith(".") && Files.isRegularFile(p)) files.add(p);
                }
            }
            files.sort(Comparator.comparing(p -> p.getFileName().toString()));
            if (files.isEmpty()) {
                throw new BadInputException(fileOrDirectory + ": directory has no .npy files; expected a .npy file"
                        + " or a directory of .npy shards");
            }
        } else {
            files = List.of(fileOrDirectory);
        }
        return open(fileOrDirectory, files);
    }

    /** Opens the given shards, in the given order. */
    public static NpyDataset open(Path source, List<Path> shardFiles) throws IOException {
        if (shardFiles.isEmpty()) {
            throw new BadInputException(source + ": no shards; expected at least one .npy file");
        }
        List<NpyFile> opened = new ArrayList<>();
        try {
            for (Path p : shardFiles) {
                NpyFile f = NpyFile.open(p);
                opened.add(f);
                NpyFile first = opened.get(0);
                if (f.cols() == 0) {
                    throw new BadInputException(p + ": shape " + Arrays.toString(f.shape())
                            + " has 0 columns; expected at least one feature column");
                }
                if (f.cols() != first.cols()) {
                    throw new BadInputException(p + ": " + f.cols() + " columns; expected " + first.cols()
                            + " columns like the first shard " + first.path().getFileName()
                            + " (all shards must have the same width)");
                }
            }
        } catch (IOException | RuntimeException e) {
            for (NpyFile f : opened) {
                try {
                    f.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new NpyDataset(source, opened);
    }

    /** The file or directory this dataset was opened from. */
    @Override
    public Path source() {
        return source;
    }

    @Override
    public long rows() {
        return starts[starts.length - 1];
    }

    /** Columns per row (the feature dimension d). */
    @Override
    public int dim() {
        return dim;
    }

    public List<NpyFile> shards() {
        return shards;
    }

    /** Reads global row {@code row} into {@code dst[off, off + dim)}, refusing NaN/Inf. */
    @Override
    public void readRow(long row, float[] dst, int off) {
        readRows(row, 1, dst, off);
    }

    /** Reads {@code count} consecutive global rows (possibly spanning shards), refusing NaN/Inf. */
    public void readRows(long first, int count, float[] dst, int off) {
        if (input != null) {
            readPairs(first, count, dst, off);
            return;
        }
        if (count < 0 || first < 0 || first > rows() - count) {
            throw new IndexOutOfBoundsException(source + ": rows [" + first + ", " + (first + count)
                    + ") out of range [0, " + rows() + ")");
        }
        int done = 0;
        while (done < count) {
            long g = first + done;
            int s = shardOf(g);
            NpyFile f = shards.get(s);
            long local = g - starts[s];
            int n = (int) Math.min(count - done, f.rows() - local);
            int dstOff = off + done * dim;
            f.readRows(local, n, dst, dstOff);
            checkFinite(f, local, n, dst, dstOff);
            done += n;
        }
    }

    /** A paired dataset's rows: each half of each row read straight into its place (no scratch buffers). */
    private void readPairs(long first, int count, float[] dst, int off) {
        int dx = input.dim;
        for (int b = 0; b < count; b++) {
            input.readRows(first + b, 1, dst, off + b * dim);
            target.readRows(first + b, 1, dst, off + b * dim + dx);
        }
    }

    private void checkFinite(NpyFile f, long localFirst, int n, float[] a, int off) {
        int len = n * dim;
        for (int i = 0; i < len; i++) {
            float v = a[off + i];
            // (v - v) is 0 for finite v and NaN for NaN or ±Inf: one compare per value on the hot path.
            if (v - v != 0f) {
                String what = Float.isNaN(v) ? "NaN" : (v > 0 ? "+Inf" : "-Inf");
                throw new BadInputException(f.path() + ": row " + (localFirst + i / dim) + " column " + (i % dim)
                        + " is " + what + "; expected finite values");
            }
        }
    }

    /** Index of the shard holding global row {@code g} (skipping empty shards). */
    int shardOf(long g) {
        int i = Arrays.binarySearch(starts, g);
        if (i < 0) {
            return -i - 2;
        }
        // Exact hit on a start: empty shards share it, so move to the last shard starting here.
        while (i + 1 < starts.length - 1 && starts[i + 1] == g) i++;
        return i;
    }

    /** The shard file holding global row {@code g} and the row's index within it, for messages. */
    public String describeRow(long g) {
        int s = shardOf(g);
        return shards.get(s).path() + " row " + (g - starts[s]);
    }

    /** A seeded, resumable batch stream over this dataset; see {@link BatchStream}. */
    public BatchStream batches(BatchOptions options) {
        return new BatchStream(this, options, null);
    }

    /** As {@link #batches(BatchOptions)}, applying {@code standardizer} to every batch (null for none). */
    public BatchStream batches(BatchOptions options, Standardizer standardizer) {
        if (standardizer != null && standardizer.dim() != dim) {
            throw new IllegalArgumentException("standardizer dim " + standardizer.dim() + " != dataset dim " + dim);
        }
        return new BatchStream(this, options, standardizer);
    }

    @Override
    public void close() throws IOException {
        if (input != null) {
            try (NpyDataset x = input; NpyDataset y = target) {
                return;
            }
        }
        IOException first = null;
        for (NpyFile f : shards) {
            try {
                f.close();
            } catch (IOException e) {
                if (first == null) first = e; else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        if (input != null) {
            return input + " with targets " + target;
        }
        return source + " (" + rows() + " x " + dim + ", " + shards.size() + " shard" + (shards.size() == 1 ? "" : "s") + ")";
    }
}
