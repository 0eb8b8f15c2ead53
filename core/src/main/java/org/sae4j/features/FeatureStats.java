package org.sae4j.features;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;

/**
 * Corpus-wide statistics of an SAE's latents, accumulated batch by batch over a dataset of any size in memory
 * {@code O(latents · topN + dim)}.
 *
 * <p>Per latent j: the number of rows where it fires (code &gt; 0), the sum and maximum of its activation over those
 * rows, and its {@code topN} strongest rows. Over the dataset: rows, codes, {@code Σ(x − x̂)²} and the sums of x and
 * x² per feature, from which MSE, R² (overcomplete's scalar-mean form) and explained variance (per-feature, 1 − FVU)
 * follow in one pass, exactly.
 *
 * <p>Deterministic merge: counts, maxima and sums are exact ({@link ExactSums}; x̂'s error is rounded to float once
 * per element, then squared exactly), and the top-N order is total — larger value first, then the lower row — so
 * {@link #merge} of partials over any split of the rows, merged in any order, equals the statistics of one pass
 * over all of them, bit for bit. (Rows must carry their global indices, see {@link #observe}.)
 *
 * <p>Per latent, also the distribution of its activations: a histogram of {@value #BINS} log-spaced bins
 * ({@value #PER_OCTAVE} per octave from 2^{@value #LOWEST_EXP}, the first and last open-ended), and for each bin one
 * sample row drawn uniformly from the rows that fell in it (the row with the smallest hash of (row, latent), so
 * any split of the rows merges to the same sample).
 *
 * <p>Serializable, so that a distributed job (the {@code spark} module) can ship per-partition partials to be merged.
 */
public final class FeatureStats implements java.io.Serializable {
    private static final long serialVersionUID = 2L;
    private static final double EPS = 1e-6; // as Metrics: overcomplete's epsilon in R²

    private final int d;
    private final int n;
    private final int topN;
    private long rows;
    private long codes;
    private final long[] count;
    private final float[] max;
    private final ExactSums actSum;
    // Per latent a min-heap of its best topN (value, row): the root is the weakest, replaced when beaten.
    private final float[] topVal;
    private final long[] topRow;
    private final int[] topSize;
    private final ExactSums xSum;      // per feature Σx
    private final ExactSums xSq;       // per feature Σx²
    private final ExactSums sse;       // one sum: Σ (x − x̂)²
    private final long[] hist;         // latents × BINS
    private final long[] binRow;       // latents × BINS: each bin's sample row, −1 while empty
    private final float[] binVal;

    /** Histogram bins per latent. */
    public static final int BINS = 60;
    /** Bins per doubling of the activation. */
    public static final int PER_OCTAVE = 3;
    /** Bin 1 starts at 2^(LOWEST_EXP + 1/3); bin 0 holds everything below. */
    public static final int LOWEST_EXP = -10;

    public FeatureStats(int dim, int latents, int topN) {
        if (dim < 1 || latents < 1 || topN < 1) {
            throw new IllegalArgumentException("dim " + dim + ", latents " + latents + ", topN " + topN
                    + ": expected all ≥ 1");
        }
        this.d = dim;
        this.n = latents;
        this.topN = topN;
        this.count = new long[latents];
        this.max = new float[latents];
        this.actSum = new ExactSums(latents);
        this.topVal = new float[Math.multiplyExact(latents, topN)];
        this.topRow = new long[latents * topN];
        this.topSize = new int[latents];
        this.xSum = new ExactSums(dim);
        this.xSq = new ExactSums(dim);
        this.sse = new ExactSums(1);
        this.hist = new long[Math.multiplyExact(latents, BINS)];
        this.binRow = new long[latents * BINS];
        this.binVal = new float[latents * BINS];
        Arrays.fill(binRow, -1);
    }

    /** The histogram bin of a positive activation: {@code floor(3 · log2 v) − 3 · LOWEST_EXP}, clamped. */
    public static int bin(float v) {
        int e = Math.getExponent(v);
        float m = Math.scalb(v, -e); // in [1, 2) for normal v
        int sub = m >= 1.587401f ? 2 : m >= 1.2599211f ? 1 : 0; // 2^(2/3), 2^(1/3)
        long b = (long) (e - LOWEST_EXP) * PER_OCTAVE + sub;
        return (int) Math.max(0, Math.min(BINS - 1, b));
    }

    /** The lower edge of bin {@code b} (0 for the first). */
    public static double binLow(int b) {
        return b == 0 ? 0 : Math.pow(2, LOWEST_EXP + (double) b / PER_OCTAVE);
    }

