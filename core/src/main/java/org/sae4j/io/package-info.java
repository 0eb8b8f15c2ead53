/**
 * Data and file-format I/O with the JDK alone; nothing here knows about training (run directories with trainer
 * state are {@code org.sae4j.train.Checkpoint}, other libraries' model folders {@code org.sae4j.formats}).
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
 *   <li>{@link org.sae4j.io.Npz}: numpy {@code .npz} archives (zip64 entries) as float32 arrays.
 * </ul>
 *
 * <p>User-fixable problems are one-line {@link org.sae4j.BadInputException}s of the form
 * {@code <file>: <what was found>; expected <what was expected>}.
 */
package org.sae4j.io;
