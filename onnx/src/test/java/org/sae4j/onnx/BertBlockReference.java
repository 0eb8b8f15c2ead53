package org.sae4j.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One BERT encoder block in float64, with its weights read straight from the ONNX graph's initializers (located
 * through the nodes that use them): an independent computation of "block L+1 applied to block L's output" for a
 * single unpadded sequence. Written from the BERT definition (post-LN, exact-erf GELU), not from the graph's ops.
 */
final class BertBlockReference {
    private final int d;
    private final int heads;
    private final double eps;
    private final float[] wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, wi, bi, wo2, bo2, g2, b2;
    private final int inner;

    /** Reads block {@code layer}'s weights from a Hugging Face BERT export (node names /encoder/layer.L/...). */
    BertBlockReference(byte[] model, OnnxGraph graph, int layer, int heads, double eps) throws IOException {
        String p = "/encoder/layer." + layer + "/";
        Map<String, String> want = new HashMap<>();
        want.put("wq", weight(graph, p + "attention/self/query/MatMul"));
        want.put("bq", weight(graph, p + "attention/self/query/Add"));
        want.put("wk", weight(graph, p + "attention/self/key/MatMul"));
        want.put("bk", weight(graph, p + "attention/self/key/Add"));
        want.put("wv", weight(graph, p + "attention/self/value/MatMul"));
        want.put("bv", weight(graph, p + "attention/self/value/Add"));
        want.put("wo", weight(graph, p + "attention/output/dense/MatMul"));
        want.put("bo", weight(graph, p + "attention/output/dense/Add"));
        want.put("g1", weight(graph, p + "attention/output/LayerNorm/Mul"));
        want.put("b1", weight(graph, p + "attention/output/LayerNorm/Add_1"));
        want.put("wi", weight(graph, p + "intermediate/dense/MatMul"));
        want.put("bi", weight(graph, p + "intermediate/dense/Add"));
        want.put("wo2", weight(graph, p + "output/dense/MatMul"));
        want.put("bo2", weight(graph, p + "output/dense/Add"));
        want.put("g2", weight(graph, p + "output/LayerNorm/Mul"));
        want.put("b2", weight(graph, p + "output/LayerNorm/Add_1"));
        Map<String, float[]> t = initializers(model, new HashSet<>(want.values()));
        wq = t.get(want.get("wq")); bq = t.get(want.get("bq"));
        wk = t.get(want.get("wk")); bk = t.get(want.get("bk"));
        wv = t.get(want.get("wv")); bv = t.get(want.get("bv"));
        wo = t.get(want.get("wo")); bo = t.get(want.get("bo"));
        g1 = t.get(want.get("g1")); b1 = t.get(want.get("b1"));
        wi = t.get(want.get("wi")); bi = t.get(want.get("bi"));
        wo2 = t.get(want.get("wo2")); bo2 = t.get(want.get("bo2"));
        g2 = t.get(want.get("g2")); b2 = t.get(want.get("b2"));
        this.d = bq.length;
        this.inner = bi.length;
        this.heads = heads;
        this.eps = eps;
    }

    /** The initializer operand of the named node (the one input that is not computed by another node). */
    private static String weight(OnnxGraph graph, String nodeName) {
        for (OnnxGraph.Node n : graph.nodes()) {
            if (!n.name().equals(nodeName)) continue;
            for (String in : n.inputs()) {
                if (!graph.isComputed(in) && !graph.feedInputs().contains(in)) return in;
            }
        }
        throw new IllegalStateException("no node " + nodeName + " with an initializer input");
    }

