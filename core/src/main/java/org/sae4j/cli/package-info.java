/**
 * The {@code sae4j} command line: one class per command, option parsing, reports. The top of the house: it may
 * use every other package, and none uses it.
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.encode, org.sae4j.encode.select, org.sae4j.experiments,
 * org.sae4j.features, org.sae4j.formats, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.npy,
 * org.sae4j.io.safetensors, org.sae4j.kernels, org.sae4j.metrics, org.sae4j.model, org.sae4j.serve,
 * org.sae4j.train, org.sae4j.train.checkpoint, org.sae4j.train.fused, org.sae4j.train.loss.
 */
package org.sae4j.cli;
