package org.sae4j.train;

/**
 * Adam update in float32 with PyTorch's semantics ({@code torch.optim.Adam}, non-fused, no weight decay, no amsgrad):
 * <pre>
 *   m ← m + (1−β₁)(g − m)            (PyTorch's lerp)
 *   v ← β₂·v + (1−β₂)·g²
 *   p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε)
 * </pre>
 * with t the 1-based step count.
 */
public final class Adam {
    private Adam() {
    }

    /** Updates {@code p[off..off+len)} in place; {@code t} is the 1-based step. */
    public static void update(float[] p, float[] g, float[] m, float[] v, int off, int len, double lr, double beta1,
                              double beta2, double eps, long t) {
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        float stepSize = (float) (lr / bc1);
        float oneMinusB1 = (float) (1 - beta1);
        float b2 = (float) beta2;
        float oneMinusB2 = (float) (1 - beta2);
        float bc2 = (float) bc2Sqrt;
        float e = (float) eps;
        for (int i = off; i < off + len; i++) {
            float gi = g[i];
            float mi = m[i] + oneMinusB1 * (gi - m[i]);
            float vi = v[i] * b2 + oneMinusB2 * gi * gi;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2 + e;
            p[i] -= stepSize * (mi / denom);
        }
    }
}
