package org.sae4j.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.EncoderFixtures;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;

/** {@link FeatureStats} and {@link FeatureScan} against a brute-force computation over every latent of every row. */
class FeatureStatsTest {
    @TempDir
    Path dir;

    private static final int D = 8;
    private static final int ROWS = 203;

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"TOPK", "RELU", "JUMPRELU", "BATCHTOPK"})
    void scanMatchesBruteForce(Activation act) throws IOException {
        int n = 100;
        Sae sae = EncoderFixtures.model(act, D, n, 5, false, 7);
        if (act == Activation.RELU) {
            // Most latents fire on most rows: rows overflow the first 64 slots and must be widened, not truncated.
            Arrays.fill(sae.bEnc(), 1.5f);
        }
        SaeEncoder enc = SaeEncoder.of(sae);
        float[] x = EncoderFixtures.gaussian(ROWS * D, 11);
        Path file = dir.resolve("x.npy");
        NpyWriter.writeF32(file, x, ROWS, D);
        int topN = 7;
        FeatureStats s;
        try (NpyDataset data = NpyDataset.open(file)) {
            s = FeatureScan.run(enc, data, topN, 16);
        }

        // Brute force: every code of every row (k = n slots), sums in double, a full sort per latent.
        int[] idx = new int[ROWS * n];
        float[] val = new float[ROWS * n];
        enc.encode(x, ROWS, idx, val, n);
        float[] xhat = new float[ROWS * D];
        enc.decode(idx, val, ROWS, n, xhat);
        long[] count = new long[n];
        double[] sum = new double[n];
        float[] max = new float[n];
        List<List<float[]>> hits = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            hits.add(new ArrayList<>());
        }
        long codes = 0;
        int widest = 0;
        for (int r = 0; r < ROWS; r++) {
            int inRow = 0;
            for (int q = r * n; q < (r + 1) * n; q++) {
                if (idx[q] < 0) {
                    continue;
                }
                int j = idx[q];
                inRow++;
                codes++;
                count[j]++;
                sum[j] += val[q];
                max[j] = Math.max(max[j], val[q]);
                hits.get(j).add(new float[] {val[q], r});
            }
            widest = Math.max(widest, inRow);
        }
        if (act == Activation.RELU) {
            assertThat(widest).as("the test must exercise rows wider than the first k").isGreaterThan(FeatureScan.FIRST_K);
        }
        assertThat(s.rows()).isEqualTo(ROWS);
        assertThat(s.l0()).isEqualTo((double) codes / ROWS);
        float[] tv = new float[topN];
        long[] tr = new long[topN];
        for (int j = 0; j < n; j++) {
            assertThat(s.count(j)).as("count of %d", j).isEqualTo(count[j]);
            assertThat(s.maxActivation(j)).isEqualTo(max[j]);
            assertThat(s.meanActivation(j)).isCloseTo(count[j] == 0 ? 0 : sum[j] / count[j], within(1e-9));
            List<float[]> h = hits.get(j);
            h.sort((a, b) -> a[0] != b[0] ? Float.compare(b[0], a[0]) : Float.compare(a[1], b[1]));
            int got = s.top(j, tv, tr);
            assertThat(got).isEqualTo(Math.min(topN, h.size()));
            for (int q = 0; q < got; q++) {
                assertThat(tv[q]).isEqualTo(h.get(q)[0]);
                assertThat(tr[q]).isEqualTo((long) h.get(q)[1]);
            }
        }
        // MSE, R² and explained variance, two-pass in double.
        double[] mu = new double[D];
        double all = 0;
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < D; i++) {
                mu[i] += x[r * D + i] / (double) ROWS;
            }
        }
        for (double m : mu) {
            all += m / D;
        }
        double sse = 0;
        double ssF = 0;
        double ssS = 0;
        for (int r = 0; r < ROWS; r++) {
            for (int i = 0; i < D; i++) {
                double v = x[r * D + i];
                float e = x[r * D + i] - xhat[r * D + i];
                sse += (double) e * e;
                ssF += (v - mu[i]) * (v - mu[i]);
                ssS += (v - all) * (v - all);
            }
        }
        double mse = sse / (ROWS * D);
        assertThat(s.mse()).isCloseTo(mse, within(1e-12 * Math.max(1, mse)));
        assertThat(s.r2()).isCloseTo(1 - mse / (ssS / (ROWS * D) + 1e-6), within(1e-12));
        assertThat(s.explainedVariance()).isCloseTo(1 - sse / ssF, within(1e-12));
        long dead = Arrays.stream(count).filter(c -> c == 0).count();
        assertThat(s.deadCount()).isEqualTo(dead);
        assertThat(s.denseCount(0.1)).isEqualTo(Arrays.stream(count).filter(c -> c > 0.1 * ROWS).count());
    }

    @Test
    void partialsMergeBitIdenticallyInAnyOrder() {
        int n = 40;
        int d = 6;
        int rows = 300;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = EncoderFixtures.gaussian(rows * d, 5);
        float[] xhat = EncoderFixtures.gaussian(rows * d, 6);
        int k = 5;
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int q = 0; q < idx.length; q++) {
            idx[q] = rnd.nextInt(10) == 0 ? -1 : rnd.nextInt(n);
            // Coarse values: many exact ties, so the tie rule decides the top rows.
            val[q] = (float) (rnd.nextInt(8) * Math.pow(2, rnd.nextInt(-30, 30)) / 4.0);
        }
        FeatureStats whole = new FeatureStats(d, n, 4);
        whole.observe(x, xhat, rows, 0, idx, val, k);

        // Rows cut into pieces at random points, each piece a partial, merged in a shuffled order.
        List<FeatureStats> parts = new ArrayList<>();
        int r0 = 0;
        while (r0 < rows) {
            int len = Math.min(rows - r0, 1 + rnd.nextInt(60));
            FeatureStats p = new FeatureStats(d, n, 4);
            for (int r = r0 + len - 1; r >= r0; r--) { // within a piece, rows in reverse
                p.observeRow(r, x, xhat, r * d, idx, val, r * k, k);
            }
            parts.add(p);
            r0 += len;
        }
        Collections.shuffle(parts, new java.util.Random(9));
        FeatureStats merged = new FeatureStats(d, n, 4);
        for (FeatureStats p : parts) {
            merged.merge(p);
        }
        assertThat(merged.sameAs(whole)).isTrue();
        assertThat(merged.mse()).isEqualTo(whole.mse());
        assertThat(merged.r2()).isEqualTo(whole.r2());
        assertThat(merged.explainedVariance()).isEqualTo(whole.explainedVariance());
        for (int j = 0; j < n; j++) {
            assertThat(merged.meanActivation(j)).isEqualTo(whole.meanActivation(j));
        }
        // And the check can fail: one more row breaks it.
        merged.observeRow(0, x, xhat, 0, idx, val, 0, k);
        assertThat(merged.sameAs(whole)).isFalse();
    }

    @Test
    void histogramBinsAreLogSpacedAndEachSampleIsItsBinsLowestPriorityRow() {
        assertThat(FeatureStats.bin(1f)).isEqualTo(30);
        assertThat(FeatureStats.bin(1.25f)).isEqualTo(30);
        assertThat(FeatureStats.bin(1.26f)).isEqualTo(31);
        assertThat(FeatureStats.bin(1.6f)).isEqualTo(32);
        assertThat(FeatureStats.bin(2f)).isEqualTo(33);
        assertThat(FeatureStats.bin(0.5f)).isEqualTo(27);
        assertThat(FeatureStats.bin(1e-30f)).isEqualTo(0);
        assertThat(FeatureStats.bin(Float.MIN_VALUE)).isEqualTo(0);
        assertThat(FeatureStats.bin(1e30f)).isEqualTo(FeatureStats.BINS - 1);
        for (int b = 1; b < FeatureStats.BINS; b++) {
            // a bin's lower edge falls in it, and just below the edge in the bin before
            float lo = (float) FeatureStats.binLow(b);
            assertThat(FeatureStats.bin(Math.nextUp(lo))).as("bin %d", b).isEqualTo(b);
            assertThat(FeatureStats.bin(lo * 0.999f)).as("below bin %d", b).isEqualTo(b - 1);
        }
        int d = 3;
        int n = 7;
        int rows = 2000;
        int k = 3;
        SplittableRandom rnd = new SplittableRandom(4);
        int[] idx = new int[rows * k];
        float[] val = new float[rows * k];
        for (int q = 0; q < idx.length; q++) {
            idx[q] = q % k == 0 || rnd.nextInt(3) > 0 ? (q + rnd.nextInt(n - 1) + 1) % n : -1;
            val[q] = (float) Math.exp(rnd.nextDouble(-6, 4));
        }
        // a row names a latent at most once
        for (int r = 0; r < rows; r++) {
            for (int a = 0; a < k; a++) {
                for (int b = 0; b < a; b++) {
                    if (idx[r * k + a] == idx[r * k + b]) {
                        idx[r * k + a] = -1;
                    }
                }
            }
        }
        FeatureStats s = new FeatureStats(d, n, 2);
        s.observe(new float[rows * d], new float[rows * d], rows, 100, idx, val, k);
        long[] h = new long[FeatureStats.BINS];
        for (int j = 0; j < n; j++) {
            long[] want = new long[FeatureStats.BINS];
            long[] best = new long[FeatureStats.BINS];
            java.util.Arrays.fill(best, -1);
            for (int q = 0; q < idx.length; q++) {
                if (idx[q] != j) {
                    continue;
                }
                int b = FeatureStats.bin(val[q]);
                want[b]++;
                long row = 100 + q / k;
                if (best[b] < 0 || Long.compareUnsigned(FeatureStats.priority(row, j),
                        FeatureStats.priority(best[b], j)) < 0) {
                    best[b] = row;
                }
            }
            s.histogram(j, h, 0);
            assertThat(h).as("latent %d", j).containsExactly(want);
            assertThat(java.util.Arrays.stream(h).sum()).isEqualTo(s.count(j));
            for (int b = 0; b < FeatureStats.BINS; b++) {
                assertThat(s.binSampleRow(j, b)).isEqualTo(best[b]);
                if (best[b] >= 0) {
                    assertThat(FeatureStats.bin(s.binSampleValue(j, b))).isEqualTo(b);
                }
            }
        }
        // Interval samples: each latent's are in distinct bins, strongest first, each bin holding its quantile.
        FeatureData.Distribution dist = FeatureData.Distribution.of(s);
        for (int j = 0; j < n; j++) {
            int prev = Integer.MAX_VALUE;
            for (int q = 0; q < FeatureData.SAMPLES; q++) {
                int b = dist.sampleBins()[j * FeatureData.SAMPLES + q];
                if (b < 0) {
                    break;
                }
                assertThat(b).isLessThan(prev);
                prev = b;
                assertThat(dist.sampleRows()[j * FeatureData.SAMPLES + q]).isEqualTo(s.binSampleRow(j, b));
            }
            assertThat(dist.sampleBins()[j * FeatureData.SAMPLES]).as("latent %d has samples", j).isNotNegative();
        }
    }

    @Test
    void serialisedPartialsOfTheScanMergeToTheWholeScan() throws Exception {
        // What a distributed job does: FeatureScan.observe on row ranges, partials shipped as bytes, merged.
        Sae sae = EncoderFixtures.model(Activation.RELU, D, 100, 5, false, 7);
        Arrays.fill(sae.bEnc(), 1.5f); // rows with more than 64 codes take the widening path too
        SaeEncoder enc = SaeEncoder.of(sae);
        float[] x = EncoderFixtures.gaussian(ROWS * D, 11);
        Path file = dir.resolve("x.npy");
        NpyWriter.writeF32(file, x, ROWS, D);
        FeatureStats whole;
        try (NpyDataset data = NpyDataset.open(file)) {
            whole = FeatureScan.run(enc, data, 5, 32);
        }
        FeatureStats merged = new FeatureStats(D, 100, 5);
        for (int r0 = ROWS; r0 > 0; r0 -= 50) { // ranges in reverse order
            int first = Math.max(0, r0 - 50);
            int rows = r0 - first;
            FeatureStats p = new FeatureStats(D, 100, 5);
            FeatureScan.observe(enc, p, Arrays.copyOfRange(x, first * D, r0 * D), first, rows);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
                o.writeObject(p);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
                merged.merge((FeatureStats) in.readObject());
            }
        }
        assertThat(merged.rows()).isEqualTo(ROWS);
        assertThat(merged.sameAs(whole)).isTrue();
        assertThat(merged.mse()).isEqualTo(whole.mse());
    }

    @Test
    void tiesGoToTheLowerRow() {
        FeatureStats s = new FeatureStats(1, 1, 2);
        float[] x = {0};
        for (long row : new long[] {5, 9, 3, 7}) {
            s.observeRow(row, x, x, 0, new int[] {0}, new float[] {2f}, 0, 1);
        }
        s.observeRow(11, x, x, 0, new int[] {0}, new float[] {1f}, 0, 1);
        float[] v = new float[2];
        long[] r = new long[2];
        assertThat(s.top(0, v, r)).isEqualTo(2);
        assertThat(r).containsExactly(3, 5);
        assertThat(v).containsExactly(2f, 2f);
    }

    @Test
    void exactSumsDoNotDependOnOrder() {
        SplittableRandom rnd = new SplittableRandom(1);
        List<Double> vals = new ArrayList<>();
        BigDecimal exact = BigDecimal.ZERO;
        for (int i = 0; i < 5000; i++) {
            float f = (float) (Gaussian(rnd) * Math.pow(2, rnd.nextInt(-100, 100)));
            double v = rnd.nextBoolean() ? f : (double) f * f;
            vals.add(v);
            exact = exact.add(new BigDecimal(v));
        }
        ExactSums a = new ExactSums(1);
        vals.forEach(v -> a.add(0, v));
        Collections.shuffle(vals, new java.util.Random(2));
        ExactSums b = new ExactSums(1);
        vals.forEach(v -> b.add(0, v));
        assertThat(a.exact(0)).isEqualByComparingTo(exact);
        assertThat(b).isEqualTo(a);
        assertThat(a.value(0)).isEqualTo(exact.doubleValue());
    }

    private static double Gaussian(SplittableRandom r) {
        return r.nextDouble(-1, 1);
    }
}
