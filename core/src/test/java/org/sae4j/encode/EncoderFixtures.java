package org.sae4j.encode;

import java.util.SplittableRandom;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/** Small fixed models and inputs for the encoder tests (and the child JVM of {@link ScalarFallbackTest}). */
public final class EncoderFixtures {
    private EncoderFixtures() {
    }

    /**
     * A seeded model with non-trivial biases and a non-unit decoder row; ReLU's encoder bias is shifted down so that
     * about a fifth of the codes fire, JumpReLU's thresholds vary per latent, BatchTopK's threshold is 0.3.
     */
    public static Sae model(Activation act, int d, int n, int k, boolean preEncoderBias, long seed) {
        Sae sae = Sae.initialize(new SaeConfig(d, n, act, k, true, preEncoderBias, 1e-3, 0.2, seed));
        SplittableRandom r = new SplittableRandom(seed + 1);
        for (int j = 0; j < n; j++) {
            sae.bEnc()[j] = (float) (0.1 * Gaussian.next(r) - (act == Activation.RELU ? 0.8 : 0));
            sae.wDec()[j * d] *= 1.5f;
            if (act == Activation.JUMPRELU) {
                sae.logThreshold()[j] = (float) Math.log(0.2 + 0.6 * r.nextDouble());
            }
        }
        for (int i = 0; i < d; i++) {
            sae.bDec()[i] = (float) (0.1 * Gaussian.next(r));
        }
        if (act == Activation.BATCHTOPK) {
            sae.setBatchTopKThreshold(0.3f);
        }
        return sae;
    }

    public static float[] gaussian(int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        return x;
    }
}
