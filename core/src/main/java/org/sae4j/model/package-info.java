/**
 * The model: {@link org.sae4j.model.Sae} (weights and the reference forward pass), {@link org.sae4j.model.SaeConfig},
 * the {@link org.sae4j.model.Activation}s and their {@link org.sae4j.model.ForwardRule}, the architectures' shapes
 * ({@link org.sae4j.model.Matryoshka}, {@link org.sae4j.model.GroupMax}, {@link org.sae4j.model.Transcoding}) and
 * the preprocessing that travels with a model, {@link org.sae4j.model.Standardizer}.
 *
 * <p>May import: org.sae4j, org.sae4j.encode.select, org.sae4j.io.json, org.sae4j.kernels, org.sae4j.random.
 */
package org.sae4j.model;
