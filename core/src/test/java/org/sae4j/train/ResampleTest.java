package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * {@link Resampling}: a resampled latent gets exactly the documented rows, norms and zeroed moments; nothing else
 * moves; off-schedule steps change nothing; draws follow the squared loss squared and the seed. (Its agreement
 * between the fused and the reference step is in {@link FusedStepEquivalenceProperties}, its exact resume in
 * {@link ExactResumeTest}.)
 */
class ResampleTest {
    private static final int D = 5;
    private static final int N = 8;
    private static final int ROWS = 6;
    private static final long WINDOW = 2L * ROWS;

    private static Sae model() {
        Sae sae = Sae.initialize(new SaeConfig(D, N, Activation.TOPK, 2, true, true, 0.05, 0.05, 11));
        SplittableRandom r = new SplittableRandom(5);
        for (int j = 0; j < N; j++) {
            sae.bEnc()[j] = (float) (0.1 * Gaussian.next(r));
            for (int i = 0; i < D; i++) {
                sae.wEnc()[j * D + i] *= (float) (0.5 + r.nextDouble()); // encoder norms differ
            }
        }
        for (int i = 0; i < D; i++) {
            sae.bDec()[i] = (float) (0.3 * Gaussian.next(r));
        }
        return sae;
    }

    private static float[] batch(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[ROWS * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        return x;
    }

    private static TrainConfig config(long seed) {
        return TrainConfig.builder().batchSize(ROWS).resampleEvery(4).deadWindowTokens(WINDOW).seed(seed).build();
    }

    /** Moments at 0.5, step 4 done, latents 2 and 5 dead over the window. */
    private static OptimizerState state(Sae sae) {
        OptimizerState st = new OptimizerState(sae);
        for (float[] m : st.m) {
            Arrays.fill(m, 0.5f);
        }
        for (float[] v : st.v) {
            Arrays.fill(v, 0.5f);
        }
        st.step = 4;
        st.sinceFired[2] = WINDOW;
        st.sinceFired[5] = WINDOW + 3;
        st.sinceFired[6] = WINDOW - 1; // one token short of dead
        return st;
    }

    private static double norm(float[] a, int off) {
        double ss = 0;
        for (int i = 0; i < D; i++) {
            ss += (double) a[off + i] * a[off + i];
        }
        return Math.sqrt(ss);
    }

    @Test
    void aResampledLatentGetsTheDocumentedRowsNormsAndZeroedMoments() {
        Sae sae = model();
        Sae before = sae.copy();
        float[] x = batch(1);
        OptimizerState st = state(sae);
        double live = 0;
        for (int j = 0; j < N; j++) {
            live += j == 2 || j == 5 ? 0 : norm(before.wEnc(), j * D) / (N - 2);
        }

        assertThat(new Resampling(sae, config(3)).afterStep(x, 0, ROWS, st)).isEqualTo(2);

        int[] rowOf = new int[N];
        for (int j : new int[] {2, 5}) {
            assertThat(norm(sae.wDec(), j * D)).as("‖W_dec[%d]‖", j).isCloseTo(1, within(1e-6));
            rowOf[j] = -1;
            for (int b = 0; b < ROWS; b++) {
                double[] v = new double[D];
                for (int i = 0; i < D; i++) {
                    v[i] = x[b * D + i] - before.bDec()[i];
                }
                double len = Math.sqrt(Arrays.stream(v).map(a -> a * a).sum());
                boolean same = true;
                for (int i = 0; i < D; i++) {
                    same &= Math.abs(sae.wDec()[j * D + i] - v[i] / len) < 1e-6;
                }
                rowOf[j] = same ? b : rowOf[j];
            }
            assertThat(rowOf[j]).as("W_dec[%d] is some row's x − b_dec, unit norm", j).isNotNegative();
            for (int i = 0; i < D; i++) {
                assertThat((double) sae.wEnc()[j * D + i]).as("W_enc[%d,%d]", j, i)
                        .isCloseTo(sae.wDec()[j * D + i] * 0.2 * live, within(1e-6));
            }
            assertThat(sae.bEnc()[j]).isZero();
            for (int t = 0; t < 3; t++) {
                int lo = t == 1 ? j : j * D;
                int hi = t == 1 ? j + 1 : (j + 1) * D;
                for (int i = lo; i < hi; i++) {
                    assertThat(st.m[t][i]).as("m of tensor %d at %d", t, i).isZero();
                    assertThat(st.v[t][i]).as("v of tensor %d at %d", t, i).isZero();
                }
            }
            assertThat(st.sinceFired[j]).as("a resampled latent's window restarts").isZero();
        }
        assertThat(rowOf[2]).as("rows are drawn without replacement").isNotEqualTo(rowOf[5]);

        // Nothing else moved: the live latents, b_dec, the other moments (b_dec's and W_dec's other rows).
        for (int j = 0; j < N; j++) {
            if (j == 2 || j == 5) {
                continue;
            }
            assertThat(Arrays.copyOfRange(sae.wEnc(), j * D, (j + 1) * D))
                    .containsExactly(Arrays.copyOfRange(before.wEnc(), j * D, (j + 1) * D));
            assertThat(Arrays.copyOfRange(sae.wDec(), j * D, (j + 1) * D))
                    .containsExactly(Arrays.copyOfRange(before.wDec(), j * D, (j + 1) * D));
            assertThat(sae.bEnc()[j]).isEqualTo(before.bEnc()[j]);
            assertThat(st.m[1][j]).isEqualTo(0.5f);
            assertThat(st.m[0][j * D]).isEqualTo(0.5f);
        }
        assertThat(sae.bDec()).containsExactly(before.bDec());
        assertThat(st.m[3]).containsOnly(0.5f);
        assertThat(st.sinceFired[6]).isEqualTo(WINDOW - 1);
    }

    @Test
    void offScheduleOrNoneDeadChangesNothing() {
        Sae sae = model();
        Sae before = sae.copy();
        OptimizerState st = state(sae);
        st.step = 5;
        assertThat(new Resampling(sae, config(3)).afterStep(batch(1), 0, ROWS, st)).isZero();
        st.step = 4;
        Arrays.fill(st.sinceFired, 0);
        assertThat(new Resampling(sae, config(3)).afterStep(batch(1), 0, ROWS, st)).isZero();
        assertThat(new Resampling(sae, config(3).toBuilder().resampleEvery(0).build())
                .afterStep(batch(1), 0, ROWS, state(sae))).isZero();
        assertThat(sae.wEnc()).containsExactly(before.wEnc());
        assertThat(sae.wDec()).containsExactly(before.wDec());
        assertThat(sae.bEnc()).containsExactly(before.bEnc());
    }

    @Test
    void theSameSeedAndBatchDrawTheSameRowsAndAnOffsetReadsTheSameBatch() {
        float[] x = batch(2);
        float[] shifted = new float[x.length + 3 * D];
        System.arraycopy(x, 0, shifted, 3 * D, x.length);
        Sae a = model();
        Sae b = model();
        new Resampling(a, config(9)).afterStep(x, 0, ROWS, state(a));
        new Resampling(b, config(9)).afterStep(shifted, 3 * D, ROWS, state(b));
        assertThat(b.wEnc()).containsExactly(a.wEnc());
        assertThat(b.wDec()).containsExactly(a.wDec());
    }

    /**
     * Row 0 made 30 times longer: its squared error squared outweighs the others' by about 30⁴ ≈ 10⁶, so it is drawn
     * first for every seed (a uniform draw would pick it one time in six, a draw ∝ ‖x − x̂‖ a good deal less often
     * than always).
     */
    @Test
    void rowsAreDrawnInProportionToTheSquaredLossSquared() {
        for (long seed = 0; seed < 40; seed++) {
            Sae sae = model();
            float[] x = batch(seed + 100);
            for (int i = 0; i < D; i++) {
                x[i] *= 30;
            }
            OptimizerState st = state(sae);
            st.sinceFired[5] = 0; // only latent 2 dead: it takes the first draw
            new Resampling(sae, config(seed)).afterStep(x, 0, ROWS, st);
            double[] v = new double[D];
            for (int i = 0; i < D; i++) {
                v[i] = x[i] - sae.bDec()[i];
            }
            double len = Math.sqrt(Arrays.stream(v).map(a -> a * a).sum());
            for (int i = 0; i < D; i++) {
                assertThat((double) sae.wDec()[2 * D + i]).as("seed %d", seed).isCloseTo(v[i] / len, within(1e-6));
            }
        }
    }

    /**
     * A skip transcoder (rows x then y, d_out 3): a resampled atom is a poorly reconstructed row's (y − b_dec)/‖·‖,
     * its encoder row that row's x/‖x‖ · 0.2 · the live latents' mean ‖W_enc‖, and the moments of W_dec's d_out-wide
     * row are zeroed; W_skip is left alone.
     */
    @Test
    void aTranscodersResampledAtomComesFromTheTargetAndItsEncoderRowFromTheInput() {
        int dOut = 3;
        SaeConfig cfg = new SaeConfig(D, N, Activation.TOPK, 2, true, false, 0.05, 0.05, 11)
                .withTranscoder(new org.sae4j.model.Transcoding(dOut, true));
        Sae sae = Sae.initialize(cfg);
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < dOut; i++) {
            sae.bDec()[i] = (float) (0.3 * Gaussian.next(r));
        }
        for (int i = 0; i < sae.wSkip().length; i++) {
            sae.wSkip()[i] = (float) (0.1 * Gaussian.next(r));
        }
        float[] skipBefore = sae.wSkip().clone();
        int w = D + dOut;
        float[] rows = new float[ROWS * w];
        for (int q = 0; q < rows.length; q++) {
            rows[q] = (float) Gaussian.next(r);
        }
        OptimizerState st = state(sae);
        double live = 0;
        for (int j = 0; j < N; j++) {
            if (j != 2 && j != 5) {
                live += norm(sae.wEnc(), j * D);
            }
        }
        live /= N - 2;
        assertThat(new Resampling(sae, config(3)).afterStep(rows, 0, ROWS, st)).isEqualTo(2);
        for (int j : new int[] {2, 5}) {
            // Which row: the one whose x and y − b_dec give exactly this atom and encoder row.
            int found = -1;
            for (int b = 0; b < ROWS; b++) {
                double yy = 0;
                double xx = 0;
                for (int i = 0; i < dOut; i++) {
                    yy += Math.pow(rows[b * w + D + i] - sae.bDec()[i], 2);
                }
                for (int i = 0; i < D; i++) {
                    xx += Math.pow(rows[b * w + i], 2);
                }
                boolean match = true;
                for (int i = 0; i < dOut; i++) {
                    match &= Math.abs(sae.wDec()[j * dOut + i] - (rows[b * w + D + i] - sae.bDec()[i]) / Math.sqrt(yy))
                            < 1e-6;
                }
                for (int i = 0; i < D; i++) {
                    match &= Math.abs(sae.wEnc()[j * D + i] - rows[b * w + i] / Math.sqrt(xx) * 0.2 * live) < 1e-6;
                }
                if (match) {
                    found = b;
                }
            }
            assertThat(found).as("latent %d's rows come from one batch row", j).isNotNegative();
            assertThat(sae.bEnc()[j]).isZero();
            for (int i = 0; i < dOut; i++) {
                assertThat(st.m[2][j * dOut + i]).isZero();
                assertThat(st.v[2][j * dOut + i]).isZero();
            }
            assertThat(st.m[2][(j + 1) * dOut]).isEqualTo(0.5f); // the next atom's moments untouched
        }
        assertThat(sae.wSkip()).containsExactly(skipBefore);
    }
}
