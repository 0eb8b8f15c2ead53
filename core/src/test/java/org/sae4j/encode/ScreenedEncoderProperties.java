package org.sae4j.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;
import org.sae4j.random.Gaussian;

/**
 * The screened single-vector modes ({@link EncoderMode#BF16}, {@link EncoderMode#INT8}) return the float32 path's
 * codes bit for bit, on models and inputs built to break the screen: many latents within the error bound of the
 * k-th value or of the threshold (near-duplicate rows, the input along them), exact ties (duplicate rows),
 * rows that differ below bf16's resolution, row norms from 2⁻⁶⁰ to 2⁶⁰, inputs from subnormal to overflowing,
 * zero input — for every activation, with and without the pre-encoder bias. The suite runs in both kernel modes.
 */
class ScreenedEncoderProperties {

    private static final Activation[] ACTS = Activation.values();

    @Property(tries = 250)
    void screenedCodesEqualTheFloat32Codes(@ForAll @IntRange(min = 1, max = 90) int d,
                                           @ForAll @IntRange(min = 2, max = 260) int n,
                                           @ForAll @IntRange(min = 0, max = 6) int structure,
                                           @ForAll @IntRange(min = 0, max = 6) int input,
                                           @ForAll @IntRange(min = 0, max = 4) int actIndex,
                                           @ForAll boolean preEnc, @ForAll long seed) {
        Activation act = ACTS[actIndex % ACTS.length];
        SplittableRandom r = new SplittableRandom(seed);
        int k = 1 + r.nextInt(Math.min(n, 24));
        if (act == Activation.GROUPMAX) {
            k = GroupMax.groupsAtMost(n, k);
        }
        Sae sae = EncoderFixtures.model(act, d, n, k, preEnc, seed);
        float[] base = EncoderFixtures.gaussian(d, seed + 7);
        shapeRows(sae, structure, base, r);
        float[] x = input(sae, input, base, r);
        if (structure == 6) {
            cancellingBiases(sae, x);
        }
        if (act == Activation.JUMPRELU && r.nextBoolean()) {
            thresholdsAtTheCluster(sae, x, r);
        }
        SaeEncoder exact = SaeEncoder.of(sae, null, KernelPool.common(), EncoderMode.FLOAT32);
        for (EncoderMode mode : new EncoderMode[] {EncoderMode.BF16, EncoderMode.INT8}) {
            SaeEncoder screened = SaeEncoder.of(sae, null, KernelPool.common(), mode);
            String what = mode + " " + act + " d=" + d + " n=" + n + " k=" + k + " structure " + structure
                    + " input " + input + " preEnc " + preEnc;
            assertThat(screened.encode(x)).as(what).isEqualTo(exact.encode(x));
            for (int m : new int[] {1, k, 1 + r.nextInt(n), n}) {
                assertThat(screened.topFeatures(x, m)).as(what + " top " + m).isEqualTo(exact.topFeatures(x, m));
            }
        }
    }

