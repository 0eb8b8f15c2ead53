package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;

/**
 * The extractor's length-sorted batches, windows and scattered shard writes give, bit for bit, the rows of the
 * plainest possible extraction: each document alone through the model, in file order.
 */
class ActivationExtractorTest {
    static final String[] WORDS = {"river", "stone", "the", "a", "sparse", "feature", "quickly", "unbelievably",
            "42", "reanimation", ",", ".", "Paris", "autoencoder", "of", "light", "tokenization", "cat"};

    @BeforeAll
    static void natives() throws Exception {
        TestSupport.configureNatives();
    }

    /** {@code n} documents of 1 to 60 words (some lines blank), seeded. */
    static List<String> documents(int n, long seed) {
        Random r = new Random(seed);
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (r.nextInt(40) == 0) {
                docs.add("   ");
                continue;
            }
            StringBuilder b = new StringBuilder();
            int words = 1 + r.nextInt(r.nextBoolean() ? 8 : 60);
            for (int w = 0; w < words; w++) b.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(b.toString());
        }
        return docs;
    }

    @Test
    void sortedBatchedWindowedRowsEqualEachDocumentRunAlone(@TempDir Path tmp) throws Exception {
        // 300 lines: at batch 1 three windows of 128 documents, at batch 7 one; 50-row shards, so documents
        // straddle shard boundaries; max-tokens 40 truncates the long ones.
        List<String> docs = documents(300, 7);
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", docs) + "\n");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        OnnxGraph graph = OnnxGraph.parse(src.modelBytes(), src.model());
        String block = HookNames.resolve(graph, "blocks.1.hook_resid_post", "test");
        List<String> outs = List.of("last_hidden_state", block);
        for (boolean keepSpecial : new boolean[] {false, true}) {
            float[][] expected = oneByOne(src, graph, outs, docs, keepSpecial);
            for (int batch : new int[] {1, 7}) {
                Path out = tmp.resolve("acts-" + batch + "-" + keepSpecial);
                ActivationExtractor.Summary s = ActivationExtractor.run(src, graph, new ActivationExtractor.Options(
                        text, out, outs, 40, batch, keepSpecial, 50, 2, false), null);
                assertThat(s.truncated()).isPositive();
                for (int q = 0; q < outs.size(); q++) {
                    NpyDataset ds = NpyDataset.open(out.resolve(s.outputs().get(q).directory()));
                    assertThat(ds.rows() * 384).isEqualTo(expected[q].length);
                    float[] back = new float[expected[q].length];
                    ds.readRows(0, (int) ds.rows(), back, 0);
                    // Arrays.mismatch, not containsExactly: AssertJ's diff of 10^5 floats takes minutes
                    int at = java.util.Arrays.mismatch(back, expected[q]);
                    assertThat(at).as("%s at batch %d, keep-special %s: first differing float (row %d)",
                            outs.get(q), batch, keepSpecial, at / 384).isEqualTo(-1);
                }
                List<TestSupport.Entry> tokens = TestSupport.readTokens(out.resolve("tokens.tsv"));
                assertThat(tokens).hasSize(expected[0].length / 384);
                for (int i = 0; i < tokens.size(); i++) assertThat(tokens.get(i).row()).isEqualTo(i);
            }
        }
    }

    @Test
    void float16RowsAreTheFloat32RowsRoundedToNearest(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", documents(40, 11)) + "\n");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        OnnxGraph graph = OnnxGraph.parse(src.modelBytes(), src.model());
        List<String> outs = List.of("last_hidden_state");
        ActivationExtractor.run(src, graph, new ActivationExtractor.Options(text, tmp.resolve("f32"), outs, 64, 5,
                false, 100, 2, false, "float32"), null);
        ActivationExtractor.run(src, graph, new ActivationExtractor.Options(text, tmp.resolve("f16"), outs, 64, 5,
                false, 100, 2, false, "float16"), null);
        NpyDataset f32 = NpyDataset.open(tmp.resolve("f32/last_hidden_state"));
        NpyDataset f16 = NpyDataset.open(tmp.resolve("f16/last_hidden_state"));
        assertThat(f16.rows()).isEqualTo(f32.rows());
        float[] a = new float[(int) f32.rows() * 384];
        float[] b = new float[a.length];
        f32.readRows(0, (int) f32.rows(), a, 0);
        f16.readRows(0, (int) f16.rows(), b, 0);
        for (int i = 0; i < a.length; i++) a[i] = Float.float16ToFloat(Float.floatToFloat16(a[i]));
        assertThat(java.util.Arrays.mismatch(a, b)).isEqualTo(-1);
        try (var shards = Files.list(tmp.resolve("f16/last_hidden_state"))) {
            Path first = shards.sorted().findFirst().orElseThrow();
            assertThat(new String(Files.readAllBytes(first), 0, 60, java.nio.charset.StandardCharsets.US_ASCII))
                    .contains("'descr': '<f2'");
            // half the bytes of the float32 shard, header aside
            long f32Bytes = Files.size(tmp.resolve("f32/last_hidden_state").resolve(first.getFileName()));
            assertThat(Files.size(first) - 128).isEqualTo((f32Bytes - 128) / 2);
        }
        assertThat(Files.readString(tmp.resolve("f16/activations.json"))).contains("\"dtype\": \"float16\"");
    }

    @Test
    void windowsCoverLongDocumentsWithEachTokenOnceFromItsFirstWindow(@TempDir Path tmp) throws Exception {
        List<String> docs = new ArrayList<>();
        Random r = new Random(5);
        for (int i = 0; i < 12; i++) {
            StringBuilder b = new StringBuilder();
            int words = i % 3 == 0 ? 5 : 40 + r.nextInt(40); // some fit one window, most need several
            for (int w = 0; w < words; w++) b.append(w == 0 ? "" : " ").append(WORDS[r.nextInt(WORDS.length)]);
            docs.add(b.toString());
        }
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", docs) + "\n");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        OnnxGraph graph = OnnxGraph.parse(src.modelBytes(), src.model());
        List<String> outs = List.of("last_hidden_state");
        for (int stride : new int[] {0, 9}) {
            Path out = tmp.resolve("w" + stride);
            ActivationExtractor.Summary s = ActivationExtractor.run(src, graph, new ActivationExtractor.Options(text,
                    out, outs, 128, 4, false, 100, 2, false, "float32", 24, stride), null);
            assertThat(s.truncated()).isZero();
            assertThat(s.windows()).isGreaterThan(s.documents());
            // Each document's rows are its whole tokenization, each token once and in order.
            List<TestSupport.Entry> tokens = TestSupport.readTokens(out.resolve("tokens.tsv"));
            List<Integer> windows = new ArrayList<>();
            try (var rd = org.sae4j.data.TokensTsv.reader(out.resolve("tokens.tsv"))) {
                while (rd.next()) windows.add(rd.window());
            }
            float[] expected;
            List<Float> rows = new ArrayList<>();
            try (TextTokenizer whole = new TextTokenizer(src.tokenizerBytes(), src.tokenizer(), 100_000);
                 TextTokenizer cut = new TextTokenizer(src.tokenizerBytes(), src.tokenizer(), 24,
                         stride == 0 ? Integer.MAX_VALUE : stride);
                 OnnxRunner runner = new OnnxRunner(src, graph, outs, 1)) {
                int row = 0;
                for (int d = 0; d < docs.size(); d++) {
                    TextTokenizer.Tokens full = whole.encode(docs.get(d));
                    int lastWindow = -1;
                    for (int j = 0; j < full.length(); j++) {
                        if (full.special()[j]) continue;
                        TestSupport.Entry e = tokens.get(row);
                        assertThat(e.document()).isEqualTo(d);
                        assertThat(e.token()).isEqualTo(full.text()[j]);
                        assertThat(windows.get(row)).isGreaterThanOrEqualTo(lastWindow);
                        lastWindow = windows.get(row);
                        row++;
                    }
                    // The rows' values: each window alone through the model, its emitted tokens.
                    for (TextTokenizer.Tokens w : cut.encodeWindows(docs.get(d), "test")) {
                        assertThat(w.length()).isLessThanOrEqualTo(24);
                        OnnxRunner.Batch b = runner.run(List.of(w));
                        for (int j = 0; j < w.length(); j++) {
                            if (!w.emits(j, false)) continue;
                            for (int c = 0; c < 384; c++) rows.add(b.values()[0][j * 384 + c]);
                        }
                    }
                }
                assertThat(row).isEqualTo(tokens.size());
            }
            expected = new float[rows.size()];
            for (int i = 0; i < expected.length; i++) expected[i] = rows.get(i);
            NpyDataset ds = NpyDataset.open(out.resolve("last_hidden_state"));
            float[] back = new float[(int) ds.rows() * 384];
            ds.readRows(0, (int) ds.rows(), back, 0);
            assertThat(java.util.Arrays.mismatch(back, expected)).as("stride %d", stride).isEqualTo(-1);
            assertThat(Files.readString(out.resolve("activations.json"))).contains("\"window\": 24")
                    .contains("\"max_tokens\": 24");
            assertThat(windows.stream().mapToInt(Integer::intValue).max().orElse(0)).isPositive();
        }
    }

    /** Each non-blank document alone through the model, rows appended in file order. */
    private static float[][] oneByOne(ModelSource src, OnnxGraph graph, List<String> outs, List<String> docs,
            boolean keepSpecial) throws Exception {
        List<List<Float>> rows = new ArrayList<>();
        for (int q = 0; q < outs.size(); q++) rows.add(new ArrayList<>());
        try (TextTokenizer tok = new TextTokenizer(src.tokenizerBytes(), src.tokenizer(), 40);
             OnnxRunner runner = new OnnxRunner(src, graph, outs, 1)) {
            for (String d : docs) {
                if (d.isBlank()) continue;
                TextTokenizer.Tokens t = tok.encode(d);
                OnnxRunner.Batch b = runner.run(List.of(t));
                for (int q = 0; q < outs.size(); q++) {
                    for (int j = 0; j < t.length(); j++) {
                        if (!keepSpecial && t.special()[j]) continue;
                        for (int c = 0; c < 384; c++) rows.get(q).add(b.values()[q][j * 384 + c]);
                    }
                }
            }
        }
        float[][] all = new float[outs.size()][];
        for (int q = 0; q < outs.size(); q++) {
            all[q] = new float[rows.get(q).size()];
            for (int i = 0; i < all[q].length; i++) all[q][i] = rows.get(q).get(i);
        }
        return all;
    }
}
