package org.sae4j.data;

import java.util.Arrays;
import org.sae4j.BadInputException;
import org.sae4j.io.json.JsonFields;
import org.sae4j.model.Standardizer;
import org.sae4j.random.SplitMix64;

/**
 * An endless stream of batches over an {@link NpyDataset}, epoch after epoch.
 *
 * <p><b>Order.</b> The dataset's rows are cut into contiguous chunks of {@link BatchOptions#chunkRows()} rows (the
 * last may be short). Each epoch e: the chunks are permuted (Fisher–Yates, seeded by {@code (seed, e)}), the
 * permuted chunks are taken {@link BatchOptions#chunksPerGroup()} at a time, and all rows of a group are shuffled
 * together (seeded by {@code (seed, e, group)}). Batches are consecutive runs of that epoch order, so a batch can
 * mix rows from two groups. Every row appears exactly once per epoch (minus the dropped tail, see
 * {@link BatchOptions#dropLast()}). With {@code shuffle = false} the order is the file order.
 *
 * <p><b>Determinism and resume.</b> The order depends only on (seed, epoch, options, dataset size) and uses
 * SplitMix64, not a JDK generator, so it is identical on every JVM. {@link #position()} is the position of the
 * next batch; {@link #seek(Position)} to a saved position reproduces the same batches bit for bit, at the cost of
 * rebuilding one group's order (no replay of earlier batches).
 *
 * <p>Not thread-safe; one stream per training loop.
 */
public final class BatchStream {
    /** Where the next batch comes from: epoch, and batch index within the epoch. */
    public record Position(long epoch, long batch) {
        public Position {
            if (epoch < 0 || batch < 0) throw new IllegalArgumentException("negative position " + epoch + "/" + batch);
        }

        /** {@code {"epoch": e, "batch": b}} for trainer state. */
        public java.util.Map<String, Object> toJson() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("epoch", epoch);
            m.put("batch", batch);
            return m;
        }

