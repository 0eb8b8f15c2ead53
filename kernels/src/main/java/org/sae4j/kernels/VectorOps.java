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

    /** {@code Σ_i a[off+i]²}. */
    float sumSquares(float[] a, int off, int len);

    /** {@code a[off+i] *= alpha}. */
    void scale(float alpha, float[] a, int off, int len);
}
