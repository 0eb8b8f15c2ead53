package org.sae4j.bench;

import java.util.SplittableRandom;
import org.sae4j.random.Gaussian;

/** Shared set-up of the kernel benchmarks: seeded Gaussian data. */
final class KernelBenchSupport {
    private KernelBenchSupport() {
    }

    static float[] gaussian(int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = (float) Gaussian.next(r);
        }
        return a;
    }
}