    /** Overwrites the encoder rows (and biases) with one of the adversarial structures. */
    private static void shapeRows(Sae sae, int structure, float[] base, SplittableRandom r) {
        int d = sae.dim();
        int n = sae.latents();
        float[] w = sae.wEnc();
        float[] b = sae.bEnc();
        switch (structure) {
            case 1 -> { // near-duplicates of one row: every pre-activation within the bound of the others
                double eps = new double[] {1e-2, 1e-4, 1e-6, 0}[r.nextInt(4)];
                float b0 = b[0];
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < d; i++) {
                        w[j * d + i] = (float) (base[i] * (1 + eps * Gaussian.next(r)));
                    }
                    b[j] = r.nextBoolean() ? b0 : (float) (b0 + eps * Gaussian.next(r));
                }
            }
            case 2 -> { // exact duplicates in runs: exact ties, broken by the lower index
                for (int j = 1; j < n; j++) {
                    if (r.nextInt(3) != 0) {
                        int src = r.nextInt(j);
                        System.arraycopy(w, src * d, w, j * d, d);
                        b[j] = b[src];
                    }
                }
            }
            case 3 -> { // copies of row 0 that differ by an ulp here and there: same bf16/int8 copy, other floats
                for (int j = 1; j < n; j++) {
                    for (int i = 0; i < d; i++) {
                        float v = w[i];
                        w[j * d + i] = switch (r.nextInt(4)) {
                            case 0 -> Math.nextUp(v);
                            case 1 -> Math.nextDown(v);
                            default -> v;
                        };
                    }
                    b[j] = r.nextBoolean() ? b[0] : Math.nextUp(b[0]);
                }
            }
            case 4 -> { // row norms from 2^-60 to 2^60, biases on the same scale
                for (int j = 0; j < n; j++) {
                    float s = (float) Math.scalb(1.0, r.nextInt(121) - 60);
                    for (int i = 0; i < d; i++) {
                        w[j * d + i] *= s;
                    }
                    b[j] *= s;
                }
            }
            case 5 -> { // weights exactly halfway between two bf16 values (the rounding ties)
                for (int j = 0; j < n * d; j++) {
                    int bits = Float.floatToRawIntBits(w[j]);
                    w[j] = Float.intBitsToFloat((bits & 0xFFFF0000) | 0x8000);
                }
            }
            case 6 -> { // integer rows with max |w| = 127: bf16 and int8 copies are exact (δ = 0), so only the
                // rounding terms of the bound separate the paths (biases set by cancellingBiases)
                for (int j = 0; j < n; j++) {
                    for (int i = 0; i < d; i++) {
                        w[j * d + i] = r.nextInt(255) - 127;
                    }
                    w[j * d + r.nextInt(d)] = r.nextBoolean() ? 127 : -127;
                }
            }
            default -> { // the fixture's random rows
            }
        }
    }

    /**
     * {@code b_j = −x·w_j} (rounded): every pre-activation is a cancellation down to rounding noise, so which latents
     * are positive and which are on top is decided by the last bits of each path's sum.
     */
    private static void cancellingBiases(Sae sae, float[] x) {
        int d = sae.dim();
        float[] in = x.clone();
        if (sae.config().preEncoderBias()) {
            for (int i = 0; i < d; i++) {
                in[i] = x[i] - sae.bDec()[i];
            }
        }
        for (int j = 0; j < sae.latents(); j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) in[i] * sae.wEnc()[j * d + i];
            }
            sae.bEnc()[j] = (float) -s;
        }
    }

    private static float[] input(Sae sae, int input, float[] base, SplittableRandom r) {
        int d = sae.dim();
        float[] bDec = sae.config().preEncoderBias() ? sae.bDec() : new float[d];
        float[] x = new float[d];
        switch (input) {
            case 0 -> { // zero input
            }
            case 1, 2 -> { // along the shared row (after the pre-encoder shift): the cluster's values come out on top
                float c = (float) (0.5 + 3 * r.nextDouble());
                for (int i = 0; i < d; i++) {
                    x[i] = c * base[i] + bDec[i];
                }
            }
            case 3 -> { // tiny: products in the subnormal range
                for (int i = 0; i < d; i++) {
                    x[i] = (float) (Gaussian.next(r) * 0x1p-75) + bDec[i];
                }
            }
            case 4 -> { // huge: past the screen's range (overflowing sums), the float32 path answers
                for (int i = 0; i < d; i++) {
                    x[i] = (float) (Gaussian.next(r) * (r.nextBoolean() ? 0x1p60 : 0x1p100));
                }
            }
            default -> {
                for (int i = 0; i < d; i++) {
                    x[i] = (float) Gaussian.next(r);
                }
            }
        }
        return x;
    }

    /** JumpReLU thresholds equal to (or an ulp from) the first latent's pre-activation: all near the cut. */
    private static void thresholdsAtTheCluster(Sae sae, float[] x, SplittableRandom r) {
        SaeEncoder probe = SaeEncoder.of(sae);
        float[] dense = probe.topFeatures(x, sae.latents()).toDense(sae.latents());
        float v = 0;
        for (float f : dense) {
            v = Math.max(v, f);
        }
        if (v > 0) {
            for (int j = 0; j < sae.latents(); j++) {
                sae.logThreshold()[j] = (float) Math.log(r.nextBoolean() ? v : v * (1 + 1e-6 * Gaussian.next(r)));
            }
        }
    }

    /**
     * The screen returns a superset of the float32 selection and, on an ordinary random model, a small one: the
     * mode earns its keep (and this test would notice a bound that had grown useless).
     */
    @Property(tries = 40)
    void candidatesCoverTheSelectionAndAreFew(@ForAll @IntRange(min = 0, max = 1) int format, @ForAll long seed) {
        int d = 64;
        int n = 1024;
        int k = 8;
        Sae sae = EncoderFixtures.model(Activation.TOPK, d, n, k, false, seed);
        ScreenedEncoder.Format f = ScreenedEncoder.Format.values()[format];
        ScreenedEncoder screen = new ScreenedEncoder(sae.wEnc(), sae.bEnc(), n, d, f);
        float[] x = EncoderFixtures.gaussian(d, seed + 1);
        int[] cand = new int[n];
        int count = screen.candidates(x, k, 0f, null, cand);
        assertThat(count).as(f + " candidates").isBetween(1, n / 8);
        SparseCode code = SaeEncoder.of(sae).encode(x);
        int[] kept = Arrays.copyOf(cand, count);
        for (int j : code.indices()) {
            assertThat(Arrays.binarySearch(kept, j)).as("latent %d in the candidates", j).isGreaterThanOrEqualTo(0);
        }
    }

    /**
     * The approximate modes keep no float32 {@code W_enc} (about half the encoder's memory) and return values within
     * the quantisation bound {@code ‖x‖·‖w_j − ŵ_j‖} (plus rounding) of the float32 ones, with most of the float32
     * selection (on a random model, where few values sit near the cut).
     */
    @Property(tries = 30)
    void approximateModesAreCloseAndSmall(@ForAll @IntRange(min = 0, max = 1) int format, @ForAll long seed) {
        int d = 64;
        int n = 512;
        int k = 16;
        Sae sae = EncoderFixtures.model(Activation.TOPK, d, n, k, true, seed);
        EncoderMode mode = format == 0 ? EncoderMode.BF16_APPROX : EncoderMode.INT8_APPROX;
        SaeEncoder exact = SaeEncoder.of(sae);
        SaeEncoder approx = SaeEncoder.of(sae, null, KernelPool.common(), mode);
        // W_enc's 8·n·d bytes (float32 + the GEMM's packed copy) become 2·n·d (bf16) or n·d (int8) + 12 per row.
        assertThat(approx.memoryBytes())
                .isLessThanOrEqualTo(exact.memoryBytes() - (format == 0 ? 6L : 7L) * n * d + 12L * n);
        float[] w = sae.wEnc();
        float[] delta = new float[n];
        byte[] q = new byte[n * d];
        float[] s = new float[n];
        org.sae4j.kernels.QuantizedRows.toInt8(w, n, d, q, s);
        for (int j = 0; j < n; j++) {
            double e2 = 0;
            for (int i = 0; i < d; i++) {
                double h = format == 0
                        ? org.sae4j.kernels.QuantizedRows.bf16ToFloat(
                                org.sae4j.kernels.QuantizedRows.floatToBf16(w[j * d + i]))
                        : (double) s[j] * q[j * d + i];
                e2 += (w[j * d + i] - h) * (w[j * d + i] - h);
            }
            delta[j] = (float) Math.sqrt(e2);
        }
        int common = 0;
        int total = 0;
        for (int t = 0; t < 10; t++) {
            float[] x = EncoderFixtures.gaussian(d, seed + 31 * t);
            SparseCode want = exact.encode(x);
            SparseCode got = approx.encode(x);
            int[] gotIdx = got.indices();
            double nx = 0;
            for (int i = 0; i < d; i++) {
                double v = x[i] - sae.bDec()[i];
                nx += v * v;
            }
            nx = Math.sqrt(nx);
            for (int r = 0; r < want.size(); r++) {
                for (int c = 0; c < got.size(); c++) {
                    if (gotIdx[c] == want.index(r)) {
                        common++;
                        int j = want.index(r);
                        assertThat((double) Math.abs(got.value(c) - want.value(r)))
                                .isLessThanOrEqualTo(nx * delta[j] * 1.001 + 1e-4 * (1 + Math.abs(want.value(r))));
                    }
                }
            }
            total += want.size();
            int[] idx = new int[2 * k];
            float[] val = new float[2 * k];
            approx.encode(x, 1, idx, val, k);   // the batch API answers the same, row by row
            assertThat(Arrays.copyOf(idx, got.size())).containsExactly(gotIdx);
        }
        assertThat((double) common / total).as("recall").isGreaterThan(0.8);
    }

    /** The float32 path's dot meets the rounding depth the screen's bound assumes (both kernel modes). */
    @Property(tries = 100)
    void float32DotMeetsTheAssumedRoundingDepth(@ForAll @IntRange(min = 1, max = 2400) int d, @ForAll long seed) {
        float[] a = EncoderFixtures.gaussian(d, seed);
        float[] b = EncoderFixtures.gaussian(d, seed + 1);
        double exact = 0;
        double abs = 0;
        for (int i = 0; i < d; i++) {
            exact += (double) a[i] * b[i];
            abs += Math.abs((double) a[i] * b[i]);
        }
        int m = org.sae4j.kernels.QuantizedDot.roundingDepth(d);
        double gamma = m * 0x1p-24 / (1 - m * 0x1p-24);
        float got = VectorizationProvider.getInstance().vectorOps().dot(a, 0, b, 0, d);
        assertThat(Math.abs(got - exact)).isLessThanOrEqualTo((gamma + 1e-12) * abs);
    }
}
