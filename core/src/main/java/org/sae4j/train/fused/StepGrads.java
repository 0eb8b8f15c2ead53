package org.sae4j.train.fused;

import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Sae;

/**
 * The step's gradients, like llm.c's {@code grads} tensors: allocated here once; the loss terms' ∂L/∂Σz enters
 * before the row pass (phase 4), the per-latent figures are written by phases 5 and 8, ∂b_dec and ∂W_skip by phase
 * 9, and phase 10 applies them. The per-entry gradients (∂/∂z, ∂/∂pre) live with the entries in {@link Codes}, and
 * the gradient rows of W_enc and W_dec are not stored here: the sparse path rebuilds them per latent when asked, the
 * dense path keeps them with its matrices ({@link GradientRows}).
 */
final class StepGrads {
    /** Per latent: ∂b_enc, ∂log θ, the squared gradient norm, the active count, the batch's dead mask. */
    final LatentGradients latents;
    /** The loss terms' ∂L/∂(Σ_b z_bj) as float, per latent (n): added to ∂/∂z at every kept entry. */
    final float[] dSumZ;
    /** ∂L/∂b_dec as applied (float) and its double accumulator: d_out each. */
    final float[] bDec;
    final double[] bDecAcc;
    /** A skip transcoder's ∂L/∂W_skip (d_out×d_in); null otherwise. */
    final float[] skip;

    StepGrads(Sae sae, StepTensors t, VectorizationProvider p) {
        int d = sae.outDim();
        latents = new LatentGradients(sae, t.scales, t.rows, p.vectorOps());
        dSumZ = new float[sae.latents()];
        bDec = new float[d];
        bDecAcc = new double[d];
        skip = sae.config().skip() ? new float[d * sae.dim()] : null;
    }
}
