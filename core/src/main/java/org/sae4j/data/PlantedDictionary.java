package org.sae4j.data;

import java.util.SplittableRandom;
import org.sae4j.random.Gaussian;

/**
 * Synthetic data with a known answer: {@code atoms} random unit-norm directions in d dimensions; each sample is a
 * non-negative combination of a few distinct atoms plus small Gaussian noise. An SAE that learns the data should
 * find every true atom among its dictionary rows ({@link #recoveryScore}).
 */
public final class PlantedDictionary {
    private final int dim;
    private final int atoms;
    private final float[] truth;

    private PlantedDictionary(int dim, int atoms, float[] truth) {
        this.dim = dim;
        this.atoms = atoms;
        this.truth = truth;
    }

    /** {@code atoms} Gaussian directions in {@code dim} dimensions, normalised, from {@code seed}. */
    public static PlantedDictionary random(int dim, int atoms, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] t = new float[atoms * dim];
        for (int a = 0; a < atoms; a++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                double g = Gaussian.next(rng);
                t[a * dim + i] = (float) g;
                ss += g * g;
            }
            double inv = 1 / Math.sqrt(ss);
            for (int i = 0; i < dim; i++) {
                t[a * dim + i] *= (float) inv;
            }
        }
        return new PlantedDictionary(dim, atoms, t);
    }

    public int dim() {
        return dim;
    }

    public int atoms() {
        return atoms;
    }

    /** The true atoms, row-major atoms×dim (a copy). */
    public float[] truth() {
        return truth.clone();
    }

    /**
     * {@code rows} samples, row-major: each the sum of {@code perSample} distinct atoms with coefficients uniform in
     * [0.5, 1.5), plus N(0, noise²) per coordinate, plus {@code offset} (a constant vector of length dim, or null).
     */
    public float[] sample(int rows, int perSample, double noise, float[] offset, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[rows * dim];
        int[] picked = new int[perSample];
        for (int b = 0; b < rows; b++) {
            for (int s = 0; s < perSample; s++) {
                int a;
                boolean again;
                do {
                    a = rng.nextInt(atoms);
                    again = false;
                    for (int q = 0; q < s; q++) {
                        again |= picked[q] == a;
                    }
                } while (again);
                picked[s] = a;
                float c = (float) (0.5 + rng.nextDouble());
                for (int i = 0; i < dim; i++) {
                    x[b * dim + i] += c * truth[a * dim + i];
                }
            }
            for (int i = 0; i < dim; i++) {
                x[b * dim + i] += (float) (noise * Gaussian.next(rng)) + (offset == null ? 0f : offset[i]);
            }
        }
        return x;
    }

    /** Mean over true atoms of the best cosine with any learned atom (rows of an n×dim matrix); 1 is perfect. */
    public double recoveryScore(float[] learned, int n) {
        double[] inv = new double[n];
        for (int j = 0; j < n; j++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) {
                ss += (double) learned[j * dim + i] * learned[j * dim + i];
            }
            inv[j] = ss > 0 ? 1 / Math.sqrt(ss) : 0;
        }
        double total = 0;
        for (int a = 0; a < atoms; a++) {
            double best = -1;
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int i = 0; i < dim; i++) {
                    dot += (double) truth[a * dim + i] * learned[j * dim + i];
                }
                best = Math.max(best, dot * inv[j]);
            }
            total += best;
        }
        return total / atoms;
    }
}
