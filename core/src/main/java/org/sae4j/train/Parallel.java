package org.sae4j.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/** Splits {@code [0, n)} into contiguous chunks, one per thread; each index's work is independent of the split. */
final class Parallel {
    private Parallel() {
    }

    interface RangeBody {
        void run(int lo, int hi);
    }

    static void forRange(ExecutorService pool, int threads, int n, RangeBody body) {
        if (pool == null || threads <= 1 || n < 2) {
            body.run(0, n);
            return;
        }
        int chunks = Math.min(threads, n);
        List<Future<?>> futures = new ArrayList<>(chunks);
        for (int c = 1; c < chunks; c++) {
            int lo = (int) ((long) n * c / chunks);
            int hi = (int) ((long) n * (c + 1) / chunks);
            futures.add(pool.submit(() -> body.run(lo, hi)));
        }
        body.run(0, (int) ((long) n / chunks));
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof RuntimeException re) {
                    throw re;
                }
                if (c instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(c);
            }
        }
    }
}
