/**
 * Loss terms beside the MSE: the re-animation term ({@link org.sae4j.train.loss.Reanimation}), L0, L1, the
 * pre-activation penalty, and the {@link org.sae4j.train.loss.LossTerm} interface a user implements for a term of
 * their own (with its latent inputs and partials).
 *
 * <p>May import: nothing.
 */
package org.sae4j.train.loss;
