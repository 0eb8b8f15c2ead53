package org.sae4j.data;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.io.json.JsonFields;

/**
 * How a {@link BatchStream} walks a dataset.
 *
 * @param batchSize rows per batch (positive)
 * @param seed base seed: the order of epoch e depends on (seed, e) only
 * @param shuffle false gives the file order every epoch
 * @param chunkRows rows per contiguous chunk; chunks are the unit of the per-epoch chunk permutation
 * @param chunksPerGroup chunks shuffled together as one buffer; {@code chunkRows × chunksPerGroup} rows are held as
 *     indices (8 bytes each) and read in random order within that many contiguous rows, which keeps page-cache
 *     locality on data larger than RAM. A dataset no larger than one group gets a full uniform shuffle.
 * @param dropLast true drops the final partial batch of each epoch so every batch has exactly {@code batchSize}
 *     rows (the dropped rows differ between epochs because the order does); false yields it, smaller
 */
public record BatchOptions(int batchSize, long seed, boolean shuffle, int chunkRows, int chunksPerGroup,
        boolean dropLast) {
    public static final int DEFAULT_CHUNK_ROWS = 4096;
    public static final int DEFAULT_CHUNKS_PER_GROUP = 16;

    public BatchOptions {
        if (batchSize <= 0) throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
        if (chunkRows <= 0) throw new IllegalArgumentException("chunkRows must be positive: " + chunkRows);
        if (chunksPerGroup <= 0) throw new IllegalArgumentException("chunksPerGroup must be positive: " + chunksPerGroup);
        if ((long) chunkRows * chunksPerGroup > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("chunkRows x chunksPerGroup too large: " + chunkRows + " x " + chunksPerGroup);
        }
    }

    /** Shuffled, 4096-row chunks, 16 chunks per shuffle group, last partial batch dropped. */
    public static BatchOptions of(int batchSize, long seed) {
        return new BatchOptions(batchSize, seed, true, DEFAULT_CHUNK_ROWS, DEFAULT_CHUNKS_PER_GROUP, true);
    }

    public BatchOptions withShuffle(boolean s) {
        return new BatchOptions(batchSize, seed, s, chunkRows, chunksPerGroup, dropLast);
    }

    public BatchOptions withChunkRows(int c) {
        return new BatchOptions(batchSize, seed, shuffle, c, chunksPerGroup, dropLast);
    }

    public BatchOptions withChunksPerGroup(int g) {
        return new BatchOptions(batchSize, seed, shuffle, chunkRows, g, dropLast);
    }

    public BatchOptions withDropLast(boolean d) {
        return new BatchOptions(batchSize, seed, shuffle, chunkRows, chunksPerGroup, d);
    }

    /** A JSON-ready map, for trainer state: resuming needs the same options as well as the position. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", (long) batchSize);
        m.put("seed", seed);
        m.put("shuffle", shuffle);
        m.put("chunk_rows", (long) chunkRows);
        m.put("chunks_per_group", (long) chunksPerGroup);
        m.put("drop_last", dropLast);
        return m;
    }

    /** Reads {@link #toJson()}'s form; {@code source} names the file in error messages. */
    public static BatchOptions fromJson(Map<String, ?> m, String source) {
        JsonFields f = new JsonFields(m, source + ": batch options");
        int batch = f.requirePositiveInt("batch_size");
        long seed = f.requireLong("seed");
        boolean shuffle = f.requireBoolean("shuffle");
        int chunk = f.requirePositiveInt("chunk_rows");
        int groups = f.requirePositiveInt("chunks_per_group");
        boolean drop = f.requireBoolean("drop_last");
        try {
            return new BatchOptions(batch, seed, shuffle, chunk, groups, drop);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(f.where() + ": " + e.getMessage() + "; expected consistent options", e);
        }
    }
}
