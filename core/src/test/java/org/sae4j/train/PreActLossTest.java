package org.sae4j.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;
import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * JumpReLU's pre-activation loss ({@link org.sae4j.train.loss.PreAct}) in {@link ReferenceLoss}: its value is the
 * per-row definition {@code (1/B) Σ_{j dead} Σ_b ReLU(θ_j − pre_bj)·‖W_dec[j]‖} (which the aggregate form must equal
 * on batch-dead latents), it enters the loss with its λ, it pushes only dead latents and never θ. Its gradient against
 * finite differences is in testkit's {@code ReferenceLossGradientProperties}; the fused step's agreement in
 * {@link FusedStepEquivalenceProperties}.
 */
class PreActLossTest {
    private static final int D = 6;
    private static final int N = 12;
    private static final int ROWS = 5;

    private static DoubleParams params(SaeConfig cfg, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        DoubleParams p = DoubleParams.of(org.sae4j.model.Sae.initialize(cfg));
        for (int j = 0; j < N; j++) {
            p.bEnc[j] = 0.3 * Gaussian.next(r) - (j % 3 == 0 ? 3 : 0); // every third latent dead
            p.logThreshold[j] = Math.log(0.1 + 0.3 * r.nextDouble());
            for (int i = 0; i < D; i++) {
                p.wDec[j * D + i] *= 0.5 + r.nextDouble(); // norms differ from 1
            }
        }
        return p;
    }

    private static float[] data(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[ROWS * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        return x;
    }

    @Test
    void theValueIsThePerRowDefinitionOverTheBatchDeadLatents() {
        SaeConfig cfg = new SaeConfig(D, N, Activation.JUMPRELU, 1, false, true, 1e-3, 0.05, 3);
        DoubleParams p = params(cfg, 1);
        float[] x = data(2);
        LossWeights w = LossWeights.MSE_ONLY.withPreAct(0.7);
        try (ReferenceLoss loss = new ReferenceLoss(cfg, 1)) {
            ReferenceLoss.Result r = loss.evaluate(p, x, 0, ROWS, w, ReferenceLoss.ALL_TERMS, true);
            double expected = 0;
            int dead = 0;
            for (int j = 0; j < N; j++) {
                if (!r.dead[j]) {
                    continue;
                }
                dead++;
                double norm = 0;
                for (int i = 0; i < D; i++) {
                    norm += p.wDec[j * D + i] * p.wDec[j * D + i];
                }
                for (int b = 0; b < ROWS; b++) {
                    expected += Math.max(0, Math.exp(p.logThreshold[j]) - r.pre[b * N + j]) * Math.sqrt(norm);
                }
            }
            assertThat(dead).isGreaterThan(2);
            assertThat(r.preAct).isCloseTo(expected / ROWS, within(1e-12 * (1 + expected)));
            ReferenceLoss.Result without = loss.evaluate(p, x, 0, ROWS, w,
                    EnumSet.complementOf(EnumSet.of(ReferenceLoss.Term.PREACT)), true);
            assertThat(r.loss - without.loss).isCloseTo(0.7 * r.preAct, within(1e-12));
            for (int j = 0; j < N; j++) {
                double dB = r.grad.bEnc[j] - without.grad.bEnc[j];
                // ∂/∂b_enc[j] = Σ_b ∂/∂pre_bj = −λ‖W_dec[j]‖ on dead latents (pushes pre up), 0 elsewhere.
                if (r.dead[j]) {
                    assertThat(dB).as("b_enc[%d]", j).isNegative();
                } else {
                    assertThat(dB).as("b_enc[%d]", j).isZero();
                }
                assertThat(r.grad.logThreshold[j]).as("θ is held constant").isEqualTo(without.grad.logThreshold[j]);
            }
        }
    }

    @Test
    void otherActivationsAndAZeroCoefficientLeaveTheLossAlone() {
        SaeConfig relu = new SaeConfig(D, N, Activation.RELU, 1, true, true, 1e-3, 0.05, 3);
        try (ReferenceLoss loss = new ReferenceLoss(relu, 1)) {
            DoubleParams p = DoubleParams.of(org.sae4j.model.Sae.initialize(relu));
            ReferenceLoss.Result on = loss.evaluate(p, data(4), 0, ROWS, LossWeights.MSE_ONLY.withPreAct(5),
                    ReferenceLoss.ALL_TERMS, false);
            ReferenceLoss.Result off = loss.evaluate(p, data(4), 0, ROWS, LossWeights.MSE_ONLY,
                    ReferenceLoss.ALL_TERMS, false);
            assertThat(on.loss).isEqualTo(off.loss);
            assertThat(on.preAct).isZero();
        }
    }

    @Test
    void aNegativeCoefficientIsRefused() {
        assertThatThrownBy(() -> TrainConfig.builder().preAct(-1).build()).isInstanceOf(BadInputException.class)
                .hasMessageContaining("expected ≥ 0");
        assertThatThrownBy(() -> TrainConfig.builder().resampleEvery(-1).build())
                .isInstanceOf(BadInputException.class).hasMessageContaining("expected ≥ 0");
    }
}
