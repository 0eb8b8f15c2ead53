package org.sae4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.io.Fixtures;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Standardizer;

public class NpyDatasetTest {
    @TempDir
    Path dir;

    /** Row r, column c holds r * 1000 + c, so a value identifies its row. */
    private Path rowsFile(String name, long firstRow, int rows, int cols) throws IOException {
        float[] a = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) a[r * cols + c] = (firstRow + r) * 1000 + c;
        Path p = dir.resolve(name);
        NpyWriter.writeF32(p, a, rows, cols);
        return p;
    }

    private static long rowOf(float[] batch, int i, int dim) {
        return (long) (batch[i * dim] / 1000);
    }

    @Test
    void nanAndInfAreRefusedNamingFileRowAndColumn() throws IOException {
        Path p = Fixtures.npy("f4_nan_inf_3x5.npy");
        try (NpyDataset ds = NpyDataset.open(p)) {
            float[] row = new float[5];
            ds.readRow(0, row, 0); // row 0 is fine
            assertThatThrownBy(() -> ds.readRow(1, row, 0)).isInstanceOf(BadInputException.class)
                    .hasMessage(p + ": row 1 column 2 is NaN; expected finite values");
            assertThatThrownBy(() -> ds.readRow(2, row, 0)).isInstanceOf(BadInputException.class)
                    .hasMessage(p + ": row 2 column 4 is +Inf; expected finite values");
            // a batch stream stops at the first bad row it meets
            BatchStream s = ds.batches(BatchOptions.of(3, 1));
            assertThatThrownBy(() -> s.next(new float[15])).isInstanceOf(BadInputException.class)
                    .hasMessageStartingWith(p + ": row ").hasMessageEndingWith("; expected finite values");
        }
    }

    @Test
    void singleFileReadsAndDescribes() throws IOException {
        try (NpyDataset ds = NpyDataset.open(Fixtures.npy("f4_fortran_3x5.npy"))) {
            assertThat(ds.rows()).isEqualTo(3);
            assertThat(ds.dim()).isEqualTo(5);
            float[] all = new float[15];
            ds.readRows(0, 3, all, 0);
            assertThat(all).containsExactly(Fixtures.expected3x5());
            assertThat(ds.describeRow(2)).endsWith("f4_fortran_3x5.npy row 2");
        }
    }

    @Test
    void shardDirectoryIsOneMatrixInNameOrder() throws IOException {
        Path shards = Files.createDirectory(dir.resolve("shards"));
        // written out of order, with an empty shard in the middle and a non-.npy file to ignore
        NpyWriter.writeF32(shards.resolve("part_002.npy"), values(7, 3, 4), 3, 4);
        NpyWriter.writeF32(shards.resolve("part_000.npy"), values(0, 5, 4), 5, 4);
        NpyWriter.writeF32(shards.resolve("part_001.npy"), new float[0], 0, 4);
        NpyWriter.writeF32(shards.resolve("part_001b.npy"), values(5, 2, 4), 2, 4);
        Files.writeString(shards.resolve("README.txt"), "not data");
        try (NpyDataset ds = NpyDataset.open(shards)) {
            assertThat(ds.shards()).hasSize(4);
            assertThat(ds.rows()).isEqualTo(10);
            assertThat(ds.dim()).isEqualTo(4);
            float[] all = new float[40];
            ds.readRows(0, 10, all, 0); // spans all shards, including the empty one
            assertThat(all).containsExactly(values(0, 10, 4));
            float[] one = new float[4];
            for (int r = 0; r < 10; r++) {
                ds.readRow(r, one, 0);
                assertThat(one[0]).isEqualTo(r * 1000f);
            }
            assertThat(ds.describeRow(5)).endsWith("part_001b.npy row 0");
            assertThat(ds.describeRow(9)).endsWith("part_002.npy row 2");
        }
    }

    private static float[] values(long firstRow, int rows, int cols) {
        float[] a = new float[rows * cols];
        for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) a[r * cols + c] = (firstRow + r) * 1000 + c;
        return a;
    }

    @Test
    void shardWidthMismatchNamesTheShard() throws IOException {
        Path shards = Files.createDirectory(dir.resolve("bad"));
        NpyWriter.writeF32(shards.resolve("a.npy"), new float[10], 2, 5);
        NpyWriter.writeF32(shards.resolve("b.npy"), new float[12], 2, 6);
        assertThatThrownBy(() -> NpyDataset.open(shards)).isInstanceOf(BadInputException.class)
                .hasMessage(shards.resolve("b.npy") + ": 6 columns; expected 5 columns like the first shard a.npy"
                        + " (all shards must have the same width)");
    }

    @Test
    void badShardIsNamed() throws IOException {
        Path shards = Files.createDirectory(dir.resolve("mixed"));
        NpyWriter.writeF32(shards.resolve("a.npy"), new float[10], 2, 5);
        NpyWriter.writeI32(shards.resolve("b.npy"), new int[10], 2, 5);
        assertThatThrownBy(() -> NpyDataset.open(shards)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(shards.resolve("b.npy") + ": dtype '<i4' is an integer type");
    }

    @Test
    void emptyOrMissingSources() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> NpyDataset.open(empty)).isInstanceOf(BadInputException.class)
                .hasMessage(empty + ": directory has no .npy files; expected a .npy file or a directory of .npy shards");
        Path missing = dir.resolve("nope.npy");
        assertThatThrownBy(() -> NpyDataset.open(missing)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no such file or directory");
        try (NpyDataset ds = NpyDataset.open(Fixtures.npy("f4_empty_0x5.npy"))) {
            assertThat(ds.rows()).isZero();
            assertThatThrownBy(() -> ds.batches(BatchOptions.of(4, 0))).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("0 rows is fewer than one batch of 4; expected at least 4 rows");
        }
    }

    @Test
    void shuffleIsAPermutationPerEpochAndDeterministic() throws IOException {
        Path p = rowsFile("d.npy", 0, 1000, 3);
        try (NpyDataset ds = NpyDataset.open(p)) {
            // small chunks and groups so chunk permutation and group seams are exercised
            BatchOptions opt = BatchOptions.of(10, 42).withChunkRows(64).withChunksPerGroup(3);
            List<Long> e0 = epochOrder(ds, opt, 0);
            List<Long> e1 = epochOrder(ds, opt, 1);
            for (List<Long> e : List.of(e0, e1)) {
                assertThat(e).hasSize(1000);
                assertThat(new HashSet<>(e)).hasSize(1000); // every row exactly once
            }
            assertThat(e0).isNotEqualTo(e1); // epochs differ
            assertThat(epochOrder(ds, opt, 0)).isEqualTo(e0); // same seed, same order
            assertThat(epochOrder(ds, BatchOptions.of(10, 43).withChunkRows(64).withChunksPerGroup(3), 0))
                    .isNotEqualTo(e0);
            // unshuffled is file order
            List<Long> plain = epochOrder(ds, opt.withShuffle(false), 0);
            for (int i = 0; i < 1000; i++) assertThat(plain.get(i)).isEqualTo(i);
            // the whole dataset as one group: still a permutation
            List<Long> full = epochOrder(ds, BatchOptions.of(10, 42), 0);
            assertThat(new HashSet<>(full)).hasSize(1000);
        }
    }

    /** Rows of one epoch, read back from the values (checks the data matches the reported row ids too). */
    private static List<Long> epochOrder(NpyDataset ds, BatchOptions opt, long epoch) {
        BatchStream s = ds.batches(opt);
        s.seek(new BatchStream.Position(epoch, 0));
        int dim = ds.dim();
        float[] batch = new float[opt.batchSize() * dim];
        long[] ids = new long[opt.batchSize()];
        List<Long> order = new ArrayList<>();
        for (long b = 0; b < s.batchesPerEpoch(); b++) {
            int n = s.next(batch, ids);
            for (int i = 0; i < n; i++) {
                assertThat(rowOf(batch, i, dim)).isEqualTo(ids[i]);
                order.add(ids[i]);
            }
        }
        assertThat(s.position()).isEqualTo(new BatchStream.Position(epoch + 1, 0));
        return order;
    }

    @Test
    void resumeFromAPositionIsBitForBit() throws IOException {
        Path p = rowsFile("r.npy", 0, 777, 4);
        try (NpyDataset ds = NpyDataset.open(p)) {
            BatchOptions opt = BatchOptions.of(32, 7).withChunkRows(50).withChunksPerGroup(2);
            BatchStream a = ds.batches(opt);
            assertThat(a.batchesPerEpoch()).isEqualTo(777 / 32);
            List<float[]> run = new ArrayList<>();
            List<BatchStream.Position> positions = new ArrayList<>();
            for (int i = 0; i < 3 * 24 + 5; i++) { // crosses two epoch boundaries
                positions.add(a.position());
                float[] b = new float[32 * 4];
                assertThat(a.next(b)).isEqualTo(32);
                run.add(b);
            }
            for (int start : new int[] {0, 1, 23, 24, 25, 50, 70}) {
                BatchStream r = ds.batches(opt);
                r.seek(positions.get(start));
                for (int i = start; i < run.size(); i++) {
                    float[] b = new float[32 * 4];
                    r.next(b);
                    assertThat(b).as("batch %d resumed from %d", i, start).isEqualTo(run.get(i));
                }
            }
            assertThat(positions.get(24)).isEqualTo(new BatchStream.Position(1, 0));

            // options and position survive a trip through JSON (trainer state), and resume from there
            BatchOptions opt2 = BatchOptions.fromJson(asMap(Json.parse(Json.write(opt.toJson()))), "state.json");
            assertThat(opt2).isEqualTo(opt);
            BatchStream.Position pos = BatchStream.Position.fromJson(
                    asMap(Json.parse(Json.write(positions.get(50).toJson()))), "state.json");
            BatchStream r = ds.batches(opt2);
            r.seek(pos);
            float[] b = new float[32 * 4];
            r.next(b);
            assertThat(b).isEqualTo(run.get(50));

            // a position that cannot belong to this data is a user error
            assertThatThrownBy(() -> ds.batches(opt).seek(new BatchStream.Position(0, 999)))
                    .isInstanceOf(BadInputException.class)
                    .hasMessage(p + ": resume position batch 999 of epoch 0 is beyond the 24 batches per epoch;"
                            + " expected the same data and batch options as when the position was saved");
            assertThatThrownBy(() -> BatchOptions.fromJson(Map.of("batch_size", 0L), "state.json"))
                    .isInstanceOf(BadInputException.class)
                    .hasMessage("state.json: batch options field batch_size is 0; expected a positive integer");
        }
    }

    @Test
    void lastPartialBatchPolicy() throws IOException {
        Path p = rowsFile("l.npy", 0, 10, 2);
        try (NpyDataset ds = NpyDataset.open(p)) {
            BatchStream dropping = ds.batches(BatchOptions.of(4, 1));
            assertThat(dropping.batchesPerEpoch()).isEqualTo(2);
            float[] b = new float[8];
            assertThat(dropping.next(b)).isEqualTo(4);
            assertThat(dropping.next(b)).isEqualTo(4);
            assertThat(dropping.position()).isEqualTo(new BatchStream.Position(1, 0));
            assertThat(dropping.next(b)).isEqualTo(4); // next epoch
            assertThat(dropping.position()).isEqualTo(new BatchStream.Position(1, 1));

            BatchStream keeping = ds.batches(BatchOptions.of(4, 1).withDropLast(false));
            assertThat(keeping.batchesPerEpoch()).isEqualTo(3);
            Set<Long> seen = new HashSet<>();
            long[] ids = new long[4];
            int[] sizes = new int[3];
            for (int i = 0; i < 3; i++) {
                sizes[i] = keeping.next(b, ids);
                for (int j = 0; j < sizes[i]; j++) seen.add(ids[j]);
            }
            assertThat(sizes).containsExactly(4, 4, 2);
            assertThat(seen).hasSize(10);
        }
    }

    @Test
    void perFeatureStandardisation() throws IOException {
        Path p = rowsFile("s.npy", 0, 500, 3);
        try (NpyDataset ds = NpyDataset.open(p)) {
            Standardizer st = Standardizer.fit(ds, Standardizer.Mode.PER_FEATURE);
            assertThat(st.sampleRowsUsed()).isEqualTo(500); // all rows: fewer than the sample size
            // column c holds 1000 r + c for r = 0..499: mean 249500 + c, population std 1000 * sqrt((500^2 - 1) / 12)
            double std = 1000 * Math.sqrt((500.0 * 500 - 1) / 12);
            for (int c = 0; c < 3; c++) {
                assertThat(st.mean()[c]).isCloseTo(249500f + c, within(0.05f));
                assertThat((double) st.std()[c]).isCloseTo(std, within(std * 1e-6));
            }
            float[] all = new float[1500];
            ds.readRows(0, 500, all, 0);
            float[] z = all.clone();
            st.apply(z, 0, 500);
            double m = 0, sq = 0;
            for (int r = 0; r < 500; r++) {
                m += z[r * 3 + 1];
                sq += z[r * 3 + 1] * z[r * 3 + 1];
            }
            assertThat(m / 500).isCloseTo(0, within(1e-4));
            assertThat(sq / 500).isCloseTo(1, within(1e-4));
            st.invert(z, 0, 500);
            for (int i = 0; i < 1500; i++) assertThat(z[i]).isCloseTo(all[i], within(0.1f));

            // serialisable: through JSON text and back, exactly
            Standardizer back = Standardizer.fromJson(asMap(Json.parse(Json.write(st.toJson()))), "cfg.json");
            assertThat(back.mode()).isEqualTo(st.mode());
            assertThat(back.mean()).containsExactly(st.mean());
            assertThat(back.std()).containsExactly(st.std());
            assertThat(back.sampleRowsUsed()).isEqualTo(500);

            // applied to batches by the stream
            BatchStream s = ds.batches(BatchOptions.of(5, 3), st);
            float[] b = new float[15];
            long[] ids = new long[5];
            s.next(b, ids);
            float[] raw = new float[3];
            ds.readRow(ids[0], raw, 0);
            st.apply(raw, 0, 1);
            assertThat(Arrays.copyOf(b, 3)).containsExactly(raw);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    /** {@code center}: the per-feature mean only; the spread stays, and everything else works as for feature. */
    @Test
    void centringSubtractsTheMeanAndKeepsTheSpread() throws IOException {
        Path p = rowsFile("m.npy", 0, 500, 3);
        try (NpyDataset ds = NpyDataset.open(p)) {
            Standardizer st = Standardizer.fit(ds, Standardizer.Mode.CENTER);
            Standardizer feature = Standardizer.fit(ds, Standardizer.Mode.PER_FEATURE);
            assertThat(st.mean()).containsExactly(feature.mean()); // the same sample and the same sums
            assertThat(st.std()).isNull();
            float[] all = new float[1500];
            ds.readRows(0, 500, all, 0);
            float[] z = all.clone();
            st.apply(z, 0, 500);
            for (int c = 0; c < 3; c++) {
                double m = 0;
                double sq = 0;
                for (int r = 0; r < 500; r++) {
                    m += z[r * 3 + c];
                    sq += (double) z[r * 3 + c] * z[r * 3 + c];
                    assertThat(z[r * 3 + c]).isEqualTo(all[r * 3 + c] - st.mean()[c]);
                }
                assertThat(m / 500).isCloseTo(0, within(0.05));
                double std = 1000 * Math.sqrt((500.0 * 500 - 1) / 12); // unchanged: no division
                assertThat(Math.sqrt(sq / 500)).isCloseTo(std, within(std * 1e-6));
            }
            st.invert(z, 0, 500);
            for (int i = 0; i < 1500; i++) assertThat(z[i]).isCloseTo(all[i], within(0.05f));

            Standardizer back = Standardizer.fromJson(asMap(Json.parse(Json.write(st.toJson()))), "cfg.json");
            assertThat(back.mode()).isEqualTo(Standardizer.Mode.CENTER);
            assertThat(back.mean()).containsExactly(st.mean());
            assertThat(back.sampleRowsUsed()).isEqualTo(500);
            assertThat(back).hasToString("Standardizer(center, dim 3, 500 rows)");

            BatchStream s = ds.batches(BatchOptions.of(5, 3), st);
            float[] b = new float[15];
            long[] ids = new long[5];
            s.next(b, ids);
            float[] raw = new float[3];
            ds.readRow(ids[0], raw, 0);
            st.apply(raw, 0, 1);
            assertThat(Arrays.copyOf(b, 3)).containsExactly(raw);
        }
    }

    @Test
    void constantFeaturesAreOnlyCentred() throws IOException {
        Path p = dir.resolve("c.npy");
        NpyWriter.writeF32(p, new float[] {5, 1, 5, 2, 5, 3}, 3, 2);
        try (NpyDataset ds = NpyDataset.open(p)) {
            Standardizer st = Standardizer.fit(ds, Standardizer.Mode.PER_FEATURE);
            assertThat(st.std()[0]).isEqualTo(1f);
            float[] x = {5, 2};
            st.apply(x, 0, 1);
            assertThat(x[0]).isZero();
            assertThat(x[1]).isZero();
        }
    }

    @Test
    void unitMeanSquaredNormScalar() throws IOException {
        Path p = rowsFile("u.npy", 1, 3000, 8);
        try (NpyDataset ds = NpyDataset.open(p)) {
            Standardizer st = Standardizer.fit(ds, Standardizer.Mode.UNIT_MEAN_SQUARED_NORM, 3000, 11);
            float[] all = new float[3000 * 8];
            ds.readRows(0, 3000, all, 0);
            st.apply(all, 0, 3000);
            double sq = 0;
            for (float v : all) sq += (double) v * v;
            assertThat(sq / 3000).isCloseTo(8.0, within(1e-4)); // mean squared norm = d
            // from a seeded sample: deterministic, close to the full-data value
            Standardizer s1 = Standardizer.fit(ds, Standardizer.Mode.UNIT_MEAN_SQUARED_NORM, 500, 11);
            Standardizer s2 = Standardizer.fit(ds, Standardizer.Mode.UNIT_MEAN_SQUARED_NORM, 500, 11);
            assertThat(s1.scale()).isEqualTo(s2.scale());
            assertThat(s1.sampleRowsUsed()).isEqualTo(500);
            assertThat(s1.scale()).isCloseTo(st.scale(), within(st.scale() * 0.1f));
            Standardizer back = Standardizer.fromJson(asMap(Json.parse(Json.write(s1.toJson()))), "x");
            assertThat(back.scale()).isEqualTo(s1.scale());
            assertThat(back.seed()).isEqualTo(11);
        }
    }

    @Test
    void sampleIsDistinctSortedAndSeeded() {
        long[] a = Standardizer.sampleRows(1_000_000, 1000, 5);
        assertThat(a).hasSize(1000).isSorted();
        assertThat(Arrays.stream(a).distinct().count()).isEqualTo(1000);
        assertThat(a[0]).isGreaterThanOrEqualTo(0);
        assertThat(a[999]).isLessThan(1_000_000);
        assertThat(Standardizer.sampleRows(1_000_000, 1000, 5)).isEqualTo(a);
        assertThat(Standardizer.sampleRows(1_000_000, 1000, 6)).isNotEqualTo(a);
    }

    @Test
    void badStandardizerJsonIsRefused() {
        assertThatThrownBy(() -> Standardizer.fromJson(Map.of("mode", "zscore", "dim", 3L), "cfg.json"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("cfg.json: standardizer field mode is zscore; expected one of none, per_feature,"
                        + " unit_mean_squared_norm, center");
        assertThatThrownBy(() -> Standardizer.fromJson(Map.of("mode", "per_feature", "dim", 2L,
                "mean", List.of(1.0, 2.0), "std", List.of(1.0)), "cfg.json"))
                .isInstanceOf(BadInputException.class)
                .hasMessage("cfg.json: standardizer field std is an array of 1; expected an array of 2 numbers");
    }

    @Test
    void digitsResourceIsAvailable() throws Exception {
        try (NpyDataset ds = NpyDataset.open(BundledData.digitsNpy())) {
            assertThat(ds.rows()).isEqualTo(1797);
            assertThat(ds.dim()).isEqualTo(64);
            BatchStream s = ds.batches(BatchOptions.of(256, 0));
            float[] b = new float[256 * 64];
            for (int i = 0; i < s.batchesPerEpoch(); i++) s.next(b); // all finite, in 0..16
            for (float v : b) assertThat(v).isBetween(0f, 16f);
        }
    }
}
