/**
 * Data and checkpoint I/O with the JDK alone.
 *
 * <ul>
 *   <li>{@link org.sae4j.io.NpyFile}: memory-mapped numpy {@code .npy} reader (v1–v3, f2/f4/f8, either byte order,
 *       C or Fortran order) converting to float32 rows.
 *   <li>{@link org.sae4j.io.NpyDataset}: one file or a directory of shards as one matrix, NaN/Inf refused by row;
 *       {@link org.sae4j.io.BatchStream} with {@link org.sae4j.io.BatchOptions}: seeded chunk + group shuffling,
 *       resumable at any (epoch, batch); {@link org.sae4j.io.Standardizer}: per-feature or scalar normalisation.
 *   <li>{@link org.sae4j.io.NpyWriter}: {@code <f4}/{@code <i4} {@code .npy} output, whole or streamed.
 *   <li>{@link org.sae4j.io.Safetensors}: validated reader, F32 writer (reference layout).
 *   <li>{@link org.sae4j.io.Json}: strict parser and writer for configs, headers and CLI output.
 *   <li>{@link org.sae4j.io.AtomicFiles}: temp file, fsync, atomic rename, directory fsync; every writer here uses it.
 *   <li>{@link org.sae4j.io.Checkpoint}: a model directory ({@code model.safetensors}, {@code cfg.json}) with the
 *       trainer state that resumes a run exactly, saved whole and swapped in atomically, validated on load.
 * </ul>
 *
 * <p>User-fixable problems are one-line {@link org.sae4j.BadInputException}s of the form
 * {@code <file>: <what was found>; expected <what was expected>}.
 */
package org.sae4j.io;
