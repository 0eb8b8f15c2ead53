package org.sae4j.kernels;

/** Scalar twin of {@link PanamaDenseCodes}. */
public final class ScalarDenseCodes implements DenseCodes {

    @Override
    public void codes(float[] pre, float[] out, int off, int len, float[] threshold, float[] scale, int col) {
        for (int i = 0; i < len; i++) {
            float p = pre[off + i];
            out[off + i] = p > threshold[col + i] ? p * scale[col + i] : 0f;
        }
    }

    @Override
    public void gradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                         float[] scale, float[] add, int col, Sums sums) {
        for (int r = 0; r < rows; r++) {
            row(pre, grad, off + r * ld, len, threshold, scale, add, col, false, 0, null, sums);
        }
    }

    @Override
    public void jumpGradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                             float[] scale, float[] add, int col, double eps, double[] l0, Sums sums) {
        for (int r = 0; r < rows; r++) {
            row(pre, grad, off + r * ld, len, threshold, scale, add, col, true, eps, l0, sums);
        }
    }

    private static void row(float[] pre, float[] grad, int off, int len, float[] threshold, float[] scale,
                            float[] add, int col, boolean jump, double eps, double[] l0, Sums sums) {
        for (int i = 0; i < len; i++) {
            int j = col + i;
            float p = pre[off + i];
            float dz = scale[j] * grad[off + i];
            if (add != null) {
                dz += add[j];
            }
            boolean on = p > threshold[j];
            grad[off + i] = on ? dz : 0f;
            sums.pre[j] += p;
            if (on) {
                sums.active[j]++;
                sums.z[j] += p;
                sums.grad[j] += dz;
            }
            if (jump && Math.abs((p - (double) threshold[j]) / eps) < 0.5) {
                sums.theta[j] += dz * (-threshold[j] / eps) - (l0 != null ? l0[j] : 0) / eps;
            }
        }
    }
}
