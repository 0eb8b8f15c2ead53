package org.sae4j.encode.select;

import java.util.Arrays;

/** Deterministic TopK selection: the k largest values of a row, ties broken towards the lower index. */
public final class TopK {
    private TopK() {
    }

    /**
     * Marks in {@code selected[0..n)} the k largest entries of {@code row[off..off+n)}. Among equal values at the
     * boundary the lowest indices win. {@code scratch} must hold at least n doubles.
     */
    public static void select(double[] row, int off, int n, int k, double[] scratch, boolean[] selected) {
        System.arraycopy(row, off, scratch, 0, n);
        Arrays.sort(scratch, 0, n);
        double tau = scratch[n - k]; // k-th largest value
        int above = 0;
        for (int j = 0; j < n; j++) {
            if (row[off + j] > tau) {
                above++;
            }
        }
        int tiesLeft = k - above; // how many entries equal to tau still fit, lowest index first
        for (int j = 0; j < n; j++) {
            double v = row[off + j];
            boolean take = v > tau || (v == tau && tiesLeft-- > 0);
            selected[j] = take;
        }
    }
}
