package org.sae4j.train;

import java.util.SplittableRandom;
import org.sae4j.Activation;
import org.sae4j.Gaussian;
import org.sae4j.SaeConfig;

/**
 * The seeded random loss evaluation {@link ReferenceLossGoldenTest} pins (the generator the gradient properties used
 * before they moved to the test kit, whose {@code SaeArbitraries.randomCase} draws the same numbers; core's tests
 * cannot depend on the kit, Maven would reject the cycle).
 */
final class ReferenceCases {
    private ReferenceCases() {
    }

    record Case(SaeConfig cfg, DoubleParams p, float[] x, int rows, LossWeights w, boolean[] auxDead,
                boolean reanimationOnWindow) {
    }

    static Case randomCase(Activation act, int d, int n, int rows, int k, boolean unitNorm, boolean preEnc,
                           boolean weightedL1, ReanimationForm form, double bandwidth, long seed) {
        SaeConfig cfg = new SaeConfig(d, n, act, Math.min(k, n), unitNorm, preEnc, bandwidth, 0.1, seed);
        SplittableRandom r = new SplittableRandom(seed);
        DoubleParams p = new DoubleParams(d, n, act == Activation.JUMPRELU);
        for (int i = 0; i < p.wEnc.length; i++) {
            p.wEnc[i] = Gaussian.next(r) / Math.sqrt(d);
            p.wDec[i] = Gaussian.next(r) / Math.sqrt(d);
        }
        for (int j = 0; j < n; j++) {
            p.bEnc[j] = 0.3 * Gaussian.next(r);
            if (p.logThreshold != null) {
                p.logThreshold[j] = Math.log(0.05 + 0.4 * r.nextDouble());
            }
        }
        for (int i = 0; i < d; i++) {
            p.bDec[i] = 0.2 * Gaussian.next(r);
        }
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        LossWeights w = new LossWeights(0.3, form, 0.2, weightedL1, 0.25, 0.4, Math.max(1, n / 4));
        boolean[] auxDead = new boolean[n]; // AuxK's window mask: any subset, independent of this batch
        for (int j = 0; j < n; j++) {
            auxDead[j] = r.nextBoolean();
        }
        return new Case(cfg, p, x, rows, w, auxDead, r.nextBoolean());
    }
}
