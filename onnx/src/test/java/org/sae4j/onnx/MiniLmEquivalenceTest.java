package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.TokensTsv;

/**
 * The built-in model's last_hidden_state rows, mean-pooled and L2-normalised per document (special tokens kept),
 * reproduce langchain4j's own all-MiniLM-L6-v2 embedding: an independent tokenizer call, session and pooling.
 * Texts are short so neither side truncates; batch 3 with documents of different lengths exercises padding,
 * length sorting and the scatter back to document order.
 */
class MiniLmEquivalenceTest {
    static final List<String> TEXTS = List.of(
            "The cat sat on the mat.",
            "Sparse autoencoders find interpretable features in a transformer's residual stream.",
            "Hello!",
            "",
            "A much longer sentence, with punctuation; numbers like 42 and 3.14, and words such as"
                    + " unbelievably, tokenization and reanimation, which split into word pieces.",
            "Paris is the capital of France.",
            "One two three four five six seven eight nine ten eleven twelve.",
            "Ice cream.");

    @BeforeAll
    static void natives() throws Exception {
        TestSupport.configureNatives();
    }

    @Test
    void meanPooledRowsReproduceLangchain4jEmbeddings(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("texts.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        Path out = tmp.resolve("acts");
        ModelSource src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        ActivationExtractor.Summary s = ActivationExtractor.run(src, new ActivationExtractor.Options(text, out,
                List.of("last_hidden_state"), 128, 3, true, 7, 0, false), null);
        assertThat(s.documents()).isEqualTo(TEXTS.size() - 1);
        assertThat(s.emptyLines()).isEqualTo(1);
        assertThat(s.truncated()).isZero();

        NpyDataset rows = NpyDataset.open(out.resolve("last_hidden_state"));
        assertThat(rows.dim()).isEqualTo(384);
        assertThat(rows.rows()).isEqualTo(s.rows());
        List<TestSupport.Entry> entries = TestSupport.readTokens(out.resolve("tokens.tsv"));
        assertThat(entries).hasSize((int) rows.rows());

        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        float[] row = new float[384];
        for (int d = 0; d < TEXTS.size(); d++) {
            if (TEXTS.get(d).isBlank()) continue;
            double[] sum = new double[384];
            int n = 0;
            List<Integer> positions = new ArrayList<>();
            for (TestSupport.Entry e : entries) {
                if (e.document() != d) continue;
                rows.readRows(e.row(), 1, row, 0);
                for (int c = 0; c < 384; c++) sum[c] += row[c];
                positions.add(e.position());
                n++;
            }
            // keep-special: positions 0..n-1 in order, [CLS] first and [SEP] last
            for (int i = 0; i < positions.size(); i++) assertThat(positions.get(i)).isEqualTo(i);
            double norm = 0;
            for (int c = 0; c < 384; c++) {
                sum[c] /= n;
                norm += sum[c] * sum[c];
            }
            norm = Math.sqrt(norm);
            float[] expected = reference.embed(TEXTS.get(d)).content().vector();
            for (int c = 0; c < 384; c++) {
                assertThat(sum[c] / norm).as("document %d, component %d", d, c)
                        .isCloseTo(expected[c], org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }
}
