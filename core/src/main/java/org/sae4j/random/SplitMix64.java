package org.sae4j.random;

/**
 * SplitMix64 (Steele, Lea, Flood 2014): a tiny, fully specified generator. Used instead of {@code java.util}
 * generators so shuffles and samples are identical across JDK versions and vendors, which bit-for-bit resume needs.
 */
public final class SplitMix64 {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A seed derived from a base seed and a path of integers (epoch, group, purpose...), well mixed. */
    public static long derive(long seed, long... parts) {
        long h = mix(seed ^ 0x5AE4_0000_0000_0001L);
        for (long p : parts) {
            h = mix(h + GOLDEN * (p + 1));
        }
        return h;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long nextLong() {
        state += GOLDEN;
        return mix(state);
    }

    /** Uniform in [0, bound) without modulo bias (rejection on the top of the range). */
    public long nextLong(long bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        long r = nextLong() >>> 1;
        long m = bound - 1;
        if ((bound & m) == 0) return r & m; // power of two
        long u = r;
        while (u - (r = u % bound) + m < 0) { // overflow means u fell in the final partial block
            u = nextLong() >>> 1;
        }
        return r;
    }

    int nextInt(int bound) {
        return (int) nextLong(bound);
    }

    /** Fisher–Yates shuffle of {@code a[0, n)}. */
    public void shuffle(long[] a, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    public void shuffle(int[] a, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
