/**
 * Choosing which latents fire: {@link org.sae4j.encode.select.TopK} (the k largest values of a row, ties to the
 * lower index) and {@link org.sae4j.encode.select.RowTopK} (per-row heaps that the GEMM epilogue fills while it
 * computes pre-activations; shared by the encoder and the fused training step).
 *
 * <p>May import: org.sae4j.kernels.
 */
package org.sae4j.encode.select;
