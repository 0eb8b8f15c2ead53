package org.sae4j.train.fused;

/**
 * The parameter tensors in {@link org.sae4j.model.Sae#tensors()} order, which is also the order of the optimizer's moment
 * arrays: the update pass names a tensor instead of passing its index.
 */
public enum Tensor {
    /** W_enc, n×d. */
    W_ENC,
    /** b_enc, n. */
    B_ENC,
    /** W_dec, n×d (one atom per row). */
    W_DEC,
    /** b_dec, d. */
    B_DEC,
    /** log θ, n (JumpReLU only). */
    LOG_THRESHOLD;

    /** Index into {@code Sae.tensors()} and the optimizer state's {@code m}/{@code v}. */
    public int index() {
        return ordinal();
    }
}
