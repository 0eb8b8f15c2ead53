/**
 * Run directories: {@link org.sae4j.train.checkpoint.Checkpoint} saves and loads a model with its trainer state
 * for an exact resume ({@link org.sae4j.train.checkpoint.CheckpointConfig},
 * {@link org.sae4j.train.checkpoint.CheckpointTensors}, {@link org.sae4j.train.checkpoint.CheckpointTrainerState}),
 * and {@link org.sae4j.train.checkpoint.CheckpointDirectory} replaces a directory atomically.
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.safetensors,
 * org.sae4j.model, org.sae4j.train, org.sae4j.train.loss.
 */
package org.sae4j.train.checkpoint;
