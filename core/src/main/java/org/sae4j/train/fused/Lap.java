package org.sae4j.train.fused;

/** A profiling mark between phases ({@code -Dsae4j.profile}); phase names are literals, matched by identity. */
@FunctionalInterface
public interface Lap {
    /** Charges the time since the last mark to {@code phase}. */
    void lap(String phase);
}
