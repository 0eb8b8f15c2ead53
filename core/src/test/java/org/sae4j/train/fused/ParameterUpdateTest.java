package org.sae4j.train.fused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * The update phase alone, with SGD so the expected parameters are one line each: every tensor named by
 * {@link Tensor} moves by {@code −rate·clip·g} from its own gradient (rows from {@link GradientRows}, b_enc and log θ
 * from {@link LatentGradients}, b_dec from the argument), atoms are renormalised, and the decoder norms the next
 * step reads are those of the new atoms.
 */
class ParameterUpdateTest {

    @ParameterizedTest(name = "{0} thread(s)")
    @ValueSource(ints = {1, 2})
    void sgdMovesEveryTensorByItsOwnGradient(int threads) {
        int d = 10;
        int n = 230; // more than one latent block and one re-packing group
        SaeConfig cfg = SaeConfig.jumpRelu(d, n).withSeed(3);
        Sae sae = Sae.initialize(cfg);
        Sae before = sae.copy();
        SplittableRandom r = new SplittableRandom(9);
        float[] gEnc = gaussian(r, n * d);
        float[] gDec = gaussian(r, n * d);
        float[] gBDec = gaussian(r, d);
        VectorizationProvider p = VectorizationProvider.getInstance();
        try (KernelPool pool = new KernelPool(threads)) {
            RowBuffers rows = new RowBuffers(4, d);
            LatentScales scales = new LatentScales(n, d, cfg.activation(), true, p.vectorOps());
            LatentGradients grads = new LatentGradients(sae, scales, rows, p.vectorOps());
            float[] gBEnc = gaussian(r, n);
            float[] gT = gaussian(r, n);
            System.arraycopy(gBEnc, 0, grads.gBEnc, 0, n);
            System.arraycopy(gT, 0, grads.gT, 0, n);
            PackedEncoder enc = new PackedEncoder(p.gemm(), sae.wEnc(), n, d);
            ParameterUpdate update = new ParameterUpdate(sae, scales, grads, enc, p.adamUpdate(), p.vectorOps());
            GradientRows stored = new GradientRows() {
                @Override
                public int rowsFor(int t, int j) {
                    return j; // row index: rows start at j·d
                }

                @Override
                public float[] encoderRows(int t) {
                    return gEnc;
                }

                @Override
                public float[] decoderRows(int t) {
                    return gDec;
                }
            };
            float rate = 0.1f;
            float clip = 0.5f;
            update.run(pool, stored, new FusedPhases.UpdateRule(false, clip, rate, null, null, null), gBDec, null);

            float step = -rate * clip;
            for (int j = 0; j < n; j++) {
                double norm2 = 0;
                for (int i = 0; i < d; i++) {
                    int q = j * d + i;
                    assertThat(sae.wEnc()[q]).isCloseTo(before.wEnc()[q] + step * gEnc[q], within(1e-6f));
                    norm2 += Math.pow(before.wDec()[q] + step * gDec[q], 2);
                }
                for (int i = 0; i < d; i++) {
                    int q = j * d + i;
                    float expected = (float) ((before.wDec()[q] + step * gDec[q]) / Math.sqrt(norm2));
                    assertThat(sae.wDec()[q]).isCloseTo(expected, within(1e-5f));
                }
                assertThat(sae.bEnc()[j]).isCloseTo(before.bEnc()[j] + step * gBEnc[j], within(1e-6f));
                assertThat(sae.logThreshold()[j]).isCloseTo(before.logThreshold()[j] + step * gT[j], within(1e-6f));
                assertThat(scales.norm[j]).isCloseTo(1f, within(1e-5f));
                assertThat(scales.invNorm[j]).isCloseTo(1f / scales.norm[j], within(1e-6f));
            }
            for (int i = 0; i < d; i++) {
                assertThat(sae.bDec()[i]).isCloseTo(before.bDec()[i] + step * gBDec[i], within(1e-6f));
            }
            assertThat(scales.decoderNormsFresh).isTrue();
        }
    }

    private static float[] gaussian(SplittableRandom r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) Gaussian.next(r);
        }
        return a;
    }
}
