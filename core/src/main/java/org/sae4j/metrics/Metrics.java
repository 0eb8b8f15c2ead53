package org.sae4j.metrics;

/**
 * Reconstruction and sparsity metrics over row-major float batches. Sums run in double. Each method names which
 * convention it follows, since libraries disagree (notably on R²).
 */
public final class Metrics {
    private static final double EPS = 1e-6; // overcomplete's Epsilon

    private Metrics() {
    }

    /** {@code (1/(B·d)) Σ (x − x̂)²}. */
    public static double mse(float[] x, float[] xhat, int rows, int d) {
        return sumSquaredError(x, 0, xhat, rows, d) / Math.max(1L, (long) rows * d);
    }

    private static double sumSquaredError(float[] x, int xOff, float[] xhat, int rows, int d) {
        double s = 0;
        for (int i = 0; i < rows * d; i++) {
            double e = x[xOff + i] - xhat[i];
            s += e * e;
        }
        return s;
    }

    /**
     * overcomplete's {@code r2_score}: {@code 1 − mean((x − x̂)²) / (mean((x − x̄)²) + 1e-6)} where x̄ is the single
     * scalar mean over every entry of the batch. Counts variance between features as explained, so it reads higher
     * than {@link #explainedVariance} on data with uneven feature means.
     */
    public static double r2ScalarMean(float[] x, float[] xhat, int rows, int d) {
        return r2ScalarMean(x, 0, xhat, rows, d);
    }

    /** {@link #r2ScalarMean(float[], float[], int, int)} with the batch at {@code x[xOff..]}. */
    public static double r2ScalarMean(float[] x, int xOff, float[] xhat, int rows, int d) {
        long len = (long) rows * d;
        if (len == 0) {
            return 0;
        }
        double sum = 0;
        double sumSq = 0;
        for (int i = 0; i < len; i++) {
            double v = x[xOff + i];
            sum += v;
            sumSq += v * v;
        }
        double mean = sum / len;
        double ssTot = Math.max(0, sumSq / len - mean * mean);
        return 1 - sumSquaredError(x, xOff, xhat, rows, d) / len / (ssTot + EPS);
    }

    /**
     * Per-feature explained variance, {@code 1 − Σ‖x_b − x̂_b‖² / Σ‖x_b − μ‖²} with μ the per-feature batch mean
     * (1 − FVU, as SAELens and sparsify report it). 0 when the batch has no variance.
     */
    public static double explainedVariance(float[] x, float[] xhat, int rows, int d) {
        return explainedVariance(x, 0, xhat, rows, d, new double[d]);
    }

