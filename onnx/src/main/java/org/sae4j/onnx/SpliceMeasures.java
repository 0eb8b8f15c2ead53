package org.sae4j.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Accumulates the downstream measures of a splice over batches, for the three spliced variants
 * ({@link SpliceEvaluator#VARIANTS}: SAE, zero, mean) against the clean output, over every real token (padding
 * excluded; special tokens included, since the replaced rows change them through attention).
 *
 * <ul>
 *   <li>Per-token outputs ({@link Kind#HIDDEN}): the mean over tokens of the cosine and of the relative L2 error
 *       {@code ‖y_spliced − y_clean‖ / ‖y_clean‖}; the sentence embedding as langchain4j computes it (the output
 *       mean-pooled over the document's tokens, special ones included, then L2-normalised), its mean cosine over
 *       documents, and retrieval agreement: the mean overlap of each document's {@value #NEIGHBOURS} nearest
 *       neighbours (cosine, itself excluded) under clean and spliced embeddings.</li>
 *   <li>Logits ({@link Kind#LOGITS}): at each position that has a next token, the next-token cross-entropy, and
 *       {@code KL(P_clean ‖ P_spliced)} summed over the vocabulary; both averaged over those positions.</li>
 * </ul>
 * Sums are in double.
 */
public final class SpliceMeasures {
    /** What the measured output is. */
    public enum Kind { HIDDEN, LOGITS }

    static final int NEIGHBOURS = 10;

    private final Kind kind;
    private final int variants;
    // HIDDEN
    private long tokens;
    private final double[] cosSum;
    private final double[] relSum;
    private final float[][] cleanEmb;
    private final float[][][] emb; // [variant][document]
    // LOGITS
    private long predicted;
    private double ceClean;
    private final double[] ceSum;
    private final double[] klSum;

    SpliceMeasures(Kind kind, int variants, int documents) {
        this.kind = kind;
        this.variants = variants;
        this.cosSum = new double[variants];
        this.relSum = new double[variants];
        this.ceSum = new double[variants];
        this.klSum = new double[variants];
        this.cleanEmb = kind == Kind.HIDDEN ? new float[documents][] : null;
        this.emb = kind == Kind.HIDDEN ? new float[variants][documents][] : null;
    }

    /**
     * One batch: {@code clean} and {@code spliced[v]} are {@code [batch, seq, width]} outputs; {@code docIndex[i]}
     * is batch row i's document number.
     */
    void observe(List<TextTokenizer.Tokens> docs, int[] docIndex, int seq, int width, float[] clean,
            float[][] spliced) {
        for (int i = 0; i < docs.size(); i++) {
            TextTokenizer.Tokens t = docs.get(i);
            if (kind == Kind.HIDDEN) {
                cleanEmb[docIndex[i]] = pooled(clean, i, seq, t.length(), width);
                for (int v = 0; v < variants; v++) emb[v][docIndex[i]] = pooled(spliced[v], i, seq, t.length(), width);
                for (int j = 0; j < t.length(); j++) {
                    int off = (i * seq + j) * width;
                    tokens++;
                    for (int v = 0; v < variants; v++) {
                        cosSum[v] += cosine(clean, off, spliced[v], off, width);
                        relSum[v] += relativeL2(clean, off, spliced[v], off, width);
                    }
                }
            } else {
                for (int j = 0; j + 1 < t.length(); j++) {
                    int off = (i * seq + j) * width;
                    int target = Math.toIntExact(t.ids()[j + 1]);
                    predicted++;
                    double[] logP = logSoftmax(clean, off, width);
                    ceClean -= logP[target];
                    for (int v = 0; v < variants; v++) {
                        double[] logQ = logSoftmax(spliced[v], off, width);
                        ceSum[v] -= logQ[target];
                        klSum[v] += kl(logP, logQ);
                    }
                }
            }
        }
    }

    /** Tokens (HIDDEN) or predicted positions (LOGITS) measured. */
    long count() {
        return kind == Kind.HIDDEN ? tokens : predicted;
    }

    /** The measures, in the order the table shows them; {@code knnK} gets the neighbour count used (0: none). */
    List<SpliceMeasure> finish(int[] knnK) {
        List<SpliceMeasure> out = new ArrayList<>();
        if (kind == Kind.HIDDEN) {
            double n = Math.max(tokens, 1);
            out.add(new SpliceMeasure("token_cosine", 1, cosSum[0] / n, cosSum[1] / n, cosSum[2] / n));
            out.add(new SpliceMeasure("token_relative_l2", 0, relSum[0] / n, relSum[1] / n, relSum[2] / n));
            double[] ec = new double[variants];
            int docs = cleanEmb.length;
            for (int v = 0; v < variants; v++) {
                for (int d = 0; d < docs; d++) ec[v] += cosine(cleanEmb[d], 0, emb[v][d], 0, cleanEmb[d].length);
                ec[v] /= Math.max(docs, 1);
            }
            out.add(new SpliceMeasure("embedding_cosine", 1, ec[0], ec[1], ec[2]));
            int k = Math.min(NEIGHBOURS, docs - 1);
            knnK[0] = Math.max(k, 0);
            if (k >= 1) {
                int[][] ref = neighbours(cleanEmb, k);
                double[] ov = new double[variants];
                for (int v = 0; v < variants; v++) ov[v] = overlap(ref, neighbours(emb[v], k), k);
                out.add(new SpliceMeasure("knn" + NEIGHBOURS + "_overlap", 1, ov[0], ov[1], ov[2]));
            }
        } else {
            double n = Math.max(predicted, 1);
            out.add(new SpliceMeasure("ce", ceClean / n, ceSum[0] / n, ceSum[1] / n, ceSum[2] / n));
            out.add(new SpliceMeasure("kl", 0, klSum[0] / n, klSum[1] / n, klSum[2] / n));
        }
        return out;
    }

    /** Mean over the document's tokens, L2-normalised (langchain4j's mean pooling, padding left out). */
    static float[] pooled(float[] y, int row, int seq, int len, int width) {
        double[] s = new double[width];
        for (int j = 0; j < len; j++) {
            int off = (row * seq + j) * width;
            for (int c = 0; c < width; c++) s[c] += y[off + c];
        }
        double norm = 0;
        for (int c = 0; c < width; c++) {
            s[c] /= len;
            norm += s[c] * s[c];
        }
        norm = Math.sqrt(norm);
        float[] e = new float[width];
        for (int c = 0; c < width; c++) e[c] = norm > 0 ? (float) (s[c] / norm) : 0f;
        return e;
    }

    /** 1 for two equal vectors (zero ones included), 0 when only one is zero. */
    static double cosine(float[] a, int ao, float[] b, int bo, int n) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        boolean same = true;
        for (int c = 0; c < n; c++) {
            double x = a[ao + c];
            double y = b[bo + c];
            dot += x * y;
            na += x * x;
            nb += y * y;
            same &= a[ao + c] == b[bo + c];
        }
        if (same) return 1;
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** {@code ‖s − c‖ / ‖c‖}; 0 when equal. */
    static double relativeL2(float[] c, int co, float[] s, int so, int n) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            double d = (double) s[so + i] - c[co + i];
            err += d * d;
            norm += (double) c[co + i] * c[co + i];
        }
        if (err == 0) return 0;
        return norm == 0 ? Double.POSITIVE_INFINITY : Math.sqrt(err / norm);
    }

    static double[] logSoftmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < n; c++) max = Math.max(max, logits[off + c]);
        double z = 0;
        for (int c = 0; c < n; c++) z += Math.exp(logits[off + c] - max);
        double lse = max + Math.log(z);
        double[] out = new double[n];
        for (int c = 0; c < n; c++) out[c] = logits[off + c] - lse;
        return out;
    }

    /** {@code KL(P ‖ Q) = Σ p (log p − log q)} from log-probabilities. */
    static double kl(double[] logP, double[] logQ) {
        double s = 0;
        for (int c = 0; c < logP.length; c++) {
            double p = Math.exp(logP[c]);
            if (p > 0) s += p * (logP[c] - logQ[c]);
        }
        return s;
    }

    /** Each vector's k most similar others (dot product of unit vectors), ties to the lower index. */
    static int[][] neighbours(float[][] e, int k) {
        int n = e.length;
        int[][] out = new int[n][];
        Integer[] order = new Integer[n];
        double[] sim = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int c = 0; c < e[i].length; c++) s += (double) e[i][c] * e[j][c];
                sim[j] = j == i ? Double.NEGATIVE_INFINITY : s;
                order[j] = j;
            }
            Arrays.sort(order, (a, b) -> sim[a] != sim[b] ? Double.compare(sim[b], sim[a]) : Integer.compare(a, b));
            out[i] = new int[k];
            for (int q = 0; q < k; q++) out[i][q] = order[q];
        }
        return out;
    }

    /** Mean over documents of |A ∩ B| / k. */
    static double overlap(int[][] a, int[][] b, int k) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            int shared = 0;
            for (int x : a[i]) {
                for (int y : b[i]) {
                    if (x == y) {
                        shared++;
                        break;
                    }
                }
            }
            s += shared / (double) k;
        }
        return a.length == 0 ? 0 : s / a.length;
    }
}
