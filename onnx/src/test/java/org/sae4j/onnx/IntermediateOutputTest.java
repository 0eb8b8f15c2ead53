package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.TokensTsv;

/** Intermediate tensors: added as graph outputs, extracted row by row, checked against independent computations. */
class IntermediateOutputTest {
    static final String BLOCK4 = "/encoder/layer.4/output/LayerNorm/Add_1_output_0";
    static final String BLOCK2 = "/encoder/layer.2/output/LayerNorm/Add_1_output_0";
    static final List<String> TEXTS = List.of(
            "Block outputs are the residual stream.",
            "Short.",
            "The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.",
            "",
            "Sparse dictionaries of directions.",
            "Mid-length text about tokenizers and word pieces.");

    @BeforeAll
    static void natives() throws Exception {
        TestSupport.configureNatives();
    }

    /**
     * Block 5 recomputed in float64 from the extracted block-4 rows reproduces the extracted last_hidden_state rows
     * (which MiniLmEquivalenceTest ties to langchain4j): the intermediate rows are block 4's output of the same
     * tokens, whole documents, nothing shifted between the two outputs.
     */
    @Test
    void blockFiveOfBlockFourRowsGivesLastHiddenState(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        Path out = tmp.resolve("acts");
        ActivationExtractor.Summary s = ActivationExtractor.run(src, new ActivationExtractor.Options(text, out,
                List.of("last_hidden_state", BLOCK4), 128, 2, true, 5, 0, false), null);
        assertThat(s.outputs()).extracting(ActivationExtractor.OutputInfo::directory)
                .containsExactly("last_hidden_state", "encoder_layer.4_output_LayerNorm_Add_1_output_0");
        NpyDataset last = NpyDataset.open(out.resolve("last_hidden_state"));
        NpyDataset block4 = NpyDataset.open(out.resolve("encoder_layer.4_output_LayerNorm_Add_1_output_0"));
        assertThat(block4.rows()).isEqualTo(last.rows()).isEqualTo(s.rows());
        List<TestSupport.Entry> entries = TestSupport.readTokens(out.resolve("tokens.tsv"));
        assertThat(entries).hasSize((int) s.rows());

        OnnxGraph graph = OnnxGraph.parse(src.modelBytes(), src.model());
        BertBlockReference block5 = new BertBlockReference(src.modelBytes(), graph, 5, 12, 1e-12);
        double maxErr = 0;
        int docs = 0;
        for (int d = 0; d < TEXTS.size(); d++) {
            List<Long> rows = new ArrayList<>();
            for (TestSupport.Entry e : entries) if (e.document() == d) rows.add(e.row());
            if (TEXTS.get(d).isBlank()) {
                assertThat(rows).isEmpty();
                continue;
            }
            docs++;
            double[][] x = read(block4, rows);
            double[][] y = block5.apply(x);
            double[][] expected = read(last, rows);
            for (int i = 0; i < y.length; i++) {
                for (int c = 0; c < y[i].length; c++) maxErr = Math.max(maxErr, Math.abs(y[i][c] - expected[i][c]));
            }
        }
        assertThat(docs).isEqualTo(5);
        assertThat(maxErr).as("max |block5(block4 rows) - last_hidden_state rows|").isLessThan(2e-5);
    }

    /**
     * Each extracted row equals the tensor of a plain batch-of-one ORT run at the (document, position) tokens.tsv
     * names, and the token text there is the tokenizer's: no row is shifted, swapped or taken from padding.
     */
    @Test
    void rowsMatchASingleDocumentRunAtTheirPosition(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        Path out = tmp.resolve("acts");
        ActivationExtractor.run(src, new ActivationExtractor.Options(text, out, List.of(BLOCK2), 128, 4, false,
                3, 0, false), null);
        NpyDataset rows = NpyDataset.open(out.resolve("encoder_layer.2_output_LayerNorm_Add_1_output_0"));
        assertThat(rows.shards()).hasSizeGreaterThan(10); // 3-row shards: row order across many files
        List<TestSupport.Entry> entries = TestSupport.readTokens(out.resolve("tokens.tsv"));
        assertThat(entries).hasSize((int) rows.rows());

        OnnxGraph graph = OnnxGraph.parse(src.modelBytes(), src.model());
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] row = new float[384];
        try (TextTokenizer tok = new TextTokenizer(src.tokenizerBytes(), "tok", 128);
             OrtSession session = env.createSession(graph.withOutputs(src.modelBytes(), List.of(BLOCK2)),
                     new OrtSession.SessionOptions())) {
            long expectedRow = 0;
            for (int d = 0; d < TEXTS.size(); d++) {
                if (TEXTS.get(d).isBlank()) continue;
                TextTokenizer.Tokens t = tok.encode(TEXTS.get(d));
                long[] shape = {1, t.length()};
                long[] ones = new long[t.length()];
                java.util.Arrays.fill(ones, 1);
                float[][][] ref;
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(t.ids()), shape);
                     OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
                     OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(t.typeIds()), shape);
                     OrtSession.Result r = session.run(Map.of("input_ids", ids, "attention_mask", mask,
                             "token_type_ids", types), Set.of(BLOCK2))) {
                    ref = (float[][][]) r.get(0).getValue();
                }
                // [CLS] and [SEP] dropped: positions 1 .. length-2, in order
                for (int p = 1; p < t.length() - 1; p++) {
                    TestSupport.Entry e = entries.get((int) expectedRow);
                    assertThat(e.row()).isEqualTo(expectedRow);
                    assertThat(e.document()).isEqualTo(d);
                    assertThat(e.position()).isEqualTo(p);
                    assertThat(e.token()).isEqualTo(t.text()[p]);
                    rows.readRows(expectedRow, 1, row, 0);
                    for (int c = 0; c < 384; c++) {
                        assertThat((double) row[c]).as("row %d (doc %d pos %d) col %d", expectedRow, d, p, c)
                                .isCloseTo(ref[0][p][c], org.assertj.core.data.Offset.offset(1e-4));
                    }
                    expectedRow++;
                }
            }
            assertThat(expectedRow).isEqualTo(rows.rows());
        }
    }

    private static double[][] read(NpyDataset ds, List<Long> rows) {
        double[][] x = new double[rows.size()][ds.dim()];
        float[] buf = new float[ds.dim()];
        for (int i = 0; i < rows.size(); i++) {
            ds.readRows(rows.get(i), 1, buf, 0);
            for (int c = 0; c < buf.length; c++) x[i][c] = buf[c];
        }
        return x;
    }
}
