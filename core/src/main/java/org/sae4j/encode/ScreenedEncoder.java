package org.sae4j.encode;

import org.sae4j.kernels.QuantizedDot;
import org.sae4j.kernels.QuantizedRows;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The screening half of an exact encoder that reads a compressed copy of {@code W_enc}: for one (already
 * standardised and shifted) input it returns every latent that can be in the float32 path's selection, so that
 * recomputing just those in float32 gives that path's answer bit for bit.
 *
 * <p><b>The bound.</b> With {@code x} the input, {@code w_j} the float32 row, {@code ŵ_j} its compressed value
 * (exact value of the bf16 weights, or {@code s_j·q_j}), {@code b_j} the encoder bias, let
 * {@code f_j = fl(dot(x, w_j)) + b_j} be the float32 path's pre-activation (any summation order of depth
 * ≤ {@link QuantizedDot#roundingDepth}, which {@code VectorOps.dot} meets) and {@code a_j} the screening
 * pre-activation (the same over {@code ŵ_j}). Each is within {@code γ_M·(Σ|x_i·w_i| + |b_j|) + M·2⁻¹⁴⁹} of its exact
 * real value ({@code M} = depth + 1 for the bias add; the underflow allowance doubled to be safe), and the exact
 * values differ by at most {@code ‖x‖·‖w_j − ŵ_j‖} (Cauchy–Schwarz). With {@code Σ|x_i·w_i| ≤ ‖x‖·‖w_j‖}:
 * <pre>
 *   |f_j − a_j| ≤ E_j = ‖x‖·(δ_j + γ_M·(‖w_j‖ + ‖ŵ_j‖)) + 2γ_M·|b_j| + 4M·2⁻¹⁴⁹,   δ_j = ‖w_j − ŵ_j‖
 * </pre>
 * The per-row coefficients are computed at construction in double and rounded up to float with a relative margin of
 * 2⁻²⁰ that covers the two float operations evaluating {@code E_j} per query ({@code ‖x‖} itself is rounded up).
 *
 * <p><b>The screen.</b> A latent is in the final selection only if {@code f_j} exceeds its threshold (0, θ_j, or the
 * BatchTopK threshold) and, for a top-{@code limit} selection, {@code f_j ≥ f_(limit)}, the limit-th largest among
 * the latents above their thresholds. Every lower bound {@code a_j − E_j} is ≤ its {@code f_j}, so the limit-th
 * largest lower bound among latents surely above their threshold (all latents, for one threshold shared by all) is
 * ≤ {@code f_(limit)}; its computed value is made a true lower bound by one {@code nextDown} (a round-to-nearest
 * result is above {@code nextDown} of itself). A latent is kept when its computed upper bound {@code fl(a_j + E_j)} is ≥ both:
 * rounding is monotone and {@code f_j} is a float, so {@code f_j ≤ a_j + E_j} implies {@code f_j ≤ fl(a_j + E_j)}.
 * Ties at the limit-th value are all kept; the caller's exact selection resolves them (lower index wins).
 *
 * <p><b>Where it does not hold.</b> The γ bound needs every partial sum finite. When {@code ‖x‖} is so large that a
 * sum could overflow, {@link #candidates} returns −1 and the caller runs the plain float32 path.
 *
 * <p>Immutable and thread-safe; each call allocates 2n floats of scratch.
 */
public final class ScreenedEncoder {

    /** The compressed copy's format. */
    public enum Format {
        /** 2 bytes per weight: the top half of each float, rounded to nearest-even. */
        BF16,
        /** 1 byte per weight plus one float scale per row. */
        INT8
    }

    // Sums stay below this (in magnitude) when ‖x‖·G + B does: far from Float.MAX_VALUE ≈ 2¹²⁸.
    private static final double FINITE_LIMIT = 0x1p120;

    private final Format format;
    private final int n;
    private final int d;
    private final short[] bf16;
    private final byte[] q;
    private final float[] scale;
    private final float[] bias;
    private final float[] slope;   // E_j's coefficient of ‖x‖
    private final float[] offset;  // E_j's constant part
    private final double growth;   // G: max over rows of every per-unit-‖x‖ magnitude a sum can reach
    private final double base;     // B: max over rows of |b_j| + offset_j
    private final QuantizedDot dots;
    private final ThresholdSelect select;

    /**
     * A compressed copy of {@code wEnc} (n rows of d) with its bounds. {@code bEnc} is kept by reference: the caller
     * passes its own immutable copy.
     */
    public ScreenedEncoder(float[] wEnc, float[] bEnc, int n, int d, Format format) {
        this.format = format;
        this.n = n;
        this.d = d;
        this.bias = bEnc;
        this.dots = VectorizationProvider.getInstance().quantizedDot();
        this.select = VectorizationProvider.getInstance().thresholdSelect();
        if (format == Format.BF16) {
            bf16 = QuantizedRows.toBf16(wEnc, 0, n * d);
            q = null;
            scale = null;
        } else {
            bf16 = null;
            q = new byte[n * d];
            scale = new float[n];
            QuantizedRows.toInt8(wEnc, n, d, q, scale);
        }
        int m = QuantizedDot.roundingDepth(d) + 1;
        double u = 0x1p-24;
        double gamma = m * u / (1 - m * u);
        double margin = 1 + 0x1p-20;
        slope = new float[n];
        offset = new float[n];
        double g = 0;
        double b = 0;
        for (int j = 0; j < n; j++) {
            double w2 = 0;
            double h2 = 0;
            double e2 = 0;
            double q2 = 0;
            for (int i = 0; i < d; i++) {
                double w = wEnc[j * d + i];
                double h = weight(j, i);   // exact in double (s·q has at most 31 significant bits)
                w2 += w * w;
                h2 += h * h;
                e2 += (w - h) * (w - h);   // each double operation: relative error ≤ 2⁻⁵³
                if (q != null) {
                    q2 += (double) q[j * d + i] * q[j * d + i];
                }
            }
            // Double sums of d squares: relative error ≤ (d + 3)·2⁻⁵³, far inside the 1e-9 allowance.
            double wn = Math.sqrt(w2) * (1 + 1e-9);
            double hn = Math.sqrt(h2) * (1 + 1e-9);
            double delta = Math.sqrt(e2) * (1 + 1e-9);
            slope[j] = up((delta + gamma * (wn + hn)) * margin);
            offset[j] = up((2 * gamma * Math.abs(bEnc[j]) + 4.0 * m * 0x1p-149 + 0x1p-148) * margin);
            g = Math.max(g, Math.max(Math.max(wn, hn), Math.max(Math.sqrt(q2), slope[j])));
            b = Math.max(b, Math.abs(bEnc[j]) + offset[j]);
        }
        this.growth = g;
        this.base = b;
    }

    public Format format() {
        return format;
    }

    /** Bytes of the compressed copy and its per-row constants (the float32 rows are the caller's). */
    public long bytes() {
        long w = format == Format.BF16 ? 2L * n * d : (long) n * d + 4L * n;
        return w + 8L * n;
    }

    /** The compressed weight {@code (j, i)} as an exact double. */
    private double weight(int j, int i) {
        return bf16 != null ? QuantizedRows.bf16ToFloat(bf16[j * d + i]) : (double) scale[j] * q[j * d + i];
    }

    /**
     * Writes to {@code cand} (room for n), in increasing order, every latent that can be among the {@code limit}
     * largest float32 pre-activations exceeding their threshold ({@code theta[j]} when {@code theta} is not null,
     * else {@code floor}); returns how many, or −1 when the input is too large for the bound (see the class comment).
     * {@code limit ≥ n}: every latent that can exceed its threshold.
     */
    public int candidates(float[] x, int limit, float floor, float[] theta, int[] cand) {
        double x2 = 0;
        for (int i = 0; i < d; i++) {
            x2 += (double) x[i] * x[i];    // exact products; sum relative error ≤ d·2⁻⁵³
        }
        float nx = Math.nextUp((float) Math.sqrt(x2));
        if (!((double) nx * growth + base <= FINITE_LIMIT)) {
            return -1;
        }
        float[] up = new float[n];
        if (bf16 != null) {
            dots.bf16Dots(x, bf16, 0, n, d, up, 0);
        } else {
            dots.int8Dots(x, q, scale, 0, n, d, up, 0);
        }
        float[] lo = new float[n];
        for (int j = 0; j < n; j++) {   // element-wise: a loop C2 can vectorise
            float a = up[j] + bias[j];
            float e = nx * slope[j] + offset[j];
            lo[j] = a - e;
            up[j] = a + e;
        }
        float tau = Float.NEGATIVE_INFINITY;
        if (limit < n) {
            tau = Math.nextDown(kthLowerBound(lo, limit, theta, cand));
        }
        // Kept: fl(a + E) ≥ max(τ, threshold), i.e. > nextDown of it (ThresholdSelect's test is strict).
        if (theta == null) {
            return select.above(up, 0, n, Math.nextDown(Math.max(tau, floor)), cand, 0);
        }
        int found = select.above(up, 0, n, Math.nextDown(tau), cand, 0);
        int count = 0;
        for (int q = 0; q < found; q++) {
            int j = cand[q];
            if (up[j] >= theta[j]) {
                cand[count++] = j;
            }
        }
        return count;
    }

    /**
     * Approximate mode: the screening pre-activations {@code a_j} (dots over the compressed copy, plus the bias) into
     * {@code out} (room for n), for the caller's selection. Each is within {@code E_j} (the class comment's bound) of
     * the float32 one, but a selection from them can differ where values are that close.
     */
    public void preActivations(float[] x, float[] out) {
        if (bf16 != null) {
            dots.bf16Dots(x, bf16, 0, n, d, out, 0);
        } else {
            dots.int8Dots(x, q, scale, 0, n, d, out, 0);
        }
        for (int j = 0; j < n; j++) {
            out[j] += bias[j];
        }
    }

    /**
     * The {@code k}-th largest lower bound (−∞ with fewer than k), counting with per-latent thresholds only the
     * latents sure to be above theirs ({@code nextDown(lo_j) > θ_j}). Scans blocks against the heap's root, so only
     * the few values that can enter are looked at one by one; {@code scratch} has room for n ints.
     */
    private float kthLowerBound(float[] lo, int k, float[] theta, int[] scratch) {
        LowerBounds lows = new LowerBounds(k);
        for (int j0 = 0; j0 < n; j0 += 256) {
            int len = Math.min(256, n - j0);
            int found = select.above(lo, j0, len, lows.kth(), scratch, 0);
            for (int q = 0; q < found; q++) {
                int j = j0 + scratch[q];
                if (theta == null || Math.nextDown(lo[j]) > theta[j]) {
                    lows.offer(lo[j]);
                }
            }
        }
        return lows.kth();
    }

    private static float up(double v) {
        float f = (float) v;
        return f < v ? Math.nextUp(f) : f;
    }

    /** The k largest of a stream of floats, by a min-heap whose root is the k-th largest so far. */
    private static final class LowerBounds {
        private final float[] heap;
        private int size;

        LowerBounds(int k) {
            heap = new float[k];
        }

        void offer(float v) {
            if (size < heap.length) {
                int i = size++;
                while (i > 0 && heap[(i - 1) >> 1] > v) {
                    heap[i] = heap[(i - 1) >> 1];
                    i = (i - 1) >> 1;
                }
                heap[i] = v;
            } else if (v > heap[0]) {
                int i = 0;
                while (true) {
                    int l = 2 * i + 1;
                    if (l >= size) {
                        break;
                    }
                    int c = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
                    if (heap[c] >= v) {
                        break;
                    }
                    heap[i] = heap[c];
                    i = c;
                }
                heap[i] = v;
            }
        }

        /** The k-th largest offered (−∞ while fewer than k were offered). */
        float kth() {
            return size < heap.length ? Float.NEGATIVE_INFINITY : heap[0];
        }
    }
}
