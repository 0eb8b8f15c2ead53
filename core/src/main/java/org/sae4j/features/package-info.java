/**
 * What the features mean: {@link org.sae4j.features.FeatureScan} over a corpus (top contexts, exact sums,
 * statistics), decoder neighbours, and the self-contained feature browser page
 * ({@link org.sae4j.features.FeatureBrowserPage}).
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.encode, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.npy,
 * org.sae4j.kernels, org.sae4j.model.
 */
package org.sae4j.features;
