/**
 * Other libraries' model folders: SAELens, sparsify and Gemma Scope, read and written
 * ({@link org.sae4j.formats.SaeLensFormat}, {@link org.sae4j.formats.SparsifyFormat},
 * {@link org.sae4j.formats.GemmaScopeFormat}), and {@link org.sae4j.formats.ModelFormats}, which detects a
 * folder's format (ours included) and loads it as a model or an encoder.
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.encode, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.npy,
 * org.sae4j.io.safetensors, org.sae4j.kernels, org.sae4j.model, org.sae4j.train.checkpoint.
 */
package org.sae4j.formats;