        /** Reads {@link #toJson()}'s form; {@code source} names the file in error messages. */
        public static Position fromJson(java.util.Map<String, ?> m, String source) {
            JsonFields p = new JsonFields(m, source + ": data position");
            return new Position(p.requireNonNegativeLong("epoch"), p.requireNonNegativeLong("batch"));
        }
    }

    private static final long CHUNK_PERMUTATION = -1;

    private final NpyDataset data;
    private final BatchOptions opt;
    private final Standardizer standardizer;
    private final long rows;
    private final int dim;
    private final int numChunks;
    private final int numGroups;
    private final long batchesPerEpoch;

    private long epoch = -1;
    private long batch;
    private int[] chunkOrder;
    private long[] groupStart; // epoch positions where each group begins; groupStart[numGroups] = rows
    private int loadedGroup = -1;
    private long[] groupRows;
    private int groupLen;

    BatchStream(NpyDataset data, BatchOptions opt, Standardizer standardizer) {
        this.data = data;
        this.opt = opt;
        this.standardizer = standardizer;
        this.rows = data.rows();
        this.dim = data.dim();
        long chunks = (rows + opt.chunkRows() - 1) / opt.chunkRows();
        if (chunks > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many chunks (" + chunks + "); raise chunkRows");
        }
        this.numChunks = (int) chunks;
        this.numGroups = (int) ((chunks + opt.chunksPerGroup() - 1) / opt.chunksPerGroup());
        this.batchesPerEpoch = opt.dropLast() ? rows / opt.batchSize() : (rows + opt.batchSize() - 1) / opt.batchSize();
        if (batchesPerEpoch == 0) {
            throw new BadInputException(data.source() + ": " + rows + " rows is fewer than one batch of "
                    + opt.batchSize() + "; expected at least " + (opt.dropLast() ? opt.batchSize() : 1) + " rows");
        }
        this.groupRows = new long[(int) Math.min((long) opt.chunkRows() * opt.chunksPerGroup(), rows)];
        seek(new Position(0, 0));
    }

    /** Rows in the dataset (all shards). */
    public long rows() {
        return rows;
    }

    /** The file or directory the rows come from, for messages. */
    public java.nio.file.Path source() {
        return data.source();
    }

    public long batchesPerEpoch() {
        return batchesPerEpoch;
    }

    public int batchSize() {
        return opt.batchSize();
    }

    public int dim() {
        return dim;
    }

    public BatchOptions options() {
        return opt;
    }

    /**
     * The position of the batch the next {@link #next} call returns. After an epoch's last batch this is
     * {@code (epoch + 1, 0)}, so every position has one canonical form.
     */
    public Position position() {
        return batch >= batchesPerEpoch ? new Position(epoch + 1, 0) : new Position(epoch, batch);
    }

    /**
     * Moves to {@code p}; the following batches equal those a fresh stream yields from that point on.
     * {@code (e, batchesPerEpoch())} is accepted and means {@code (e + 1, 0)}.
     */
    public void seek(Position p) {
        if (p.batch() > batchesPerEpoch) {
            // A saved position beyond this epoch's length means the data or options changed since the save.
            throw new BadInputException(data.source() + ": resume position batch " + p.batch() + " of epoch "
                    + p.epoch() + " is beyond the " + batchesPerEpoch + " batches per epoch; expected the same data"
                    + " and batch options as when the position was saved");
        }
        if (p.epoch() != epoch) startEpoch(p.epoch());
        batch = p.batch();
    }

    /**
     * Fills {@code dst} (row-major, {@code batchSize × dim}) with the next batch and returns its row count:
     * {@code batchSize}, or fewer for the final batch of an epoch when {@code dropLast} is off. After the last batch
     * of an epoch the stream moves on to the next epoch.
     */
    public int next(float[] dst) {
        return next(dst, null);
    }

    /** As {@link #next(float[])}, also storing each row's global index in {@code rowIds} (if not null). */
    public int next(float[] dst, long[] rowIds) {
        if (batch >= batchesPerEpoch) {
            startEpoch(epoch + 1);
            batch = 0;
        }
        long p = batch * opt.batchSize();
        int n = (int) Math.min(opt.batchSize(), rows - p);
        if (dst.length < n * dim) {
            throw new IllegalArgumentException("dst holds " + dst.length + " floats, batch needs " + (n * dim));
        }
        int i = 0;
        while (i < n) {
            // Coalesce runs of consecutive rows (all of them when unshuffled) into one bulk read.
            long row = rowAt(p + i);
            int run = 1;
            while (i + run < n && rowAt(p + i + run) == row + run) run++;
            if (rowIds != null) {
                for (int k = 0; k < run; k++) rowIds[i + k] = row + k;
            }
            data.readRows(row, run, dst, i * dim);
            i += run;
        }
        if (standardizer != null) standardizer.apply(dst, 0, n);
        batch++;
        return n;
    }

    /** The global row at position {@code q} of the current epoch's order. */
    long rowAt(long q) {
        int g = loadedGroup;
        if (g < 0 || q < groupStart[g] || q >= groupStart[g + 1]) {
            g = Arrays.binarySearch(groupStart, q);
            if (g < 0) g = -g - 2;
            loadGroup(g);
        }
        return groupRows[(int) (q - groupStart[g])];
    }

    private void startEpoch(long e) {
        epoch = e;
        chunkOrder = new int[numChunks];
        for (int i = 0; i < numChunks; i++) chunkOrder[i] = i;
        if (opt.shuffle()) new SplitMix64(SplitMix64.derive(opt.seed(), e, CHUNK_PERMUTATION)).shuffle(chunkOrder, numChunks);
        groupStart = new long[numGroups + 1];
        int perGroup = opt.chunksPerGroup();
        for (int g = 0; g < numGroups; g++) {
            long len = 0;
            for (int c = g * perGroup; c < Math.min(numChunks, (g + 1) * perGroup); c++) len += chunkLength(chunkOrder[c]);
            groupStart[g + 1] = groupStart[g] + len;
        }
        loadedGroup = -1;
    }

    private long chunkLength(int chunk) {
        long start = (long) chunk * opt.chunkRows();
        return Math.min(opt.chunkRows(), rows - start);
    }

    private void loadGroup(int g) {
        int perGroup = opt.chunksPerGroup();
        int len = 0;
        for (int c = g * perGroup; c < Math.min(numChunks, (g + 1) * perGroup); c++) {
            long start = (long) chunkOrder[c] * opt.chunkRows();
            long n = chunkLength(chunkOrder[c]);
            for (long r = 0; r < n; r++) groupRows[len++] = start + r;
        }
        if (opt.shuffle()) new SplitMix64(SplitMix64.derive(opt.seed(), epoch, g)).shuffle(groupRows, len);
        groupLen = len;
        loadedGroup = g;
    }

    @Override
    public String toString() {
        return "BatchStream(" + data.source() + ", epoch " + epoch + ", batch " + batch + "/" + batchesPerEpoch
                + ", group rows " + groupLen + ")";
    }
}
