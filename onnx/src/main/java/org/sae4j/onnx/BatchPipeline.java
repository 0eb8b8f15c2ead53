package org.sae4j.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Future;

/**
 * Batches through the model into two alternating sets of direct output buffers (ONNX Runtime writes into them, the
 * shard writers read from them: no copy on the Java side), while a writer thread puts the previous batch's rows
 * into the shards. Writing (page-cache copies, fsyncs) thus overlaps the model run instead of following it.
 */
final class BatchPipeline implements AutoCloseable {
    private final OnnxRunner runner;
    private final ShardWriter[] writers;
    private final boolean keepSpecial;
    private final int[] widths;
    private final ByteBuffer[][] into = new ByteBuffer[2][];
    private final Future<?>[] writing = new Future<?>[2];
    private final ArrayDeque<Future<?>> queued = new ArrayDeque<>();
    private final Background writer = new Background("sae4j-write");
    private int turn;
    private long modelNanos;

    /** The output widths come from a run of {@code probe} alone; buffers fit {@code batch × maxTokens} tokens. */
    BatchPipeline(OnnxRunner runner, ShardWriter[] writers, boolean keepSpecial, TextTokenizer.Tokens probe,
            int batch, int maxTokens) {
        this.runner = runner;
        this.writers = writers;
        this.keepSpecial = keepSpecial;
        this.widths = runner.run(List.of(probe)).widths();
        for (int s = 0; s < 2; s++) {
            into[s] = new ByteBuffer[widths.length];
            for (int q = 0; q < widths.length; q++) into[s][q] = direct((long) batch * maxTokens * widths[q]);
        }
    }

    private static ByteBuffer direct(long floats) {
        return ByteBuffer.allocateDirect(Math.toIntExact(floats * Float.BYTES)).order(ByteOrder.nativeOrder());
    }

    /**
     * Runs {@code docs} through the model and queues their rows for writing, document i's first row as row
     * {@code rows[i]}.
     */
    void run(List<TextTokenizer.Tokens> docs, long[] rows) throws IOException {
        int s = turn;
        turn ^= 1;
        if (writing[s] != null) Background.get(writing[s]); // the writer is done with this buffer set
        checkQueued();
        int t = OnnxRunner.longest(docs);
        ByteBuffer[] out = into[s];
        for (int q = 0; q < out.length; q++) {
            long need = (long) docs.size() * t * widths[q];
            if (need * Float.BYTES > out[q].capacity()) out[q] = direct(need);
        }
        long t0 = System.nanoTime();
        int seq = runner.runInto(docs, widths, out);
        modelNanos += System.nanoTime() - t0;
        writing[s] = writer.submit(() -> {
            for (int k = 0; k < docs.size(); k++) {
                for (int q = 0; q < out.length; q++) {
                    writeRows(docs.get(k), k * seq, rows[k], out[q], widths[q], writers[q]);
                }
            }
            return null;
        });
    }

    /**
     * Writes one document's rows (its tokens from {@code at} in the batch output {@code out}, special ones skipped
     * unless kept) as rows {@code row, row + 1, ...}: one write per run of kept tokens.
     */
    private void writeRows(TextTokenizer.Tokens t, int at, long row, ByteBuffer out, int width, ShardWriter w)
            throws IOException {
        int rowBytes = width * Float.BYTES;
        int j = 0;
        while (j < t.length()) {
            if (!t.emits(j, keepSpecial)) {
                j++;
                continue;
            }
            int from = j;
            while (j < t.length() && t.emits(j, keepSpecial)) j++;
            w.write(row, out.duplicate().limit((at + j) * rowBytes).position((at + from) * rowBytes), width);
            row += j - from;
        }
    }

    /** Queues {@code task} on the writer thread after the writes queued so far. */
    void then(Background.Task<?> task) {
        queued.add(writer.submit(task));
    }

    private void checkQueued() throws IOException {
        while (!queued.isEmpty() && queued.peek().isDone()) Background.get(queued.poll());
    }

    /** Waits for everything queued; rethrows the first failure. */
    void drain() throws IOException {
        for (Future<?> f : writing) {
            if (f != null) Background.get(f);
        }
        while (!queued.isEmpty()) Background.get(queued.poll());
    }

    double modelSeconds() {
        return modelNanos / 1e9;
    }

    /** Stops the writer thread, after the write it is doing. */
    @Override
    public void close() {
        writer.close();
    }
}
