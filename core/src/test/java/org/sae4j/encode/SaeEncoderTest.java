package org.sae4j.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sae4j.BadInputException;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@link SaeEncoder} computes {@link Sae#encode}/{@link Sae#decode} for every activation, on both of its paths. */
class SaeEncoderTest {
    private static final int D = 21;
    private static final int N = 150; // not a multiple of the GEMV block or the GEMM's column blocks
    private static final int ROWS = 37;

    @ParameterizedTest
    @CsvSource({"TOPK,false", "TOPK,true", "RELU,false", "JUMPRELU,true", "BATCHTOPK,false", "GROUPMAX,false",
            "GROUPMAX,true"})
    void singleVectorsEqualTheModelsForwardPass(Activation act, boolean preEnc) {
        Sae sae = EncoderFixtures.model(act, D, N, modelK(act), preEnc, 5);
        SaeEncoder enc = SaeEncoder.of(sae);
        float[] x = EncoderFixtures.gaussian(ROWS * D, 9);
        float[] z = sae.encode(x, ROWS);
        int active = 0;
        for (int b = 0; b < ROWS; b++) {
            float[] row = Arrays.copyOfRange(x, b * D, (b + 1) * D);
            SparseCode code = enc.encode(row);
            // Same dot products in the same order as Sae.preActivations: equal to the bit.
            assertThat(code.toDense(N)).as("row %d", b).containsExactly(Arrays.copyOfRange(z, b * N, (b + 1) * N));
            assertSortedStrongestFirst(code);
            active += code.size();
            SparseCode top3 = enc.topFeatures(row, 3);
            assertThat(top3.size()).isEqualTo(Math.min(3, code.size()));
            for (int q = 0; q < top3.size(); q++) {
                assertThat(top3.index(q)).isEqualTo(code.index(q));
                assertThat(top3.value(q)).isEqualTo(code.value(q));
            }
            float[] want = sae.decode(code.toDense(N), 1);
            float[] got = enc.decode(code);
            for (int i = 0; i < D; i++) {
                assertThat(got[i]).isCloseTo(want[i], within(1e-5f * (1 + Math.abs(want[i]))));
            }
            double mse = 0;
            for (int i = 0; i < D; i++) {
                mse += ((double) row[i] - got[i]) * ((double) row[i] - got[i]);
            }
            assertThat(enc.reconstructionError(row)).isCloseTo(mse / D, within(1e-9));
        }
        assertThat(active).as("the fixture fires some codes and not all").isBetween(ROWS, ROWS * N / 2);
    }

    @ParameterizedTest
    @CsvSource({"TOPK,false,7", "TOPK,true,3", "TOPK,false,12", "RELU,false,40", "JUMPRELU,true,5",
            "BATCHTOPK,false,9", "GROUPMAX,false,4", "GROUPMAX,true,6", "GROUPMAX,false,12"})
    void batchesEqualSingleVectorsUpToRounding(Activation act, boolean preEnc, int k) {
        Sae sae = EncoderFixtures.model(act, D, N, modelK(act), preEnc, 5);
        float[] x = EncoderFixtures.gaussian(ROWS * D, 11);
        try (KernelPool pool = new KernelPool(2)) {
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            int[] idx = new int[ROWS * k];
            float[] val = new float[ROWS * k];
            for (int rep = 0; rep < 2; rep++) { // scratch is reused across calls
                Arrays.fill(idx, 99);
                int written = enc.encode(x, ROWS, idx, val, k);
                int expected = 0;
                for (int b = 0; b < ROWS; b++) {
                    SparseCode one = enc.topFeatures(Arrays.copyOfRange(x, b * D, (b + 1) * D), k);
                    expected += one.size();
                    for (int q = 0; q < k; q++) {
                        int s = b * k + q;
                        if (q < one.size()) {
                            assertThat(idx[s]).as("row %d slot %d", b, q).isEqualTo(one.index(q));
                            assertThat(val[s]).isCloseTo(one.value(q), within(1e-5f * (1 + one.value(q))));
                        } else {
                            assertThat(idx[s]).isEqualTo(-1);
                            assertThat(val[s]).isZero();
                        }
                    }
                }
                assertThat(written).isEqualTo(expected);
            }
            float[] out = new float[ROWS * D];
            enc.decode(idx, val, ROWS, k, out);
            for (int b = 0; b < ROWS; b++) {
                int[] ri = Arrays.copyOfRange(idx, b * k, (b + 1) * k);
                float[] rv = Arrays.copyOfRange(val, b * k, (b + 1) * k);
                int m = (int) Arrays.stream(ri).filter(j -> j >= 0).count();
                float[] one = enc.decode(new SparseCode(Arrays.copyOf(ri, m), Arrays.copyOf(rv, m)));
                assertThat(Arrays.copyOfRange(out, b * D, (b + 1) * D)).containsExactly(one);
            }
            assertThat(enc.encode(x, 0, idx, val, k)).isZero();
        }
    }

    /** The model's k: 7, or for GroupMax 6 groups of 25 latents (which straddle the GEMM's column blocks). */
    private static int modelK(Activation act) {
        return act == Activation.GROUPMAX ? 6 : 7;
    }

    /**
     * GroupMax with groups of 100 that straddle the single-vector path's 256-latent blocks: every path keeps the
     * first maximum of each group when positive (one code per group at most), the screened modes answer exactly as
     * float32 (from the float32 rows: the screen's bound is not per group), and the approximate modes refuse.
     */
    @Test
    void groupMaxKeepsEachGroupsMaximumOnEveryPath() {
        int n = 600;
        int groups = 6;
        Sae sae = EncoderFixtures.model(Activation.GROUPMAX, D, n, groups, true, 3);
        float[] x = EncoderFixtures.gaussian(ROWS * D, 4);
        float[] pre = sae.preActivations(x, ROWS);
        float[] z = sae.encode(x, ROWS);
        SaeEncoder enc = SaeEncoder.of(sae);
        int[] idx = new int[ROWS * groups];
        float[] val = new float[ROWS * groups];
        enc.encode(x, ROWS, idx, val, groups);
        float[] dense = new float[ROWS * n];
        enc.encodeDense(x, ROWS, dense);
        for (int b = 0; b < ROWS; b++) {
            float[] row = Arrays.copyOfRange(x, b * D, (b + 1) * D);
            int want = 0;
            for (int g = 0; g < groups; g++) {
                int best = g * 100;
                for (int j = best + 1; j < (g + 1) * 100; j++) {
                    best = pre[b * n + j] > pre[b * n + best] ? j : best;
                }
                float expected = Math.max(pre[b * n + best], 0f);
                for (int j = g * 100; j < (g + 1) * 100; j++) {
                    assertThat(z[b * n + j]).as("row %d latent %d", b, j).isEqualTo(j == best ? expected : 0f);
                }
                want += expected > 0 ? 1 : 0;
            }
            SparseCode code = enc.encode(row);
            assertThat(code.toDense(n)).as("row %d", b).containsExactly(Arrays.copyOfRange(z, b * n, (b + 1) * n));
            assertThat(code.size()).isEqualTo(want);
            assertSortedStrongestFirst(code);
            for (int q = 0; q < code.size(); q++) {
                assertThat(idx[b * groups + q]).as("batch row %d slot %d", b, q).isEqualTo(code.index(q));
                assertThat(val[b * groups + q]).isCloseTo(code.value(q), within(1e-5f * (1 + code.value(q))));
            }
            for (int j = 0; j < n; j++) {
                assertThat(dense[b * n + j] != 0f).as("dense row %d latent %d", b, j).isEqualTo(z[b * n + j] != 0f);
            }
            for (EncoderMode mode : new EncoderMode[] {EncoderMode.BF16, EncoderMode.INT8}) {
                SaeEncoder screened = SaeEncoder.of(sae, null, KernelPool.common(), mode);
                assertThat(screened.encode(row)).as("%s row %d", mode, b).isEqualTo(code);
                assertThat(screened.topFeatures(row, 2)).isEqualTo(enc.topFeatures(row, 2));
            }
        }
        for (EncoderMode mode : new EncoderMode[] {EncoderMode.BF16_APPROX, EncoderMode.INT8_APPROX}) {
            assertThatThrownBy(() -> SaeEncoder.of(sae, null, KernelPool.common(), mode))
                    .isInstanceOf(BadInputException.class)
                    .hasMessage("encoder mode " + mode.id() + ": approximate modes are not available for a groupmax"
                            + " model; expected float32, bf16 or int8");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void aCheckpointsStandardisationAppliesToInputsAndReconstructions(boolean centreOnly, @TempDir Path dir)
            throws Exception {
        Sae sae = EncoderFixtures.model(Activation.TOPK, D, N, 7, true, 3);
        float[] mean = EncoderFixtures.gaussian(D, 4);
        float[] std = new float[D];
        Arrays.fill(std, 2.5f);
        Standardizer st = centreOnly ? Standardizer.center(mean) : Standardizer.perFeature(mean, std);
        Checkpoint.save(dir, sae, st);
        SaeEncoder loaded = ModelFormats.loadEncoder(dir);
        SaeEncoder plain = SaeEncoder.of(sae);
        float[] x = EncoderFixtures.gaussian(D, 6);
        float[] xs = x.clone();
        st.apply(xs, 0, 1);
        SparseCode code = loaded.encode(x);
        assertThat(code).isEqualTo(plain.encode(xs));
        float[] back = plain.decode(code);
        st.invert(back, 0, 1);
        assertThat(loaded.decode(code)).containsExactly(back);
        int[] idx = new int[7];
        float[] val = new float[7];
        loaded.encode(x, 1, idx, val, 7);
        assertThat(idx).containsExactly(code.indices());
    }

    @Test
    void screenedModesOfALoadedCheckpointAnswerAsFloat32(@TempDir Path dir) throws Exception {
        Sae sae = EncoderFixtures.model(Activation.JUMPRELU, D, N, 7, true, 8);
        float[] mean = EncoderFixtures.gaussian(D, 4);
        float[] std = new float[D];
        Arrays.fill(std, 0.5f);
        Checkpoint.save(dir, sae, Standardizer.perFeature(mean, std));
        SaeEncoder exact = ModelFormats.loadEncoder(dir);
        assertThat(exact.mode()).isEqualTo(EncoderMode.FLOAT32);
        for (EncoderMode mode : new EncoderMode[] {EncoderMode.BF16, EncoderMode.INT8}) {
            SaeEncoder screened = ModelFormats.loadEncoder(dir, mode);
            assertThat(screened.mode()).isEqualTo(mode);
            assertThat(screened.memoryBytes()).isGreaterThan(exact.memoryBytes());
            for (int i = 0; i < 20; i++) {
                float[] x = EncoderFixtures.gaussian(D, 100 + i);
                assertThat(screened.encode(x)).isEqualTo(exact.encode(x));
                assertThat(screened.topFeatures(x, 3)).isEqualTo(exact.topFeatures(x, 3));
                assertThat(screened.candidateCount(x)).isLessThan(N);
            }
        }
        assertThat(EncoderMode.parse("INT8")).isEqualTo(EncoderMode.INT8);
        assertThatThrownBy(() -> EncoderMode.parse("fp16")).isInstanceOf(BadInputException.class)
                .hasMessage("encoder weights 'fp16': expected float32, bf16, int8, bf16-approx or int8-approx");
    }

    @Test
    void theBatchPathAllocatesNothingOnceWarm() {
        int d = 32;
        int n = 256;
        int rows = 260; // more than one chunk of rows
        Sae sae = EncoderFixtures.model(Activation.TOPK, d, n, 8, true, 1);
        float[] x = EncoderFixtures.gaussian(rows * d, 2);
        int[] idx = new int[rows * 8];
        float[] val = new float[rows * 8];
        float[] out = new float[rows * d];
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        // A one-thread pool runs the whole product on this thread, where allocation can be counted.
        try (KernelPool pool = new KernelPool(1)) {
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            // Until C2 compiles the Vector API code, vectors are boxed on the heap (and the JIT's own transitions
            // may allocate on this thread): the claim is that a window of warm calls allocates nothing.
            long allocated = Long.MAX_VALUE;
            for (int window = 0; window < 500 && allocated > 0; window++) {
                long before = mx.getThreadAllocatedBytes(tid);
                for (int rep = 0; rep < 20; rep++) {
                    enc.encode(x, rows, idx, val, 8);
                    enc.decode(idx, val, rows, 8, out);
                }
                allocated = mx.getThreadAllocatedBytes(tid) - before;
            }
            assertThat(allocated).as("bytes allocated by 20 warm batch encodes + decodes").isZero();
        }
    }

    @Test
    void badInputGetsOneLine() {
        SaeEncoder enc = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, N, 7, false, 1));
        assertThatThrownBy(() -> enc.encode(new float[D + 1]))
                .isInstanceOf(BadInputException.class).hasMessage("input: has 22 values; expected dim = 21");
        float[] nan = new float[D];
        nan[4] = Float.NaN;
        assertThatThrownBy(() -> enc.encode(nan))
                .isInstanceOf(BadInputException.class)
                .hasMessage("input: row 0, element 4 is NaN; expected a finite number");
        float[] inf = new float[3 * D];
        inf[2 * D + 1] = Float.NEGATIVE_INFINITY;
        assertThatThrownBy(() -> enc.encode(inf, 3, new int[6], new float[6], 2))
                .isInstanceOf(BadInputException.class)
                .hasMessage("input: row 2, element 1 is -Infinity; expected a finite number");
        assertThatThrownBy(() -> enc.encode(new float[3 * D], 3, new int[5], new float[6], 2))
                .isInstanceOf(BadInputException.class).hasMessageContaining("expected rows × k = 3×2");
        assertThatThrownBy(() -> enc.encode(new float[2 * D], 3, new int[6], new float[6], 2))
                .isInstanceOf(BadInputException.class).hasMessageContaining("expected rows × dim = 3×21");
        assertThatThrownBy(() -> enc.topFeatures(new float[D], 0)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> enc.decode(new SparseCode(new int[] {N}, new float[] {1f})))
                .isInstanceOf(BadInputException.class).hasMessage("code 0: latent 150; expected 0 ≤ latent < 150");
    }

    @Test
    void theEncoderIsACopy() {
        Sae sae = EncoderFixtures.model(Activation.TOPK, D, N, 7, false, 1);
        SaeEncoder enc = SaeEncoder.of(sae);
        float[] x = EncoderFixtures.gaussian(D, 3);
        SparseCode before = enc.encode(x);
        Arrays.fill(sae.wEnc(), 0f); // e.g. training goes on
        assertThat(enc.encode(x)).isEqualTo(before);
    }

    private static void assertSortedStrongestFirst(SparseCode c) {
        for (int q = 0; q < c.size(); q++) {
            assertThat(c.value(q)).isPositive();
            if (q > 0) {
                assertThat(c.value(q) < c.value(q - 1) || c.value(q) == c.value(q - 1) && c.index(q) > c.index(q - 1))
                        .as("order at %d in %s", q, c).isTrue();
            }
        }
    }
}
