package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * The fused step's parameters and losses are bit-identical for any number of threads: work is split by whole rows,
 * whole latents or fixed blocks of them, and every sum runs in an order that does not depend on the split. (So a run
 * resumed on a machine with another core count continues exactly.)
 */
class FusedStepThreadCountProperties {

    @Property(tries = 40)
    void parametersDoNotDependOnTheThreadCount(@ForAll Activation act, @ForAll boolean preEnc,
                                               @ForAll boolean unitNorm, @ForAll boolean densePath,
                                               @ForAll boolean auxk, @ForAll boolean smallChunks,
                                               @ForAll @IntRange(min = 2, max = 70) int d,
                                               @ForAll @IntRange(min = 1, max = 400) int n,
                                               @ForAll @IntRange(min = 2, max = 80) int rows,
                                               @ForAll @IntRange(min = 2, max = 4) int threads,
                                               @ForAll long seed) {
        int k = act == Activation.GROUPMAX ? org.sae4j.model.GroupMax.groupsAtMost(n, n / 7) : Math.max(1, n / 7);
        SaeConfig cfg = new SaeConfig(d, n, act, k, unitNorm, preEnc, 0.05, 0.05, seed);
        SplittableRandom r = new SplittableRandom(seed);
        float[] data = new float[2 * rows * d];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) (Gaussian.next(r) + (i % d == 0 ? 2 : 0));
        }
        Sae init = Sae.initialize(cfg);
        init.initDecoderBiasToMean(data, 0, rows);
        TrainConfig.Builder b = TrainConfig.builder().batchSize(rows).lr(1e-3).clipGrad(0.05).reanimation(0.5)
                .l1(act == Activation.RELU ? 0.01 : 0, seed % 2 == 0).l0(act == Activation.JUMPRELU ? 0.01 : 0)
                .auxk(auxk && rows >= 4 && d >= 4 ? 0.3 : 0, Math.max(1, d / 3)).deadWindowTokens(2L * rows);
        Sae one = run(init.copy(), b.threads(1).build(), densePath, smallChunks, data, rows);
        Sae many = run(init.copy(), b.threads(threads).build(), densePath, smallChunks, data, rows);
        float[][] a = one.tensors();
        float[][] c = many.tensors();
        for (int t = 0; t < a.length; t++) {
            assertThat(c[t]).as("%s with %d threads against 1", one.tensorNames()[t], threads).isEqualTo(a[t]);
        }
    }

    private static Sae run(Sae sae, TrainConfig tc, boolean densePath, boolean smallChunks, float[] data, int rows) {
        try (FusedStep step = new FusedStep(sae, tc, 6, new OptimizerState(sae), densePath ? -1 : 2)) {
            if (smallChunks) {
                step.normChunkBytes(64);
            }
            for (int s = 0; s < 6; s++) {
                step.step(data, (s % 2) * rows * sae.config().dim(), rows, 0);
            }
        }
        return sae;
    }
}
