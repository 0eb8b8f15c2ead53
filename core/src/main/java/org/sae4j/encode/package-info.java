/**
 * Inference: {@link org.sae4j.encode.SaeEncoder}, the thread-safe facade a service embeds, built on
 * {@link org.sae4j.encode.EncoderWeights} and {@link org.sae4j.encode.BatchEncoder}; the exact screened path
 * ({@link org.sae4j.encode.ScreenedEncoder}, {@link org.sae4j.encode.ApproximateCodes}), the
 * {@link org.sae4j.encode.EncoderMode}s, and the codes they return ({@link org.sae4j.encode.SparseCode}). Loading a
 * model folder of any supported format is {@code org.sae4j.formats.ModelFormats}' job, not this package's.
 *
 * <p>May import: org.sae4j, org.sae4j.encode.select, org.sae4j.kernels, org.sae4j.model.
 */
package org.sae4j.encode;
