package org.sae4j.bench;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.EncoderMode;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.formats.ModelFormats;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/**
 * Candidates per query of the screened encoder modes — how many latents are recomputed from the float32 rows — and
 * memory per model. Not a timing: counts are deterministic.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar org.sae4j.bench.EncodeScreenStats random DIM LATENTS K [QUERIES]
 * java -cp bench/target/benchmarks.jar org.sae4j.bench.EncodeScreenStats model DIR DATA.npy [QUERIES]
 * </pre>
 * A random model is {@code Sae.initialize} (tied init) queried with Gaussian vectors; a trained model is queried
 * with the first QUERIES rows of DATA (default 256), as a service would see them.
 */
public final class EncodeScreenStats {
    private EncodeScreenStats() {
    }

    public static void main(String[] args) throws Exception {
        String what;
        float[][] queries;
        SaeEncoder[] enc = new SaeEncoder[EncoderMode.values().length];
        if (args[0].equals("random")) {
            int d = Integer.parseInt(args[1]);
            int n = Integer.parseInt(args[2]);
            int k = Integer.parseInt(args[3]);
            int q = args.length > 4 ? Integer.parseInt(args[4]) : 256;
            Sae sae = Sae.initialize(SaeConfig.topK(d, n, k));
            for (EncoderMode m : EncoderMode.values()) {
                enc[m.ordinal()] = SaeEncoder.of(sae, null, org.sae4j.kernels.KernelPool.common(), m);
            }
            queries = new float[q][];
            for (int i = 0; i < q; i++) {
                queries[i] = KernelBenchSupport.gaussian(d, 1000 + i);
            }
            what = "random TopK d=" + d + " n=" + n + " k=" + k;
        } else {
            Path dir = Path.of(args[1]);
            for (EncoderMode m : EncoderMode.values()) {
                enc[m.ordinal()] = ModelFormats.loadEncoder(dir, m);
            }
            int q = args.length > 3 ? Integer.parseInt(args[3]) : 256;
            try (NpyDataset data = NpyDataset.open(Path.of(args[2]))) {
                int d = enc[0].dim();
                q = (int) Math.min(q, data.rows());
                float[] buf = new float[q * d];
                data.readRows(0, q, buf, 0);
                queries = new float[q][];
                for (int i = 0; i < q; i++) {
                    queries[i] = Arrays.copyOfRange(buf, i * d, (i + 1) * d);
                }
            }
            what = dir + " (" + enc[0].config().activation().id() + " d=" + enc[0].dim() + " n="
                    + enc[0].latents() + " k=" + enc[0].config().k() + ") on " + args[2];
        }
        System.out.println(what + ", " + queries.length + " queries");
        for (SaeEncoder e : enc) {
            if (e.mode().approximate()) {
                recall(e, enc[0], queries);
                continue;
            }
            int[] c = new int[queries.length];
            for (int i = 0; i < queries.length; i++) {
                c[i] = e.candidateCount(queries[i]);
                if (!e.encode(queries[i]).equals(enc[0].encode(queries[i]))) {
                    throw new AssertionError(e.mode() + ": codes differ from float32 on query " + i);
                }
            }
            Arrays.sort(c);
            double mean = Arrays.stream(c).average().orElse(0);
            System.out.printf(Locale.ROOT, "  %-8s candidates mean %8.1f  median %6d  p99 %6d  max %6d  (%.2f%% of n)"
                            + "  memory %6.1f MB%n", e.mode().id(), mean, c[c.length / 2],
                    c[Math.min(c.length - 1, (int) (c.length * 0.99))], c[c.length - 1], 100 * mean / e.latents(),
                    e.memoryBytes() / 1e6);
        }
    }

    /**
     * An approximate mode against float32: recall@k (the share of float32's codes the approximate ones contain),
     * exact-set rate (queries whose index set is float32's) and the largest |value error| relative to the largest
     * float32 value of its query, over the codes both return.
     */
    private static void recall(SaeEncoder approx, SaeEncoder exact, float[][] queries) {
        long hit = 0;
        long total = 0;
        int same = 0;
        double err = 0;
        for (float[] x : queries) {
            SparseCode want = exact.encode(x);
            SparseCode got = approx.encode(x);
            java.util.Map<Integer, Float> gv = new java.util.HashMap<>();
            for (int q = 0; q < got.size(); q++) {
                gv.put(got.index(q), got.value(q));
            }
            int h = 0;
            for (int q = 0; q < want.size(); q++) {
                Float v = gv.get(want.index(q));
                if (v != null) {
                    h++;
                    err = Math.max(err, Math.abs(v - want.value(q)) / Math.max(1e-30, want.value(0)));
                }
            }
            hit += h;
            total += want.size();
            if (h == want.size() && got.size() == want.size()) {
                same++;
            }
        }
        System.out.printf(Locale.ROOT, "  %-11s recall@k %.4f  same index set %5.1f%% of queries  max |value error| %.2e"
                        + " of the top value  memory %6.1f MB%n", approx.mode().id(),
                total == 0 ? 1.0 : (double) hit / total, 100.0 * same / queries.length, err, approx.memoryBytes() / 1e6);
    }
}
