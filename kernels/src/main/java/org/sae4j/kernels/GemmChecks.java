package org.sae4j.kernels;

import java.util.Objects;

/** Argument checks and work splitting shared by the {@link Gemm} implementations. */
final class GemmChecks {
    private GemmChecks() {
    }

    /** Fails unless {@code a[off .. off+len)} is inside {@code a}. */
    static void range(String what, float[] a, int off, long len) {
        Objects.requireNonNull(a, what);
        if (off < 0 || len < 0 || off + len > a.length) {
            throw new IndexOutOfBoundsException(what + ": need [" + off + ", " + (off + len) + ") in an array of "
                    + a.length);
        }
    }

    static void shape(int n, int d) {
        if (n < 1 || d < 1) {
            throw new IllegalArgumentException("need n >= 1 and d >= 1, got n=" + n + " d=" + d);
        }
    }

    /** Fails unless {@code 0 ≤ j0 ≤ j1 ≤ n}. */
    static void rows(int j0, int j1, int n) {
        if (j0 < 0 || j1 < j0 || j1 > n) {
            throw new IndexOutOfBoundsException("rows [" + j0 + ", " + j1 + ") of W with " + n + " rows");
        }
    }

    static void batch(int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
    }

    static int threads(KernelPool pool) {
        return pool == null ? 1 : pool.threads();
    }

    static void run(KernelPool pool, KernelPool.Task task) {
        if (pool == null) {
            task.run(0, 1);
        } else {
            pool.run(task);
        }
    }

    /**
     * Start of thread {@code t}'s contiguous chunk of {@code total} items, chunks rounded up to multiples of
     * {@code align} so that only the last chunk has a ragged end. The chunk is {@code [start(t), start(t+1))}.
     */
    static int chunkStart(int total, int threads, int align, int t) {
        int units = (total + align - 1) / align;
        int per = (units + threads - 1) / threads;
        return (int) Math.min(total, (long) t * per * align);
    }
}
