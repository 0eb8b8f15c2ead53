package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * The splice on the built-in BERT model, cut after block 3: an exact reconstruction changes nothing, bit for bit;
 * the later blocks recomputed in float64 from the replaced rows give the spliced output; the evaluator's zero
 * baseline is a hand-zeroed run.
 */
class SpliceTest {
    static final String BLOCK3 = "/encoder/layer.3/output/LayerNorm/Add_1_output_0";
    static final List<String> TEXTS = List.of(
            "Splicing the reconstruction back into the model.",
            "Short.",
            "The quick brown fox jumps over the lazy dog while the cat watches from the warm windowsill.",
            "Sparse dictionaries of directions in the residual stream.",
            "Do my nearest neighbours survive the autoencoder?");

    static ModelSource src;
    static OnnxGraph graph;

    @BeforeAll
    static void natives() throws Exception {
        TestSupport.configureNatives();
        src = ModelSource.resolve(ModelSource.BUILTIN_MINILM, null);
        graph = OnnxGraph.parse(src.modelBytes(), src.model());
    }

    /** W_enc = [I; −I], W_dec = [I; −I], ReLU: relu(x) − relu(−x) = x exactly, in float too. */
    static Sae exact(int d) {
        float[] w = new float[2 * d * d];
        for (int i = 0; i < d; i++) {
            w[i * d + i] = 1f;
            w[(d + i) * d + i] = -1f;
        }
        return Sae.of(SaeConfig.relu(d, 2 * d), w, new float[2 * d], w.clone(), new float[d], null);
    }

