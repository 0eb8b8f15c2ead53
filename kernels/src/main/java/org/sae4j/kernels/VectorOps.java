package org.sae4j.kernels;

/**
 * Dense primitives over {@code float[]} with offsets. Reductions accumulate in float lanes in an unspecified
 * order: results differ from a sequential sum by rounding, so compare with tolerances that grow with length.
 */
public interface VectorOps {

    /** {@code Σ_i a[aOff+i] · b[bOff+i]} for {@code i < len}. */
    float dot(float[] a, int aOff, float[] b, int bOff, int len);

    /** {@code y[yOff+i] += alpha · x[xOff+i]} for {@code i < len}. */
    void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len);

    /**
     * {@code y[yOff+i] += Σ_s alpha[s] · x[xOff[s]+i]} for {@code from ≤ s < to}, {@code i < len}: a sum of scaled rows
     * of one matrix (a sparse row times a dense matrix). Bit-identical to {@link #axpy} called once per s in order;
     * it reads several rows at once, so gathers from memory overlap instead of waiting one row at a time.
     */
    void addScaledRows(float[] alpha, int[] xOff, int from, int to, float[] x, float[] y, int yOff, int len);

    /** {@code Σ_i a[off+i]²}. */
    float sumSquares(float[] a, int off, int len);

    /** {@code a[off+i] *= alpha}. */
    void scale(float alpha, float[] a, int off, int len);
}