    /** As {@link #explainedVariance(float[], float[], int, int)}, allocation-free given a scratch of d doubles. */
    public static double explainedVariance(float[] x, int xOff, float[] xhat, int rows, int d, double[] featureMean) {
        if (rows == 0) {
            return 0;
        }
        java.util.Arrays.fill(featureMean, 0, d, 0);
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                featureMean[i] += x[xOff + b * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            featureMean[i] /= rows;
        }
        double ssTot = 0;
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                double c = x[xOff + b * d + i] - featureMean[i];
                ssTot += c * c;
            }
        }
        return ssTot == 0 ? 0 : 1 - sumSquaredError(x, xOff, xhat, rows, d) / ssTot;
    }

    /**
     * The explained variance the field agreed on (SAELens PR #665), {@code 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²)} over
     * the rows of the batch, in double, two passes (the mean first, so that a large shared mean loses nothing).
     * Equal to {@link #explainedVariance} up to rounding (both divide by the total variance); this one states the
     * formula as written. 0 when the batch has no variance. {@link StreamingMetrics} pools it over many batches.
     */
    public static double explainedVarianceTotal(float[] x, float[] xhat, int rows, int d) {
        if (rows == 0) {
            return 0;
        }
        double[] mean = new double[d];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                mean[i] += x[b * d + i];
            }
        }
        double var = 0; // E‖x − E x‖² = E‖x‖² − ‖E x‖²
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                double c = x[b * d + i] - mean[i] / rows;
                var += c * c;
            }
        }
        var /= rows;
        double err = sumSquaredError(x, 0, xhat, rows, d) / rows;
        return var == 0 ? 0 : 1 - err / var;
    }

    /**
     * {@link #r2ScalarMean} and {@link #explainedVariance} from per-feature sums {@code Σ_b x_bi}, {@code Σ_b x_bi²}
     * and the squared error, so a caller that already streams the batch in parallel need not pass over it again.
     * The variances come from one-pass moments in double (exact enough unless a feature's mean exceeds its standard
     * deviation by ~10⁷).
     *
     * @return {r2ScalarMean, explainedVariance}
     */
    public static double[] r2FromMoments(double[] featureSum, double[] featureSumSq, int d, long rows, double sse) {
        return r2FromMoments(featureSum, featureSumSq, d, rows, sse, new double[2]);
    }

    /** As {@link #r2FromMoments(double[], double[], int, long, double)}, into {@code out} (allocation-free). */
    public static double[] r2FromMoments(double[] featureSum, double[] featureSumSq, int d, long rows, double sse,
                                         double[] out) {
        long len = rows * d;
        if (len == 0) {
            out[0] = 0;
            out[1] = 0;
            return out;
        }
        double sum = 0;
        double sumSq = 0;
        double ssTot = 0;
        for (int i = 0; i < d; i++) {
            sum += featureSum[i];
            sumSq += featureSumSq[i];
            ssTot += Math.max(0, featureSumSq[i] - featureSum[i] * featureSum[i] / rows);
        }
        double mean = sum / len;
        out[0] = 1 - sse / len / (Math.max(0, sumSq / len - mean * mean) + EPS);
        out[1] = ssTot == 0 ? 0 : 1 - sse / ssTot;
        return out;
    }

    /** Mean number of non-zero codes per row. */
    public static double l0(float[] z, int rows, int n) {
        if (rows == 0) {
            return 0;
        }
        long nz = 0;
        for (int i = 0; i < rows * n; i++) {
            if (z[i] != 0) {
                nz++;
            }
        }
        return (double) nz / rows;
    }

    /** The seed's batch mask: {@code dead[j]} when no {@code z_bj > 0} in the batch. */
    public static boolean[] deadMask(float[] z, int rows, int n) {
        boolean[] dead = new boolean[n];
        java.util.Arrays.fill(dead, true);
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < n; j++) {
                if (z[b * n + j] > 0) {
                    dead[j] = false;
                }
            }
        }
        return dead;
    }

    /** Fraction of {@code true} entries. */
    public static double fraction(boolean[] mask) {
        int c = 0;
        for (boolean m : mask) {
            if (m) {
                c++;
            }
        }
        return mask.length == 0 ? 0 : (double) c / mask.length;
    }

    /**
     * Hoyer sparsity averaged over rows, as overcomplete: {@code (√n − ‖z‖₁/(‖z‖₂ + 1e-6)) / (√n − 1)}; 1 is one-hot,
     * 0 is flat. All-zero rows score 1 (maximally sparse).
     */
    public static double hoyer(float[] z, int rows, int n) {
        if (rows == 0 || n < 2) {
            return 0;
        }
        double sqrtN = Math.sqrt(n);
        double total = 0;
        for (int b = 0; b < rows; b++) {
            double l1 = 0;
            double l2 = 0;
            for (int j = 0; j < n; j++) {
                double v = z[b * n + j];
                l1 += Math.abs(v);
                l2 += v * v;
            }
            total += (sqrtN - l1 / (Math.sqrt(l2) + EPS)) / (sqrtN - 1);
        }
        return total / rows;
    }

    /**
     * κ₄ (Hurley and Rickard 2009) averaged over rows: {@code Σ z⁴ / (Σ z²)²}; 1 for one-hot, 1/n for flat.
     * All-zero rows are skipped.
     */
    public static double kappa4(float[] z, int rows, int n) {
        double total = 0;
        int counted = 0;
        for (int b = 0; b < rows; b++) {
            double s2 = 0;
            double s4 = 0;
            for (int j = 0; j < n; j++) {
                double v2 = (double) z[b * n + j] * z[b * n + j];
                s2 += v2;
                s4 += v2 * v2;
            }
            if (s2 > 0) {
                total += s4 / (s2 * s2);
                counted++;
            }
        }
        return counted == 0 ? 0 : total / counted;
    }

    /** Maximum and mean absolute cosine between distinct dictionary atoms (rows of an n×d matrix). */
    public record Collinearity(double max, double mean) {
    }

    /** overcomplete's {@code dictionary_collinearity} (the max) plus the mean over all pairs. */
    public static Collinearity dictionaryCollinearity(float[] dict, int n, int d) {
        double[] inv = new double[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) dict[j * d + i] * dict[j * d + i];
            }
            inv[j] = 1 / (Math.sqrt(s) + EPS);
        }
        double max = 0;
        double sum = 0;
        long pairs = 0;
        for (int a = 0; a < n; a++) {
            for (int c = a + 1; c < n; c++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) dict[a * d + i] * dict[c * d + i];
                }
                double cos = Math.abs(dot * inv[a] * inv[c]);
                max = Math.max(max, cos);
                sum += cos;
                pairs++;
            }
        }
        return new Collinearity(max, pairs == 0 ? 0 : sum / pairs);
    }
}