    /** A ReLU SAE with seeded random weights: a visibly imperfect reconstruction. */
    static Sae random(int d, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] we = new float[n * d];
        float[] wd = new float[n * d];
        for (int i = 0; i < n * d; i++) {
            we[i] = (float) (r.nextGaussian() / Math.sqrt(d));
            wd[i] = (float) (r.nextGaussian() / Math.sqrt(n));
        }
        return Sae.of(SaeConfig.relu(d, n), we, new float[n], wd, new float[d], null);
    }

    private static List<TextTokenizer.Tokens> tokens(List<String> texts) throws Exception {
        try (TextTokenizer tok = new TextTokenizer(src.tokenizerBytes(), "tok", 128)) {
            List<TextTokenizer.Tokens> out = new ArrayList<>();
            for (String t : texts) out.add(tok.encode(t));
            return out;
        }
    }

    @Test
    void cutModelFedTheCleanHookIsBitEqualToTheCleanRun() throws Exception {
        List<TextTokenizer.Tokens> docs = tokens(TEXTS); // one padded batch of different lengths
        try (Splicer s = new Splicer(src, graph, BLOCK3, "last_hidden_state", 0)) {
            Splicer.Clean c = s.clean(docs);
            assertThat(c.hookWidth()).isEqualTo(384);
            float[] spliced = s.spliced(docs, c.hook().clone(), c.hookWidth());
            assertThat(spliced).isEqualTo(c.out());
        }
    }

    @Test
    void anExactSaeHasFidelityOne(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        Path dir = tmp.resolve("exact");
        Checkpoint.save(dir, exact(384), null);
        SpliceEvaluator.Result r;
        try (KernelPool pool = new KernelPool(1)) {
            r = SpliceEvaluator.run(src, graph, new SpliceEvaluator.Options(text, BLOCK3, "last_hidden_state", 128,
                    2, false, 0), new SaeReconstruction(ModelFormats.load(dir), pool), null);
        }
        assertThat(r.hookMse()).isZero();
        assertThat(r.measures()).extracting(SpliceMeasure::name)
                .containsExactly("token_cosine", "token_relative_l2", "embedding_cosine", "knn10_overlap");
        assertThat(r.neighbours()).isEqualTo(TEXTS.size() - 1);
        for (SpliceMeasure m : r.measures()) {
            assertThat(m.sae()).as(m.name()).isEqualTo(m.clean());
            if (m.name().startsWith("knn")) continue; // 5 documents: each one's 4 neighbours are all the others
            assertThat(m.zero()).as(m.name()).isNotEqualTo(m.clean());
            assertThat(m.recoveredVsZero()).as(m.name()).isEqualTo(1.0);
            assertThat(m.recoveredVsMean()).as(m.name()).isEqualTo(1.0);
        }
        assertThat(r.measure("knn10_overlap").recoveredVsZero()).isNaN(); // nothing to recover: reported as null
        long special = 2L * TEXTS.size(); // [CLS] and [SEP] of each: kept clean
        assertThat(r.splicedRows()).isEqualTo(r.tokens() - special);
    }

    /**
     * Blocks 4 and 5 in float64 ({@link BertBlockReference}) applied to block 3's rows with the non-special rows
     * replaced, by an SAE's reconstruction and by zeros, reproduce the cut model's last_hidden_state.
     */
    @Test
    void laterBlocksInFloat64OfTheReplacedRowsGiveTheSplicedOutput() throws Exception {
        BertBlockReference b4 = new BertBlockReference(src.modelBytes(), graph, 4, 12, 1e-12);
        BertBlockReference b5 = new BertBlockReference(src.modelBytes(), graph, 5, 12, 1e-12);
        Sae sae = random(384, 512, 23);
        SaeReconstruction rec;
        try (KernelPool pool = new KernelPool(1); Splicer s = new Splicer(src, graph, BLOCK3, "last_hidden_state", 0)) {
            rec = new SaeReconstruction(new org.sae4j.formats.LoadedModel(sae, null, org.sae4j.formats.Format.SAE4J,
                    Path.of(".")), pool);
            double maxSae = 0;
            double maxZero = 0;
            for (TextTokenizer.Tokens t : tokens(TEXTS)) {
                List<TextTokenizer.Tokens> one = List.of(t);
                Splicer.Clean c = s.clean(one);
                int n = t.length();
                float[] xhat = new float[n * 384];
                rec.apply(c.hook(), n, xhat);
                float[] withSae = c.hook().clone();
                float[] zeroed = c.hook().clone();
                for (int j = 0; j < n; j++) {
                    if (t.special()[j]) continue;
                    System.arraycopy(xhat, j * 384, withSae, j * 384, 384);
                    java.util.Arrays.fill(zeroed, j * 384, (j + 1) * 384, 0f);
                }
                maxSae = Math.max(maxSae, maxDiff(b5.apply(b4.apply(rows(withSae, n))),
                        s.spliced(one, withSae, 384)));
                maxZero = Math.max(maxZero, maxDiff(b5.apply(b4.apply(rows(zeroed, n))), s.spliced(one, zeroed, 384)));
            }
            assertThat(maxSae).as("SAE splice: max |float64 blocks 4-5 − ONNX|").isLessThan(1e-5);
            assertThat(maxZero).as("zero ablation: max |float64 blocks 4-5 − ONNX|").isLessThan(1e-5);
        }
    }

    /** The evaluator's zero baseline equals runs with the hook rows zeroed by hand, one document at a time. */
    @Test
    void zeroBaselineIsAHandZeroedRun(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        SpliceEvaluator.Replacement identity = new SpliceEvaluator.Replacement() {
            public int width() {
                return 384;
            }

            public void apply(float[] x, int rows, float[] out) {
                System.arraycopy(x, 0, out, 0, rows * 384);
            }
        };
        SpliceEvaluator.Result r = SpliceEvaluator.run(src, graph, new SpliceEvaluator.Options(text, BLOCK3,
                "last_hidden_state", 128, 3, false, 0), identity, null);
        double cos = 0;
        double rel = 0;
        long tokens = 0;
        try (Splicer s = new Splicer(src, graph, BLOCK3, "last_hidden_state", 0)) {
            for (TextTokenizer.Tokens t : tokens(TEXTS)) {
                List<TextTokenizer.Tokens> one = List.of(t);
                Splicer.Clean c = s.clean(one);
                float[] zeroed = c.hook().clone();
                for (int j = 0; j < t.length(); j++) {
                    if (!t.special()[j]) java.util.Arrays.fill(zeroed, j * 384, (j + 1) * 384, 0f);
                }
                float[] y = s.spliced(one, zeroed, 384);
                for (int j = 0; j < t.length(); j++) {
                    double dot = 0, nc = 0, ny = 0, err = 0;
                    for (int q = 0; q < 384; q++) {
                        double a = c.out()[j * 384 + q];
                        double b = y[j * 384 + q];
                        dot += a * b;
                        nc += a * a;
                        ny += b * b;
                        err += (a - b) * (a - b);
                    }
                    cos += dot / Math.sqrt(nc * ny);
                    rel += Math.sqrt(err / nc);
                    tokens++;
                }
            }
        }
        assertThat(r.measure("token_cosine").zero()).isCloseTo(cos / tokens, Offset.offset(1e-6));
        assertThat(r.measure("token_relative_l2").zero()).isCloseTo(rel / tokens, Offset.offset(1e-6));
        assertThat(r.measure("token_cosine").sae()).isEqualTo(1.0); // identity: no change at all
    }

    private static double[][] rows(float[] v, int n) {
        double[][] x = new double[n][384];
        for (int i = 0; i < n; i++) for (int c = 0; c < 384; c++) x[i][c] = v[i * 384 + c];
        return x;
    }

    private static double maxDiff(double[][] ref, float[] got) {
        double m = 0;
        for (int i = 0; i < ref.length; i++) {
            for (int c = 0; c < ref[i].length; c++) m = Math.max(m, Math.abs(ref[i][c] - got[i * 384 + c]));
        }
        return m;
    }
}
