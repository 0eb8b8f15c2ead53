package org.sae4j.train.fused;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/** The update pass names tensors by {@link Tensor}; its order must be {@link Sae#tensors()}'. */
class TensorTest {

    @Test
    void tensorIndicesFollowTheModelsTensorOrder() {
        Sae sae = Sae.initialize(SaeConfig.jumpRelu(6, 10));
        String[] names = sae.tensorNames();
        float[][] t = sae.tensors();
        assertThat(names).containsExactly("W_enc", "b_enc", "W_dec", "b_dec", "log_threshold");
        assertThat(t[Tensor.W_ENC.index()]).isSameAs(sae.wEnc());
        assertThat(t[Tensor.B_ENC.index()]).isSameAs(sae.bEnc());
        assertThat(t[Tensor.W_DEC.index()]).isSameAs(sae.wDec());
        assertThat(t[Tensor.B_DEC.index()]).isSameAs(sae.bDec());
        assertThat(t[Tensor.LOG_THRESHOLD.index()]).isSameAs(sae.logThreshold());
        assertThat(Tensor.values()).hasSize(names.length);
    }
}
