/**
 * The root holds only what every package shares: {@link org.sae4j.BadInputException}, the one exception for input a
 * user can fix (one line naming the file, field or row and what was expected; the CLI's exit code 2).
 *
 * <p>Packages by job, in the order data flows: {@code io.*} (file formats) → {@code data} (rows and batches) →
 * {@code model} (the SAE and its preprocessing) → {@code encode} (inference, with {@code encode.select}) →
 * {@code train} (loss, gradient, update; {@code train.fused}, {@code train.loss}, {@code train.checkpoint}) →
 * {@code metrics}, {@code features}, {@code formats}, {@code serve}, {@code experiments} → {@code cli}. Each
 * package's {@code package-info} says what it may import; {@code PackageCycleTest} holds every package to it.
 *
 * <p>May import: nothing.
 */
package org.sae4j;
