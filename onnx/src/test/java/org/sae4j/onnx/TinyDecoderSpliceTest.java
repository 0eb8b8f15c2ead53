package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * The logits path on the tiny random decoder of {@code tiny-decoder/} (made by its make_tiny_decoder.py): causal
 * attention, no token_type_ids. CE and KL of every variant equal a direct computation from logits of plain ONNX
 * Runtime sessions: the uncut model for clean logits and the hook, and PyTorch's own export of the model's tail
 * (blocks 1.. from block 0's output) fed the hand-replaced hook rows.
 */
class TinyDecoderSpliceTest {
    /** Block 0's residual output (Add_1 is inside its GELU): block 1's first LayerNorm and residual Add read it. */
    static final String HOOK = "/blocks.0/Add_2_output_0";
    static final int D = 16;
    /** make_tiny_decoder.py's three special tokens and 36 words. */
    static final int VOCAB = 39;
    static final List<String> TEXTS = List.of(
            "the cat sat on the mat .",
            "a big red dog ran to the sun",
            "she saw it",
            "",
            "they ran from the small blue moon , and we saw the cat under the rug !",
            "he is big");

    static Path dir;
    static ModelSource src;
    static OnnxGraph graph;

    @BeforeAll
    static void natives() throws Exception {
        TestSupport.configureNatives();
        dir = Path.of(TinyDecoderSpliceTest.class.getResource("/tiny-decoder/tiny-decoder.onnx").toURI()).getParent();
        src = ModelSource.resolve(dir.resolve("tiny-decoder.onnx").toString(), dir.resolve("tokenizer.json").toString());
        graph = OnnxGraph.parse(src.modelBytes(), src.model());
    }

    @Test
    void theHookIsBlockZerosOutputAndActivationsExtractIt(@TempDir Path tmp) throws Exception {
        assertThat(graph.feedInputs()).containsExactly("input_ids", "attention_mask");
        assertThat(graph.consumers(HOOK)).extracting(OnnxGraph.Node::name)
                .anyMatch(n -> n.startsWith("/blocks.1/ln1/"));
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        ActivationExtractor.Summary s = ActivationExtractor.run(src, new ActivationExtractor.Options(text,
                tmp.resolve("acts"), List.of(HOOK, "logits"), 64, 2, false, 100, 0, false), null);
        assertThat(s.rows()).isEqualTo(s.tokens() - s.documents()); // <bos> of each document dropped
        try (NpyDataset h = NpyDataset.open(tmp.resolve("acts").resolve(s.outputs().get(0).directory()));
             NpyDataset l = NpyDataset.open(tmp.resolve("acts/logits"))) {
            assertThat(h.dim()).isEqualTo(D);
            assertThat(l.dim()).isEqualTo(VOCAB);
            assertThat(h.rows()).isEqualTo(s.rows());
        }
    }

    /**
     * The same weights exported with a key/value cache (past_key_values.L.key/value inputs): fed an empty cache, the
     * logits rows are those of the export without one.
     */
    @Test
    void anExportWithPastKeyValuesRunsWithAnEmptyCache(@TempDir Path tmp) throws Exception {
        ModelSource past = ModelSource.resolve(dir.resolve("tiny-decoder-with-past.onnx").toString(),
                dir.resolve("tokenizer.json").toString());
        assertThat(OnnxGraph.parse(past.modelBytes(), past.model()).feedInputs())
                .contains("past_key_values.0.key", "past_key_values.1.value");
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        ActivationExtractor.run(past, new ActivationExtractor.Options(text, tmp.resolve("with"), List.of("logits"),
                64, 3, true, 100, 0, false), null);
        ActivationExtractor.run(src, new ActivationExtractor.Options(text, tmp.resolve("without"), List.of("logits"),
                64, 3, true, 100, 0, false), null);
        try (NpyDataset a = NpyDataset.open(tmp.resolve("with/logits"));
             NpyDataset b = NpyDataset.open(tmp.resolve("without/logits"))) {
            assertThat(a.rows()).isEqualTo(b.rows());
            float[] ra = new float[VOCAB];
            float[] rb = new float[VOCAB];
            for (long r = 0; r < a.rows(); r++) {
                a.readRows(r, 1, ra, 0);
                b.readRows(r, 1, rb, 0);
                for (int c = 0; c < VOCAB; c++) {
                    assertThat((double) ra[c]).as("row %d col %d", r, c).isCloseTo(rb[c], Offset.offset(1e-4));
                }
            }
        }
    }

    @Test
    void ceAndKlEqualADirectComputationFromLogits(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, String.join("\n", TEXTS) + "\n");
        Sae sae = SpliceTest.random(D, 32, 5);
        float[] mu = new float[D];
        float[] sd = new float[D];
        for (int i = 0; i < D; i++) {
            mu[i] = 0.1f * i - 0.5f;
            sd[i] = 0.5f + 0.1f * i;
        }
        Standardizer std = Standardizer.perFeature(mu, sd);
        Path model = tmp.resolve("sae");
        Checkpoint.save(model, sae, std);
        SpliceEvaluator.Result r;
        try (KernelPool pool = new KernelPool(1)) {
            r = SpliceEvaluator.run(src, graph, new SpliceEvaluator.Options(text, HOOK, "logits", 64, 2, false, 0),
                    new SaeReconstruction(ModelFormats.load(model), pool), null);
        }
        assertThat(r.kind()).isEqualTo(SpliceMeasures.Kind.LOGITS);

        // Direct: batch-of-one sessions, x̂ from Sae.forward in standardised space, sums written out here.
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<TextTokenizer.Tokens> docs = new ArrayList<>();
        try (TextTokenizer tok = new TextTokenizer(src.tokenizerBytes(), "tok", 64)) {
            for (String t : TEXTS) if (!t.isBlank()) docs.add(tok.encode(t));
        }
        List<float[][]> hooks = new ArrayList<>();
        List<float[][]> clean = new ArrayList<>();
        try (OrtSession full = env.createSession(graph.withOutputs(src.modelBytes(), List.of(HOOK)),
                new OrtSession.SessionOptions())) {
            for (TextTokenizer.Tokens t : docs) {
                long[] shape = {1, t.length()};
                try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(t.ids()), shape);
                     OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones(t.length())), shape);
                     OrtSession.Result out = full.run(Map.of("input_ids", ids, "attention_mask", mask),
                             Set.of(HOOK, "logits"))) {
                    hooks.add(((float[][][]) out.get(HOOK).orElseThrow().getValue())[0]);
                    clean.add(((float[][][]) out.get("logits").orElseThrow().getValue())[0]);
                }
            }
        }
        double[] mean = new double[D];
        long rows = 0;
        for (float[][] h : hooks) {
            for (int j = 1; j < h.length; j++) { // position 0 is <bos>: kept clean
                for (int c = 0; c < D; c++) mean[c] += h[j][c];
                rows++;
            }
        }
        for (int c = 0; c < D; c++) mean[c] /= rows;
        assertThat(r.splicedRows()).isEqualTo(rows);

        double ceClean = 0;
        double[] ce = new double[3];
        double[] kl = new double[3];
        long positions = 0;
        try (OrtSession tail = env.createSession(dir.resolve("tiny-decoder-tail.onnx").toString(),
                new OrtSession.SessionOptions())) {
            for (int d = 0; d < docs.size(); d++) {
                TextTokenizer.Tokens t = docs.get(d);
                float[][] h = hooks.get(d);
                int n = h.length;
                float[][][] variants = new float[3][n][];
                for (int j = 0; j < n; j++) {
                    if (j == 0) {
                        for (int v = 0; v < 3; v++) variants[v][0] = h[0];
                        continue;
                    }
                    float[] x = h[j].clone();
                    std.apply(x, 0, 1);
                    float[] xhat = sae.forward(x, 1).reconstruction();
                    std.invert(xhat, 0, 1);
                    variants[0][j] = xhat;
                    variants[1][j] = new float[D];
                    variants[2][j] = new float[D];
                    for (int c = 0; c < D; c++) variants[2][j][c] = (float) mean[c];
                }
                float[][][] logits = new float[3][][];
                for (int v = 0; v < 3; v++) logits[v] = runTail(env, tail, variants[v]);
                for (int j = 0; j + 1 < n; j++) {
                    int target = (int) t.ids()[j + 1];
                    double[] lp = logSoftmax(clean.get(d)[j]);
                    ceClean -= lp[target];
                    for (int v = 0; v < 3; v++) {
                        double[] lq = logSoftmax(logits[v][j]);
                        ce[v] -= lq[target];
                        for (int c = 0; c < lp.length; c++) kl[v] += Math.exp(lp[c]) * (lp[c] - lq[c]);
                    }
                    positions++;
                }
            }
        }
        assertThat(r.measuredPositions()).isEqualTo(positions);
        SpliceMeasure mce = r.measure("ce");
        SpliceMeasure mkl = r.measure("kl");
        Offset<Double> tol = Offset.offset(1e-5);
        assertThat(mce.clean()).isCloseTo(ceClean / positions, tol);
        assertThat(mce.sae()).isCloseTo(ce[0] / positions, tol);
        assertThat(mce.zero()).isCloseTo(ce[1] / positions, tol);
        assertThat(mce.mean()).isCloseTo(ce[2] / positions, tol);
        assertThat(mkl.clean()).isZero();
        assertThat(mkl.sae()).isCloseTo(kl[0] / positions, tol);
        assertThat(mkl.zero()).isCloseTo(kl[1] / positions, tol);
        assertThat(mkl.mean()).isCloseTo(kl[2] / positions, tol);
        assertThat(mkl.zero()).isGreaterThan(0.01); // the ablation visibly moves this model
        double ceScore = (ce[1] - ce[0]) / (ce[1] - ceClean);
        double klScore = (kl[1] - kl[0]) / kl[1];
        assertThat(mce.recoveredVsZero()).isCloseTo(ceScore, Offset.offset(1e-4));
        assertThat(mkl.recoveredVsZero()).isCloseTo(klScore, Offset.offset(1e-4));
        assertThat(SpliceEvaluator.toJson(src, new SpliceEvaluator.Options(text, HOOK, "logits", 64, 2, false, 0), r))
                .containsKeys("ce_loss_score", "kl_score");
    }

    private static float[][] runTail(OrtEnvironment env, OrtSession tail, float[][] hidden) throws Exception {
        int n = hidden.length;
        float[] flat = new float[n * D];
        for (int j = 0; j < n; j++) System.arraycopy(hidden[j], 0, flat, j * D, D);
        try (OnnxTensor h = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), new long[] {1, n, D});
             OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(ones(n)), new long[] {1, n});
             OrtSession.Result out = tail.run(Map.of("hidden", h, "attention_mask", mask))) {
            return ((float[][][]) out.get(0).getValue())[0];
        }
    }

    private static long[] ones(int n) {
        long[] a = new long[n];
        Arrays.fill(a, 1);
        return a;
    }

    private static double[] logSoftmax(float[] l) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) max = Math.max(max, v);
        double z = 0;
        for (float v : l) z += Math.exp(v - max);
        double lse = max + Math.log(z);
        double[] out = new double[l.length];
        for (int c = 0; c < l.length; c++) out[c] = l[c] - lse;
        return out;
    }
}
