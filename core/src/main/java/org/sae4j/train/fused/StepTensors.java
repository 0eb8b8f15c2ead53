package org.sae4j.train.fused;

import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Sae;

/**
 * The step's activations, like llm.c's {@code ActivationTensors}: everything one phase writes and a later phase
 * reads, allocated here once for the largest batch and reused every step. Phases hold none of it; each phase's
 * method takes the holders it reads and writes as parameters (fused-step.md, "The step as phases"). A phase's
 * private scratch (the dense path's B×n matrices, the norm pass's per-thread rows) stays with the phase.
 */
final class StepTensors {
    /** The batch and what is computed per row: x̃, x̂, e, per-row and per-block sums (phases 1, 4). */
    final RowBuffers rows;
    /** Per latent: decoder norms, decode scales, JumpReLU's thresholds (phase 1; the update pass re-measures). */
    final LatentScales scales;
    /** W_enc packed for the GEMM {@code X̃·W_encᵀ} (phase 3; the update pass re-packs). */
    final PackedEncoder encoder;
    /** The sparse path's kept entries: pre, ∂/∂z, ∂/∂pre, by row and by latent, Σ z per latent (phases 3–5). */
    final Codes codes;
    /** AuxK's kept entries, ê and ∂/∂pre (its candidates from phase 3, the rest from phase 6). */
    final AuxK aux;

    StepTensors(Sae sae, int maxRows, int threads, VectorizationProvider p) {
        int n = sae.latents();
        rows = new RowBuffers(maxRows, sae.dim(), sae.outDim(), sae.config().matryoshka(), n,
                sae.config().transcoder() != null);
        scales = new LatentScales(n, sae.outDim(), sae.config().activation(), sae.config().unitNormDecoder(),
                p.vectorOps());
        encoder = new PackedEncoder(p.gemm(), sae.wEnc(), n, sae.dim());
        aux = new AuxK(sae, rows, scales, p.thresholdSelect(), p.vectorOps(), threads);
        codes = new Codes(maxRows, n,
                Selection.initialCodeCapacity(maxRows, n, threads, Selection.keptPerRow(sae)));
    }
}
