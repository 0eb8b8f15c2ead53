package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.io.NpyDataset;

class ShardWriterTest {
    @Test
    void shardsReadBackInRowOrderWhateverTheirCount(@TempDir Path tmp) throws Exception {
        // 23 rows in 2-row shards: 12 files, so "shard_10" must sort after "shard_9" (zero padding)
        int rows = 23;
        int width = 3;
        float[] data = new float[rows * width];
        for (int i = 0; i < data.length; i++) data[i] = i;
        try (ShardWriter w = new ShardWriter(tmp, rows, 2)) {
            // appends that straddle shard boundaries
            w.append(java.util.Arrays.copyOfRange(data, 0, 5 * width), 5, width);
            w.append(java.util.Arrays.copyOfRange(data, 5 * width, 6 * width), 1, width);
            w.append(java.util.Arrays.copyOfRange(data, 6 * width, rows * width), rows - 6, width);
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
