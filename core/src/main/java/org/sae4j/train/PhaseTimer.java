package org.sae4j.train;

import java.util.Locale;

/**
 * Opt-in wall-clock profile of a training step's phases: {@code -Dsae4j.profile=N} prints, every N steps, the mean
 * milliseconds per step of each phase to stderr (how src/docs/benchmarks.md splits a step). Off by default, and then
 * free: {@link #ENABLED} is a static final, so the JIT drops every call.
 */
final class PhaseTimer {
    static final int EVERY = Integer.getInteger("sae4j.profile", 0);
    static final boolean ENABLED = EVERY > 0;

    private final String label;
    private final String[] names = new String[32];
    private final long[] nanos = new long[32];
    private int phases;
    private int steps;
    private long t0;

    PhaseTimer(String label) {
        this.label = label;
    }

    void start() {
        if (ENABLED) {
            t0 = System.nanoTime();
        }
    }

    /** Charges the time since the last mark to {@code phase} (a literal: phases are matched by identity). */
    void lap(String phase) {
        if (!ENABLED) {
            return;
        }
        long t = System.nanoTime();
        int i = 0;
        while (i < phases && names[i] != phase) {
            i++;
        }
        if (i == phases && phases < names.length) {
            names[phases++] = phase;
        }
        nanos[Math.min(i, names.length - 1)] += t - t0;
        t0 = t;
    }

    void endStep() {
        if (!ENABLED || ++steps % EVERY != 0) {
            return;
        }
        StringBuilder sb = new StringBuilder(label).append(" ms/step over ").append(EVERY).append(" steps:");
        long total = 0;
        for (int i = 0; i < phases; i++) {
            if (nanos[i] == 0) {
                continue; // a phase of the other path (sparse/dense)
            }
            sb.append(String.format(Locale.ROOT, " %s %.1f", names[i], nanos[i] / 1e6 / EVERY));
            total += nanos[i];
            nanos[i] = 0;
        }
        System.err.println(sb.append(String.format(Locale.ROOT, " | total %.1f", total / 1e6 / EVERY)));
    }
}
