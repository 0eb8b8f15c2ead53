package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;

class ShardWriterTest {
    @Test
    void shardsReadBackInRowOrderWhateverTheirCount(@TempDir Path tmp) throws Exception {
        // 23 rows in 2-row shards: 12 files, so "shard_10" must sort after "shard_9" (zero padding)
        int rows = 23;
        int width = 3;
        float[] data = new float[rows * width];
        for (int i = 0; i < data.length; i++) data[i] = i;
        try (ShardWriter w = new ShardWriter(tmp, rows, 2)) {
            // out of order, and straddling shard boundaries, as length-sorted batches write them
            w.write(6, java.util.Arrays.copyOfRange(data, 6 * width, rows * width), rows - 6, width);
            w.write(5, java.util.Arrays.copyOfRange(data, 5 * width, 6 * width), 1, width);
            w.write(0, java.util.Arrays.copyOfRange(data, 0, 5 * width), 5, width);
            w.finish();
            assertThat(w.shardCount()).isEqualTo(12);
        }
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).startsWith("shard_00000.npy")
                    .endsWith("shard_00011.npy").hasSize(12);
        }
        NpyDataset ds = NpyDataset.open(tmp);
        float[] back = new float[data.length];
        ds.readRows(0, rows, back, 0);
        assertThat(back).containsExactly(data);
    }

    @Test
    void aRowWrittenTwiceOrMissingIsAnError(@TempDir Path tmp) throws Exception {
        try (ShardWriter w = new ShardWriter(tmp, 4, 2)) {
            w.write(0, new float[] {1, 2, 3, 4}, 2, 2);
            assertThatThrownBy(() -> w.write(1, new float[] {5, 6}, 1, 2)).hasMessageContaining("written twice");
            assertThatThrownBy(() -> w.write(3, new float[] {5, 6, 7, 8}, 2, 2)).hasMessageContaining("beyond");
            assertThatThrownBy(w::finish).hasMessageContaining("2 rows written, 4 counted");
        }
    }

    @Test
    void float16RefusesAValueBeyondItsRange(@TempDir Path tmp) throws Exception {
        try (ShardWriter w = new ShardWriter(tmp, 3, 2, true)) {
            w.write(0, new float[] {1, -65504}, 1, 2); // the largest half rounds to itself
            assertThatThrownBy(() -> w.write(1, new float[] {0.5f, 70000f}, 1, 2))
                    .hasMessageContaining("row 1 holds 70000.0, beyond float16's range");
        }
    }

    @Test
    void namesArePaddedToTheLargestIndex() {
        assertThat(ShardWriter.shardName(7, 5)).isEqualTo("shard_00007.npy");
        assertThat(new ShardWriter(Path.of("x"), 2_000_000, 1).shardCount()).isEqualTo(2_000_000);
        assertThat(ShardWriter.shardName(1_999_999, 7)).isEqualTo("shard_1999999.npy");
    }

    @Test
    void outputNamesBecomeDistinctDirectoryNames() {
        assertThat(ActivationExtractor.directoryNames(List.of("last_hidden_state", "/encoder/layer.3/out:0",
                "encoder_layer.3_out_0", "tokens.tsv", "///")).values())
                .containsExactly("last_hidden_state", "encoder_layer.3_out_0", "encoder_layer.3_out_0_2",
                        "tokens.tsv_2", "output");
    }
}
