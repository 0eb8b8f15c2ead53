/**
 * Measures of a trained SAE: reconstruction and sparsity {@link org.sae4j.metrics.Metrics}, their streaming and
 * whole-dataset forms, and the {@link org.sae4j.metrics.DeadTracker} that counts steps since each latent fired.
 *
 * <p>May import: nothing.
 */
package org.sae4j.metrics;
