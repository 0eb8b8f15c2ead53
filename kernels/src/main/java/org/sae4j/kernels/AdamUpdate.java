package org.sae4j.kernels;

/**
 * Adam's parameter update in float32 with PyTorch's semantics ({@code torch.optim.Adam}: non-fused, no weight decay,
 * no amsgrad), for one contiguous run of parameters:
 * <pre>
 *   g ← scale · g
 *   m ← m + (1−β₁)(g − m)                 (PyTorch's lerp)
 *   v ← β₂·v + (1−β₂)·g²
 *   p ← p − stepSize · m / (√v / bc2Sqrt + ε)      stepSize = lr/(1−β₁ᵗ), bc2Sqrt = √(1−β₂ᵗ)
 * </pre>
 * {@code scale} folds gradient clipping into the same pass. p, m and v share one offset; g has its own, so a fused
 * step can pass a one-row scratch gradient.
 */
public interface AdamUpdate {

    /**
     * Hyper-parameters of one step, computed in double and rounded once to float, as PyTorch does with its Python
     * scalars ({@code 1 − β} is formed in double: {@code (float) (1 − 0.9)} is not {@code 1f − 0.9f}).
     */
    record Step(float stepSize, float beta2, float oneMinusBeta1, float oneMinusBeta2, float bc2Sqrt, float eps) {
        /** For 1-based step {@code t}. */
        public static Step of(double lr, double beta1, double beta2, double eps, long t) {
            double bc1 = 1 - Math.pow(beta1, t);
            return new Step((float) (lr / bc1), (float) beta2, (float) (1 - beta1), (float) (1 - beta2),
                    (float) Math.sqrt(1 - Math.pow(beta2, t)), (float) eps);
        }
    }

    void update(float[] p, float[] m, float[] v, int off, float[] g, int gOff, int len, float scale, Step s);
}
