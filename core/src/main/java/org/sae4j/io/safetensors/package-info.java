/**
 * {@link org.sae4j.io.safetensors.Safetensors}: the validated reader (header bounds, offsets, dtypes) and the F32
 * writer in the reference layout, as Hugging Face's {@code safetensors} crate defines them.
 *
 * <p>May import: org.sae4j, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.npy.
 */
package org.sae4j.io.safetensors;
