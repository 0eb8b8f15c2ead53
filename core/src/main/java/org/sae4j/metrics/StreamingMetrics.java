package org.sae4j.metrics;

/**
 * Reconstruction and sparsity over any number of batches in one pass, summed in double: what held-out evaluation
 * during training reports. {@link #explainedVariance()} is the form the field agreed on (SAELens PR #665),
 * {@code 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²)}, pooled over every row seen (never a mean of per-batch figures).
 *
 * <p>One pass means the variance comes from moments; they are taken about the first row seen, so a large shared
 * mean (the inputs where latents die) does not cancel away the spread. {@link #r2ScalarMean()} is overcomplete's
 * R², the form of the train log, over the same rows.
 */
public final class StreamingMetrics {
    private static final double EPS = 1e-6; // as Metrics (overcomplete's Epsilon)

    private final int d;
    private final int n;
    private double[] shift; // the first row: moments about it
    private final double[] shiftedSum; // Σ_b (x_bi − c_i)
    private double shiftedSumSq; // Σ_bi (x_bi − c_i)²
    private double sse;
    private long rows;
    private long active;
    private final long[] fires; // rows on which latent j has a positive code

    public StreamingMetrics(int dim, int latents) {
        this.d = dim;
        this.n = latents;
        this.shiftedSum = new double[dim];
        this.fires = new long[latents];
    }

    /** A batch of {@code count} rows: inputs and reconstructions (count×d), dense codes (count×n). */
    public void observe(float[] x, float[] xhat, float[] codes, int count) {
        if (count > 0 && shift == null) {
            shift = new double[d];
            for (int i = 0; i < d; i++) {
                shift[i] = x[i];
            }
        }
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < d; i++) {
                double v = x[b * d + i];
                double e = v - xhat[b * d + i];
                double y = v - shift[i];
                sse += e * e;
                shiftedSum[i] += y;
                shiftedSumSq += y * y;
            }
            for (int j = 0; j < n; j++) {
                float z = codes[b * n + j];
                if (z != 0) {
                    active++;
                }
                if (z > 0) {
                    fires[j]++;
                }
            }
        }
        rows += count;
    }

    public long rows() {
        return rows;
    }

    /** {@code (1/(N·d)) Σ (x − x̂)²}. */
    public double mse() {
        return rows == 0 ? 0 : sse / ((double) rows * d);
    }

    /** {@code E‖x‖² − ‖E x‖²}: the total variance, summed over features. */
    public double totalVariance() {
        if (rows == 0) {
            return 0;
        }
        double meanSq = 0;
        for (int i = 0; i < d; i++) {
            double m = shiftedSum[i] / rows;
            meanSq += m * m;
        }
        return Math.max(0, shiftedSumSq / rows - meanSq);
    }

    /** {@code 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²)}; 0 when the data has no variance. */
    public double explainedVariance() {
        double v = totalVariance();
        return v == 0 ? 0 : 1 - sse / rows / v;
    }

    /** overcomplete's R²: {@code 1 − mse / (mean((x − x̄)²) + 1e-6)}, x̄ the mean over every entry. */
    public double r2ScalarMean() {
        if (rows == 0) {
            return 0;
        }
        // Σ (x − x̄)² from the moments about c: with y = x − c, c̄ = mean_i c_i, ȳ = Σy/(N·d),
        // Σ y² + N Σ_i (c_i − c̄)² + 2 Σ_i (c_i − c̄) Σ_b y_bi − N·d·ȳ².
        double cBar = 0;
        double ySum = 0;
        for (int i = 0; i < d; i++) {
            cBar += shift[i];
            ySum += shiftedSum[i];
        }
        cBar /= d;
        double len = (double) rows * d;
        double yBar = ySum / len;
        double ss = shiftedSumSq - len * yBar * yBar;
        for (int i = 0; i < d; i++) {
            double dc = shift[i] - cBar;
            ss += rows * dc * dc + 2 * dc * shiftedSum[i];
        }
        return 1 - mse() / (Math.max(0, ss) / len + EPS);
    }

    /** Mean number of non-zero codes per row. */
    public double l0() {
        return rows == 0 ? 0 : (double) active / rows;
    }

    /** Share of latents with a positive code on no row seen. */
    public double noFireFraction() {
        int c = 0;
        for (long f : fires) {
            if (f == 0) {
                c++;
            }
        }
        return n == 0 ? 0 : (double) c / n;
    }

    /** Share of latents firing on more than {@code threshold} of the rows seen. */
    public double denseFraction(double threshold) {
        if (rows == 0 || n == 0) {
            return 0;
        }
        int c = 0;
        for (long f : fires) {
            if (f > threshold * rows) {
                c++;
            }
        }
        return (double) c / n;
    }
}
