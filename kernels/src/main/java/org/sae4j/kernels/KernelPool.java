package org.sae4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of kernel threads that runs one {@link Task} on all of them at once and waits for all of them.
 *
 * <p>Thread 0 is always the caller; threads {@code 1..threads-1} are daemon workers started in the constructor.
 * With {@code threads == 1} no thread is started and {@link #run} simply calls the task on the caller thread.
 * The kernels give each thread a contiguous chunk of the output, so a job is "call {@code task.run(t, threads)}
 * for every {@code t}": there is no queue, no futures and no allocation per job. Callers reuse their task objects
 * (e.g. one per workspace) instead of capturing lambdas per call.
 *
 * <p>Workers spin briefly and then park while idle, so a pool costs no CPU between jobs beyond that short spin.
 * One job runs at a time: concurrent callers of {@link #run} are serialized. {@link #run} must not be called from
 * inside a task of the same pool (it would wait for itself); this is detected and refused.
 */
public final class KernelPool implements AutoCloseable {

    /** One job: called once per thread index {@code thread} in {@code [0, threads)}, concurrently. */
    @FunctionalInterface
    public interface Task {
        void run(int thread, int threads);
    }

    // Spin this many rounds before parking: small kernels are dispatched far faster than a park/unpark round trip,
    // while a long idle period costs only one short spin.
    private static final int SPIN = 1 << 10;

    private static volatile KernelPool common;

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock jobLock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile Task task;
    private volatile Thread waiter;
    private volatile Throwable failure;
    private volatile boolean closed;

    /** A pool of {@code threads} threads in all, the caller included ({@code threads - 1} workers are started). */
    public KernelPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    /** A pool with one thread per available processor. */
    public KernelPool() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /**
     * A process-wide pool, created on first use, sized by system property {@code sae4j.threads} or else the number
     * of available processors. Never closed (its workers are daemons).
     */
    public static KernelPool common() {
        KernelPool p = common;
        if (p == null) {
            synchronized (KernelPool.class) {
                p = common;
                if (p == null) {
                    int n = Integer.getInteger("sae4j.threads", Runtime.getRuntime().availableProcessors());
                    common = p = new KernelPool(Math.max(1, n));
                }
            }
        }
        return p;
    }

    /** Threads in all, the caller included. */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task.run(t, threads())} for every {@code t} (t = 0 on the caller thread) and returns when all have
     * finished. All writes made by the tasks happen-before the return. The first exception thrown by any task is
     * rethrown here after all threads have finished.
     */
    public void run(Task task) {
        if (threads == 1) {
            task.run(0, 1);
            return;
        }
        if (Thread.currentThread() instanceof Worker w && w.pool() == this) {
            throw new IllegalStateException("KernelPool.run called from inside one of its own tasks");
        }
        jobLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("KernelPool is closed");
            }
            failure = null;
            this.task = task;
            waiter = Thread.currentThread();
            pending.set(threads - 1);
            generation++; // volatile write publishes task and the caller's prior writes to the workers
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
            try {
                task.run(0, threads);
            } catch (Throwable t) {
                recordFailure(t);
            }
            int spins = 0;
            while (pending.get() != 0) {
                if (spins < SPIN) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            this.task = null;
            Throwable f = failure;
            if (f != null) {
                failure = null;
                if (f instanceof RuntimeException re) {
                    throw re;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException(f);
            }
        } finally {
            jobLock.unlock();
        }
    }

    private void recordFailure(Throwable t) {
        synchronized (this) {
            if (failure == null) {
                failure = t;
            }
        }
    }

    /** Stops the workers (after the running job, if any). The pool cannot be used afterwards. */
    @Override
    public void close() {
        jobLock.lock();
        try {
            closed = true;
            generation++;
            for (Worker w : workers) {
                LockSupport.unpark(w);
            }
        } finally {
            jobLock.unlock();
        }
    }

    private final class Worker extends Thread {
        private final int index;

        Worker(int index) {
            super("sae4j-kernel-" + index);
            this.index = index;
            setDaemon(true);
        }

        KernelPool pool() {
            return KernelPool.this;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                int spins = 0;
                long g;
                while ((g = generation) == seen) {
                    if (spins < SPIN) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(KernelPool.this);
                    }
                }
                seen = g;
                if (closed) {
                    return;
                }
                try {
                    task.run(index, threads);
                } catch (Throwable t) {
                    recordFailure(t);
                }
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(waiter);
                }
            }
        }
    }
}
