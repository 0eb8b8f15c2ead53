/**
 * Studies that train and judge many SAEs: the dead-latent study ({@link org.sae4j.experiments.DeadCodes}) and the
 * held-out evaluation ({@link org.sae4j.experiments.HeldOutStudy}), with their SVG charts.
 *
 * <p>May import: org.sae4j, org.sae4j.data, org.sae4j.io, org.sae4j.model, org.sae4j.train.
 */
package org.sae4j.experiments;
