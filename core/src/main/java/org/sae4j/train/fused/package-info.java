/**
 * The phases of the production training step ({@code org.sae4j.train.FusedStep}): encode, select, decode,
 * loss and gradient, update, each a class whose methods name the tensors they read and write. The order and the
 * numbering are in {@code src/docs/fused-step.md}.
 *
 * <p>May import: org.sae4j.encode.select, org.sae4j.kernels, org.sae4j.model, org.sae4j.train.loss.
 */
package org.sae4j.train.fused;
