package org.sae4j.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * {@link SaeEncoder}'s dense batch path ({@code encodeDense} + {@code decodeDense}, what {@code eval} and
 * {@code encode --dense} use) equals {@link Sae#forward} up to float rounding, for every architecture switch.
 */
class SaeEncoderDenseTest {

    @ParameterizedTest
    @CsvSource({"TOPK,true,false", "TOPK,false,true", "RELU,true,true", "RELU,false,false", "JUMPRELU,true,false",
            "JUMPRELU,true,true", "BATCHTOPK,true,false", "GROUPMAX,true,false", "GROUPMAX,false,true"})
    void matchesTheReferenceForwardPass(Activation act, boolean unitNorm, boolean preEnc) {
        int d = 21;
        int n = 50;
        int rows = 300; // more than one chunk of the batch path
        SaeConfig c = new SaeConfig(d, n, act, act == Activation.GROUPMAX ? 5 : 7, unitNorm, preEnc, 1e-3, 0.2, 5);
        Sae sae = Sae.initialize(c);
        SplittableRandom r = new SplittableRandom(9);
        for (int j = 0; j < n; j++) {
            sae.bEnc()[j] = (float) (0.1 * Gaussian.next(r));
            sae.wDec()[j * d] *= 1.5f; // not unit norm: the dictionary normalises when asked
        }
        for (int i = 0; i < d; i++) {
            sae.bDec()[i] = (float) Gaussian.next(r);
        }
        if (act == Activation.BATCHTOPK) {
            sae.setBatchTopKThreshold(0.3f);
        }
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        Sae.Forward want = sae.forward(x, rows);
        try (KernelPool pool = new KernelPool(2)) {
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            float[] z = new float[rows * n];
            float[] xhat = new float[rows * d];
            for (int rep = 0; rep < 2; rep++) { // reusable across batches
                java.util.Arrays.fill(z, 7f); // stale values must be overwritten
                enc.encodeDense(x, rows, z);
                enc.decodeDense(z, rows, xhat);
                assertClose(z, want.codes(), 1e-5f);
                assertClose(xhat, want.reconstruction(), 1e-4f);
                for (int i = 0; i < want.codes().length; i++) {
                    assertThat(z[i] != 0).as("support at %d", i).isEqualTo(want.codes()[i] != 0);
                }
            }
            enc.encodeDense(x, 0, z); // no rows: nothing to do
        }
    }

    private static void assertClose(float[] got, float[] want, float tol) {
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
            assertThat(got[i]).as("index %d", i).isCloseTo(want[i], within(tol * (1 + Math.abs(want[i]))));
        }
    }
}
