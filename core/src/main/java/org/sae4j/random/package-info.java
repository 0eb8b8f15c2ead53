/**
 * The project's one home for randomness: {@link org.sae4j.random.SplitMix64} (seeded, derivable streams, the same
 * on every JDK, which bit-for-bit resume needs) and {@link org.sae4j.random.Gaussian} (Box-Muller normal draws from it, identical
 * on every JVM, unlike {@code Random.nextGaussian}).
 *
 * <p>May import: nothing.
 */
package org.sae4j.random;
