package org.sae4j.encode;

import java.util.Arrays;

/**
 * The non-zero codes of one input: latent indices and their values, sorted by value descending (ties: lower index
 * first). Immutable; the accessors {@link #indices()} and {@link #values()} return copies.
 */
public final class SparseCode {
    private final int[] indices;
    private final float[] values;

    /** Takes ownership of the arrays (callers in this package pass fresh ones). */
    SparseCode(int[] indices, float[] values) {
        this.indices = indices;
        this.values = values;
    }

    /** Number of active latents. */
    public int size() {
        return indices.length;
    }

    /** Latent index of the {@code i}-th strongest code. */
    public int index(int i) {
        return indices[i];
    }

    /** Value of the {@code i}-th strongest code. */
    public float value(int i) {
        return values[i];
    }

    public int[] indices() {
        return indices.clone();
    }

    public float[] values() {
        return values.clone();
    }

    /** Dense codes of length {@code latents} (zeros elsewhere). */
    public float[] toDense(int latents) {
        float[] z = new float[latents];
        for (int i = 0; i < indices.length; i++) {
            z[indices[i]] = values[i];
        }
        return z;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparseCode c && Arrays.equals(indices, c.indices) && Arrays.equals(values, c.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(indices) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SparseCode[");
        for (int i = 0; i < indices.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(indices[i]).append('=').append(values[i]);
        }
        return sb.append(']').toString();
    }
}
