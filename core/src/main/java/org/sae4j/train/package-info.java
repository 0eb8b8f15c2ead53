/**
 * Training: {@link org.sae4j.train.Trainer} runs epochs of {@link org.sae4j.train.TrainStep}s, either the oracle
 * ({@link org.sae4j.train.ReferenceStep} over {@link org.sae4j.train.ReferenceLoss}) or the production
 * {@link org.sae4j.train.FusedStep} (its phases in {@code train.fused}); the {@link org.sae4j.train.Optimizer},
 * schedules, dead-latent {@link org.sae4j.train.Resampling} and the configuration. Saving a run is behind
 * {@link org.sae4j.train.Checkpointer} (the CLI hands it one that calls
 * {@code train.checkpoint.Checkpoint.save}), so this package never names {@code train.checkpoint}.
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.encode.select, org.sae4j.kernels, org.sae4j.metrics,
 * org.sae4j.model, org.sae4j.train.fused, org.sae4j.train.loss.
 */
package org.sae4j.train;
