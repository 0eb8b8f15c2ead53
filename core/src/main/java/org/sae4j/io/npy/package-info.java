/**
 * numpy's files: {@link org.sae4j.io.npy.NpyFile} (memory-mapped {@code .npy} reader, v1–v3, f2/f4/f8, either byte
 * order, C or Fortran order, read as float32 rows), {@link org.sae4j.io.npy.NpyHeader} and
 * {@link org.sae4j.io.npy.PyLiteral} (the header's Python dict), {@link org.sae4j.io.npy.NpyWriter}
 * ({@code <f4}/{@code <i4}, whole or streamed), {@link org.sae4j.io.npy.Npz} ({@code .npz} archives, zip64 entries)
 * and {@link org.sae4j.io.npy.NpyArrays}.
 *
 * <p>May import: org.sae4j, org.sae4j.io, org.sae4j.io.json.
 */
package org.sae4j.io.npy;
