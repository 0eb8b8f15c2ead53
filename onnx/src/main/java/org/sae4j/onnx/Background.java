package org.sae4j.onnx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One named daemon thread that runs tasks in submission order: the extractor's counting pass, read-ahead
 * tokenizer and shard writer, each overlapping the model run. {@link #get} rethrows a task's failure as thrown.
 */
final class Background implements AutoCloseable {
    /** A task that may throw what the extractor's own code throws. */
    interface Task<T> {
        T call() throws IOException;
    }

    private final ExecutorService thread;

    Background(String name) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    <T> Future<T> submit(Task<T> task) {
        Callable<T> c = () -> {
            try {
                return task.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return thread.submit(c);
    }

    /** The task's result, or its exception (an {@link IOException} or unchecked one) rethrown here. */
    static <T> T get(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UncheckedIOException io) throw io.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }

    /** Stops taking tasks and waits for the running one (it may hold files or the tokenizer). */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(1, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
