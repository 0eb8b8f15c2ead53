package org.sae4j.metrics;

/**
 * The figures of {@link Metrics} over a whole dataset seen batch by batch, for data that does not fit one array.
 * Two passes: {@link #observeMean} on every row, then {@link #observe} on every row with its reconstruction and
 * codes. Sums run in double. The definitions are those of {@link Metrics} with the batch replaced by the dataset:
 * {@link #r2ScalarMean()} is overcomplete's R² (one scalar mean over all entries), {@link #explainedVariance()}
 * the per-feature form (1 − FVU), which is the form the field agreed on (SAELens PR #665),
 * {@code 1 − E‖x − x̂‖² / (E‖x‖² − ‖E x‖²)} pooled over every row, and {@link #deadFraction()} the latents that
 * fired on no row at all. {@link StreamingMetrics} gives the same figures in one pass.
 */
public final class DatasetMetrics {
    private static final double EPS = 1e-6; // as Metrics (overcomplete's Epsilon)

    private final int d;
    private final int n;
    private final double[] featureSum;
    private long meanRows;
    private double[] mu;
    private double scalarMean;
    private long rows;
    private double sse;
    private double ssFeature;
    private double ssScalar;
    private long active;
    private final boolean[] fired;

    public DatasetMetrics(int dim, int latents) {
        this.d = dim;
        this.n = latents;
        this.featureSum = new double[dim];
        this.fired = new boolean[latents];
    }

    /** First pass: accumulates per-feature means from {@code count} rows of {@code x} (row-major, width d). */
    public void observeMean(float[] x, int count) {
        if (mu != null) {
            throw new IllegalStateException("observeMean after observe: the first pass is over");
        }
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < d; i++) {
                featureSum[i] += x[b * d + i];
            }
        }
        meanRows += count;
    }

    /** Second pass: a batch, its reconstruction (B×d) and its dense codes (B×n). */
    public void observe(float[] x, float[] xhat, float[] codes, int count) {
        if (mu == null) {
            mu = new double[d];
            double all = 0;
            for (int i = 0; i < d; i++) {
                mu[i] = meanRows == 0 ? 0 : featureSum[i] / meanRows;
                all += mu[i];
            }
            scalarMean = all / d;
        }
        for (int b = 0; b < count; b++) {
            for (int i = 0; i < d; i++) {
                double v = x[b * d + i];
                double e = v - xhat[b * d + i];
                double cf = v - mu[i];
                double cs = v - scalarMean;
                sse += e * e;
                ssFeature += cf * cf;
                ssScalar += cs * cs;
            }
            for (int j = 0; j < n; j++) {
                float z = codes[b * n + j];
                if (z != 0) {
                    active++;
                }
                if (z > 0) {
                    fired[j] = true;
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

    /** overcomplete's R²: {@code 1 − mse / (mean((x − x̄)²) + 1e-6)}, x̄ the mean over every entry. */
    public double r2ScalarMean() {
        return rows == 0 ? 0 : 1 - mse() / (ssScalar / ((double) rows * d) + EPS);
    }

    /** {@code 1 − Σ‖x − x̂‖² / Σ‖x − μ‖²}, μ the per-feature mean; 0 when the data has no variance. */
    public double explainedVariance() {
        return ssFeature == 0 ? 0 : 1 - sse / ssFeature;
    }

    /** Mean number of non-zero codes per row. */
    public double l0() {
        return rows == 0 ? 0 : (double) active / rows;
    }

    /** Fraction of latents with no positive code on any row. */
    public double deadFraction() {
        return Metrics.fraction(deadMask());
    }

    /** {@code dead[j]} when latent j fired on no row. */
    public boolean[] deadMask() {
        boolean[] dead = new boolean[n];
        for (int j = 0; j < n; j++) {
            dead[j] = !fired[j];
        }
        return dead;
    }
}