    /** Applies the block to {@code x} ({@code t × d}, row-major), returning {@code t × d}. */
    double[][] apply(double[][] x) {
        int t = x.length;
        int dh = d / heads;
        double[][] q = affine(x, wq, bq, d);
        double[][] k = affine(x, wk, bk, d);
        double[][] v = affine(x, wv, bv, d);
        double[][] ctx = new double[t][d];
        double scale = 1 / Math.sqrt(dh);
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    double dot = 0;
                    for (int c = 0; c < dh; c++) dot += q[i][h * dh + c] * k[j][h * dh + c];
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double z = 0;
                for (int j = 0; j < t; j++) {
                    s[j] = Math.exp(s[j] - max);
                    z += s[j];
                }
                for (int j = 0; j < t; j++) {
                    for (int c = 0; c < dh; c++) ctx[i][h * dh + c] += s[j] / z * v[j][h * dh + c];
                }
            }
        }
        double[][] a = affine(ctx, wo, bo, d);
        for (int i = 0; i < t; i++) for (int c = 0; c < d; c++) a[i][c] += x[i][c];
        double[][] h1 = layerNorm(a, g1, b1);
        double[][] m = affine(h1, wi, bi, inner);
        for (double[] row : m) for (int c = 0; c < inner; c++) row[c] = 0.5 * row[c] * (1 + erf(row[c] / Math.sqrt(2)));
        double[][] o = affine(m, wo2, bo2, d);
        for (int i = 0; i < t; i++) for (int c = 0; c < d; c++) o[i][c] += h1[i][c];
        return layerNorm(o, g2, b2);
    }

    /** x · W + b with W stored {@code in × out} row-major (ONNX MatMul's right operand). */
    private static double[][] affine(double[][] x, float[] w, float[] b, int out) {
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++) {
            for (int o = 0; o < out; o++) y[i][o] = b[o];
            for (int r = 0; r < in; r++) {
                double xi = x[i][r];
                for (int o = 0; o < out; o++) y[i][o] += xi * w[r * out + o];
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, float[] g, float[] b) {
        double[][] y = new double[x.length][d];
        for (int i = 0; i < x.length; i++) {
            double mean = 0;
            for (double v : x[i]) mean += v;
            mean /= d;
            double var = 0;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= d;
            double inv = 1 / Math.sqrt(var + eps);
            for (int c = 0; c < d; c++) y[i][c] = (x[i][c] - mean) * inv * g[c] + b[c];
        }
        return y;
    }

    /** erf to ~1e-15: Taylor series for |x| < 2.5, continued fraction of erfc beyond. */
    static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (ax < 2.5) {
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
                term *= -ax * ax / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            // erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) evaluated bottom-up
            double f = ax;
            for (int n = 60; n >= 1; n--) f = ax + (n / 2.0) / f;
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
        }
        return x < 0 ? -r : r;
    }

    /** Float initializers of the top graph whose names are in {@code names}. */
    static Map<String, float[]> initializers(byte[] model, Set<String> names) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        CodedInputStream in = CodedInputStream.newInstance(model);
        in.setSizeLimit(Integer.MAX_VALUE);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) == 7) {
                int lim = in.pushLimit(in.readRawVarint32());
                while (!in.isAtEnd()) {
                    int gt = in.readTag();
                    if (WireFormat.getTagFieldNumber(gt) == 5) {
                        int tl = in.pushLimit(in.readRawVarint32());
                        String name = null;
                        byte[] raw = null;
                        while (!in.isAtEnd()) {
                            int tt = in.readTag();
                            int f = WireFormat.getTagFieldNumber(tt);
                            if (f == 8) name = in.readStringRequireUtf8();
                            else if (f == 9) raw = in.readByteArray();
                            else in.skipField(tt);
                        }
                        in.popLimit(tl);
                        if (name != null && names.contains(name) && raw != null) {
                            float[] v = new float[raw.length / 4];
                            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                            out.put(name, v);
                        }
                    } else {
                        in.skipField(gt);
                    }
                }
                in.popLimit(lim);
            } else {
                in.skipField(tag);
            }
        }
        if (!out.keySet().containsAll(names)) {
            throw new IllegalStateException("missing raw float initializers: " + names + " vs " + out.keySet());
        }
        return out;
    }
}
