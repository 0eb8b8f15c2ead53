package org.sae4j.kernels;

/** Scalar twin of {@link PanamaVectorOps}. */
public final class ScalarVectorOps implements VectorOps {

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        float s = 0f;
        for (int i = 0; i < len; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        for (int i = 0; i < len; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void addScaledRows(float[] alpha, int[] xOff, int from, int to, float[] x, float[] y, int yOff, int len) {
        for (int s = from; s < to; s++) {
            axpy(alpha[s], x, xOff[s], y, yOff, len);
        }
    }

    @Override
    public float sumSquares(float[] a, int off, int len) {
        float s = 0f;
        for (int i = 0; i < len; i++) {
            float v = a[off + i];
            s += v * v;
        }
        return s;
    }

    @Override
    public void scale(float alpha, float[] a, int off, int len) {
        for (int i = 0; i < len; i++) {
            a[off + i] *= alpha;
        }
    }
}
