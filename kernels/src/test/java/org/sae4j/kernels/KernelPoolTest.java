package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KernelPoolTest {

    @Test
    void oneThreadRunsOnTheCaller() {
        try (KernelPool pool = new KernelPool(1)) {
            Thread[] seen = new Thread[1];
            pool.run((t, n) -> seen[t] = Thread.currentThread());
            assertThat(seen[0]).isSameAs(Thread.currentThread());
        }
    }

    @Test
    void everyIndexRunsOncePerJobAndThreadZeroIsTheCaller() {
        try (KernelPool pool = new KernelPool(3)) {
            int[] counts = new int[3];
            Thread[] zero = new Thread[1];
            for (int job = 0; job < 1000; job++) {
                pool.run((t, n) -> {
                    counts[t]++; // each index is written by one thread per job; run() publishes the writes
                    if (t == 0) {
                        zero[0] = Thread.currentThread();
                    }
                    assertThat(n).isEqualTo(3);
                });
            }
            assertThat(counts).containsExactly(1000, 1000, 1000);
            assertThat(zero[0]).isSameAs(Thread.currentThread());
        }
    }

    @Test
    void aFailingTaskIsRethrownAfterAllThreadsFinishAndThePoolStaysUsable() {
        try (KernelPool pool = new KernelPool(2)) {
            assertThatThrownBy(() -> pool.run((t, n) -> {
                if (t == 1) {
                    throw new IllegalArgumentException("boom");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
            int[] counts = new int[2];
            pool.run((t, n) -> counts[t]++);
            assertThat(counts).containsExactly(1, 1);
        }
    }

    @Test
    void nestedRunFromAWorkerIsRefused() {
        try (KernelPool pool = new KernelPool(2)) {
            AtomicReference<Throwable> inner = new AtomicReference<>();
            pool.run((t, n) -> {
                if (t == 1) {
                    try {
                        pool.run((a, b) -> { });
                    } catch (IllegalStateException e) {
                        inner.set(e);
                    }
                }
            });
            assertThat(inner.get()).hasMessageContaining("inside one of its own tasks");
        }
    }

    @Test
    void rejectsZeroThreads() {
        assertThatThrownBy(() -> new KernelPool(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
