/**
 * Rows and batches: {@link org.sae4j.data.NpyDataset} (one file or a directory of shards as one matrix, NaN/Inf
 * refused by row), {@link org.sae4j.data.RowPairs} (input/target pairs for transcoders),
 * {@link org.sae4j.data.BatchStream} with {@link org.sae4j.data.BatchOptions} (seeded chunk and group shuffling,
 * resumable at any epoch and batch), {@link org.sae4j.data.ActivationSource}, {@link org.sae4j.data.TokensTsv}
 * (the tokens beside extracted activations), {@link org.sae4j.data.BundledData} and
 * {@link org.sae4j.data.PlantedDictionary} (synthetic data with a known dictionary).
 *
 * <p>May import: org.sae4j, org.sae4j.io, org.sae4j.io.json, org.sae4j.io.npy, org.sae4j.model, org.sae4j.random.
 */
package org.sae4j.data;