    /** The sampling priority of (row, latent): a SplitMix64 finaliser, so samples are uniform and reproducible. */
    static long priority(long row, int j) {
        long z = row * 0x9E3779B97F4A7C15L + j;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private void sample(int j, int b, long row, float v) {
        int q = j * BINS + b;
        if (binRow[q] < 0 || Long.compareUnsigned(priority(row, j), priority(binRow[q], j)) < 0) {
            binRow[q] = row;
            binVal[q] = v;
        }
    }

    public int dim() {
        return d;
    }

    public int latents() {
        return n;
    }

    public int topN() {
        return topN;
    }

    /**
     * Adds {@code rows} rows whose global indices are {@code firstRow, firstRow + 1, …}: inputs {@code x} and
     * reconstructions {@code xhat} (rows × d, same units), and codes in {@link org.sae4j.encode.SaeEncoder}'s batch layout
     * ({@code k} slots per row, index −1 = empty). Every firing latent of a row must be among its slots.
     */
    public void observe(float[] x, float[] xhat, int rows, long firstRow, int[] idx, float[] val, int k) {
        for (int b = 0; b < rows; b++) {
            observeRow(firstRow + b, x, xhat, b * d, idx, val, b * k, k);
        }
    }

    /**
     * Adds one row with global index {@code row}: input and reconstruction at {@code x/xhat[off .. off + d)}, codes
     * at {@code idx/val[codeOff .. codeOff + k)} (index −1 = empty).
     */
    public void observeRow(long row, float[] x, float[] xhat, int off, int[] idx, float[] val, int codeOff, int k) {
        for (int q = codeOff; q < codeOff + k; q++) {
            int j = idx[q];
            if (j < 0) {
                continue;
            }
            float v = val[q];
            if (!(v > 0)) {
                continue;
            }
            codes++;
            count[j]++;
            if (v > max[j]) {
                max[j] = v;
            }
            actSum.add(j, v);
            offer(j, v, row);
            int b = bin(v);
            hist[j * BINS + b]++;
            sample(j, b, row, v);
        }
        int o = off;
        for (int i = 0; i < d; i++) {
            float xi = x[o + i];
            float e = xi - xhat[o + i];
            xSum.add(i, xi);
            xSq.add(i, (double) xi * xi);
            sse.add(0, (double) e * e);
        }
        this.rows++;
    }

    /** Adds the statistics of {@code other} (same shape, disjoint rows) to this one's. */
    public void merge(FeatureStats other) {
        if (other.d != d || other.n != n || other.topN != topN) {
            throw new IllegalArgumentException("merging stats of shape (" + other.d + ", " + other.n + ", "
                    + other.topN + ") into (" + d + ", " + n + ", " + topN + ")");
        }
        rows += other.rows;
        codes += other.codes;
        for (int q = 0; q < hist.length; q++) {
            hist[q] += other.hist[q];
            if (other.binRow[q] >= 0) {
                sample(q / BINS, q % BINS, other.binRow[q], other.binVal[q]);
            }
        }
        for (int j = 0; j < n; j++) {
            count[j] += other.count[j];
            max[j] = Math.max(max[j], other.max[j]);
            for (int q = 0; q < other.topSize[j]; q++) {
                offer(j, other.topVal[j * topN + q], other.topRow[j * topN + q]);
            }
        }
        actSum.merge(other.actSum);
        xSum.merge(other.xSum);
        xSq.merge(other.xSq);
        sse.merge(other.sse);
    }

    // (v, row) beats (w, r) when v > w, or v == w and row < r.
    private static boolean beats(float v, long row, float w, long r) {
        return v > w || (v == w && row < r);
    }

    private void offer(int j, float v, long row) {
        int base = j * topN;
        int size = topSize[j];
        if (size < topN) {
            // Sift up from the new leaf.
            int c = size;
            while (c > 0) {
                int p = (c - 1) >>> 1;
                if (!beats(topVal[base + p], topRow[base + p], v, row)) {
                    break;
                }
                topVal[base + c] = topVal[base + p];
                topRow[base + c] = topRow[base + p];
                c = p;
            }
            topVal[base + c] = v;
            topRow[base + c] = row;
            topSize[j] = size + 1;
            return;
        }
        if (!beats(v, row, topVal[base], topRow[base])) {
            return;
        }
        // Replace the root (the weakest) and sift down.
        int c = 0;
        while (true) {
            int l = 2 * c + 1;
            if (l >= topN) {
                break;
            }
            int w = l;
            int r = l + 1;
            if (r < topN && beats(topVal[base + l], topRow[base + l], topVal[base + r], topRow[base + r])) {
                w = r;
            }
            if (!beats(v, row, topVal[base + w], topRow[base + w])) {
                break;
            }
            topVal[base + c] = topVal[base + w];
            topRow[base + c] = topRow[base + w];
            c = w;
        }
        topVal[base + c] = v;
        topRow[base + c] = row;
    }

    // ---------------------------------------------------------------- results

    public long rows() {
        return rows;
    }

    /** Rows where latent j fires. */
    public long count(int j) {
        return count[j];
    }

    /** Fraction of rows where latent j fires. */
    public double frequency(int j) {
        return rows == 0 ? 0 : (double) count[j] / rows;
    }

    /** Mean activation of latent j over the rows where it fires; 0 for a dead latent. */
    public double meanActivation(int j) {
        return count[j] == 0 ? 0 : actSum.value(j) / count[j];
    }

    /** Largest activation of latent j; 0 for a dead latent. */
    public float maxActivation(int j) {
        return max[j];
    }

    /** Latent j's strongest rows, best first, into {@code values/rows} (length ≥ topN); returns how many. */
    public int top(int j, float[] values, long[] rowsOut) {
        int size = topSize[j];
        Integer[] order = new Integer[size];
        for (int q = 0; q < size; q++) {
            order[q] = q;
        }
        int base = j * topN;
        Arrays.sort(order, (a, b) -> beats(topVal[base + a], topRow[base + a], topVal[base + b], topRow[base + b])
                ? -1 : beats(topVal[base + b], topRow[base + b], topVal[base + a], topRow[base + a]) ? 1 : 0);
        for (int q = 0; q < size; q++) {
            values[q] = topVal[base + order[q]];
            rowsOut[q] = topRow[base + order[q]];
        }
        return size;
    }

    /** Latent j's activation histogram ({@link #BINS} counts) into {@code out} from {@code off}. */
    public void histogram(int j, long[] out, int off) {
        System.arraycopy(hist, j * BINS, out, off, BINS);
    }

    /** The sample row of latent j's bin b (−1 if the bin is empty). */
    public long binSampleRow(int j, int b) {
        return binRow[j * BINS + b];
    }

    /** The activation at {@link #binSampleRow}. */
    public float binSampleValue(int j, int b) {
        return binVal[j * BINS + b];
    }

    /** Mean number of firing latents per row. */
    public double l0() {
        return rows == 0 ? 0 : (double) codes / rows;
    }

    /** {@code Σ (x − x̂)² / (rows · d)}. */
    public double mse() {
        return rows == 0 ? 0 : sse.exact(0).divide(BigDecimal.valueOf(rows * (long) d), MathContext.DECIMAL128)
                .doubleValue();
    }

    /** overcomplete's R²: {@code 1 − mse / (mean((x − x̄)²) + 1e-6)}, x̄ the mean over every entry. */
    public double r2() {
        if (rows == 0) {
            return 0;
        }
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal sq = BigDecimal.ZERO;
        for (int i = 0; i < d; i++) {
            sum = sum.add(xSum.exact(i));
            sq = sq.add(xSq.exact(i));
        }
        BigDecimal entries = BigDecimal.valueOf(rows * (long) d);
        double var = sq.subtract(sum.multiply(sum).divide(entries, MathContext.DECIMAL128))
                .divide(entries, MathContext.DECIMAL128).doubleValue();
        return 1 - mse() / (var + EPS);
    }

    /** {@code 1 − Σ‖x − x̂‖² / Σ‖x − μ‖²}, μ the per-feature mean; 0 when the data has no variance. */
    public double explainedVariance() {
        if (rows == 0) {
            return 0;
        }
        BigDecimal r = BigDecimal.valueOf(rows);
        BigDecimal ss = BigDecimal.ZERO;
        for (int i = 0; i < d; i++) {
            BigDecimal s = xSum.exact(i);
            ss = ss.add(xSq.exact(i).subtract(s.multiply(s).divide(r, MathContext.DECIMAL128)));
        }
        if (ss.signum() <= 0) {
            return 0;
        }
        return 1 - sse.exact(0).divide(ss, MathContext.DECIMAL128).doubleValue();
    }

    /** Latents that fired on no row. */
    public int deadCount() {
        int c = 0;
        for (int j = 0; j < n; j++) {
            if (count[j] == 0) {
                c++;
            }
        }
        return c;
    }

    /** Latents that fire on more than {@code threshold} of the rows. */
    public int denseCount(double threshold) {
        int c = 0;
        for (int j = 0; j < n; j++) {
            if (frequency(j) > threshold) {
                c++;
            }
        }
        return c;
    }

    /** Bit-for-bit equality of the accumulated state (for tests of the merge). */
    public boolean sameAs(FeatureStats o) {
        if (o.d != d || o.n != n || o.topN != topN || o.rows != rows || o.codes != codes
                || !Arrays.equals(count, o.count) || !Arrays.equals(max, o.max) || !actSum.equals(o.actSum)
                || !xSum.equals(o.xSum) || !xSq.equals(o.xSq) || !sse.equals(o.sse) || !Arrays.equals(hist, o.hist)
                || !Arrays.equals(binRow, o.binRow) || !Arrays.equals(binVal, o.binVal)) {
            return false;
        }
        float[] v1 = new float[topN];
        float[] v2 = new float[topN];
        long[] r1 = new long[topN];
        long[] r2 = new long[topN];
        for (int j = 0; j < n; j++) {
            int a = top(j, v1, r1);
            int b = o.top(j, v2, r2);
            if (a != b || !Arrays.equals(v1, 0, a, v2, 0, b) || !Arrays.equals(r1, 0, a, r2, 0, b)) {
                return false;
            }
        }
        return true;
    }
}
