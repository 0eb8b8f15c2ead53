/**
 * What every file format shares: {@link org.sae4j.io.AtomicFiles} (temp file, fsync, atomic rename, directory
 * fsync; every writer uses it) and {@link org.sae4j.io.FloatChunks} (raw float16/bfloat16/float32/float64 values
 * decoded into float32 a bounded chunk at a time). The formats
 * themselves live one level down, one package each: {@code io.json}, {@code io.npy}, {@code io.safetensors}.
 * Nothing under {@code io} knows about models or training.
 *
 * <p>User-fixable problems are one-line {@link org.sae4j.BadInputException}s of the form
 * {@code <file>: <what was found>; expected <what was expected>}.
 *
 * <p>May import: org.sae4j.
 */
package org.sae4j.io;
