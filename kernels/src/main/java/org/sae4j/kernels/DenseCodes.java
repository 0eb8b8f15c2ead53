package org.sae4j.kernels;

import java.util.Arrays;

/**
 * The element-wise passes of a ReLU/JumpReLU step while its codes are dense, over one row segment of the B×n
 * matrices with per-latent inputs: a threshold (0 for ReLU, θ for JumpReLU; active means {@code pre > threshold}),
 * the decode scale, and an optional constant (the L1 term) added to ∂L/∂z.
 *
 * <p>Row arrays ({@code pre}, {@code out}, {@code grad}) share offset {@code off} (and row stride {@code ld}, as in
 * {@link Gemm}); per-latent arrays share {@code col}, so element {@code (r, i)} is {@code off + r·ld + i}, latent
 * {@code col + i}. Per-latent sums are doubles that each row is added to in row order, so callers that feed rows in
 * order get the same sums for any split of the latents, and the Panama implementation is bit-equal to the scalar
 * twin (one lane per latent, no FMA).
 */
public interface DenseCodes {

    /** {@code out[off+i] = pre[off+i] > threshold[col+i] ? pre[off+i] * scale[col+i] : 0}, for one row. */
    void codes(float[] pre, float[] out, int off, int len, float[] threshold, float[] scale, int col);

    /**
     * Turns {@code grad} from ∂L/∂(scaled code) into ∂L/∂pre in place and adds rows {@code r < rows}, in order, to
     * {@code sums}; with {@code e = off + r·ld + i}, {@code j = col + i}, {@code p = pre[e]}:
     * <pre>
     *   dz = scale[j] · grad[e] (+ add[j])        float; add may be null
     *   on = p &gt; threshold[j];   grad[e] = on ? dz : 0
     *   sums.pre[j] += p;   if on: sums.active[j]++, sums.z[j] += p, sums.grad[j] += dz
     * </pre>
     * Several rows per call let an implementation keep a chunk of sums in registers across rows.
     */
    void gradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold, float[] scale,
                  float[] add, int col, Sums sums);

    /**
     * As {@link #gradient}, plus JumpReLU's straight-through pseudo-gradient of the threshold θ = {@code threshold}
     * (a rectangle kernel of bandwidth {@code eps}), in double:
     * <pre>
     *   if |(p − θ_j) / eps| &lt; 0.5:  sums.theta[j] += dz · (−θ_j / eps) − l0[j] / eps
     * </pre>
     * where {@code l0[j]} (indexed like {@code add}; null: 0) is ∂L/∂(active count of latent j), the L0 term's
     * λ₀/B, which reaches θ through the same straight-through estimate.
     */
    void jumpGradient(float[] pre, float[] grad, int off, int ld, int rows, int len, float[] threshold,
                      float[] scale, float[] add, int col, double eps, double[] l0, Sums sums);

    /** Per-latent sums of {@link #gradient} and {@link #jumpGradient}, indexed by latent. */
    final class Sums {
        /** Active entries. */
        public final int[] active;
        /** Σ pre over all entries. */
        public final double[] pre;
        /** Σ pre over active entries (the unscaled codes). */
        public final double[] z;
        /** Σ ∂L/∂pre over active entries. */
        public final double[] grad;
        /** Σ of the threshold's pseudo-gradient (JumpReLU only). */
        public final double[] theta;

        public Sums(int latents) {
            active = new int[latents];
            pre = new double[latents];
            z = new double[latents];
            grad = new double[latents];
            theta = new double[latents];
        }

        /** Zeroes latents {@code [from, to)}. */
        public void clear(int from, int to) {
            Arrays.fill(active, from, to, 0);
            Arrays.fill(pre, from, to, 0);
            Arrays.fill(z, from, to, 0);
            Arrays.fill(grad, from, to, 0);
            Arrays.fill(theta, from, to, 0);
        }
    }
}
