package org.sae4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.kernels.KernelPool;
import org.sae4j.metrics.StreamingMetrics;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainListener;

/**
 * {@code train --eval-data}: the model in training, evaluated every {@code every} steps and at the end on rows it
 * never trains on. The encoder is the one inference uses ({@link SaeEncoder}, a copy of the weights taken at that
 * step) on rows standardised as the training rows are, so the figures equal {@code sae4j eval} on a checkpoint saved
 * at that step. It only reads the model: training takes the same steps with or without it.
 */
final class HeldOut implements TrainListener, AutoCloseable {
    /** Dense: a latent firing on more than this share of rows, the line TrainReport's density histogram draws. */
    static final double DENSE_THRESHOLD = 0.1;
    private static final int BATCH = 1024;

    /** One evaluation: the model after {@code step} steps on the first {@code rows} held-out rows. */
    record Figures(long step, long rows, double r2, double explainedVariance, double l0, double noFireFraction,
                   double denseFraction, double seconds) {
        /** The {@code --json} object of an evaluation (and the summary's {@code heldout}). */
        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("heldout", true);
            m.put("step", step);
            m.put("rows", rows);
            m.put("r2", r2);
            m.put("explained_variance", explainedVariance);
            m.put("l0", l0);
            m.put("no_fire_fraction", noFireFraction);
            m.put("dense_fraction", denseFraction);
            m.put("dense_threshold", DENSE_THRESHOLD);
            m.put("seconds", seconds);
            return m;
        }

        String line() {
            return String.format(Locale.ROOT, "held-out step %d (%d rows): R2 %.4f  EV %.4f  L0 %.2f  no-fire %.1f%%"
                            + "  dense %.1f%%  (%.1f s)", step, rows, r2, explainedVariance, l0, 100 * noFireFraction,
                    100 * denseFraction, seconds);
        }
    }

    private final Supplier<Sae> model;
    private final NpyDataset data;
    private final long maxRows;
    private final long every;
    private final Consumer<Figures> sink;
    private final BatchStream stream;
    private final KernelPool pool;
    private final List<Figures> points = new ArrayList<>();
    private double seconds;

    /**
     * @param model   the model being trained (read after each step)
     * @param maxRows the first rows used, 0 = all
     * @param every   steps between evaluations, 0 = only {@link #finish} at the end
     * @param sink    each evaluation, as it happens (the log line and the json object)
     */
    HeldOut(Supplier<Sae> model, NpyDataset data, Standardizer std, long maxRows, long every, int threads,
            Consumer<Figures> sink) {
        this.model = model;
        this.data = data;
        this.maxRows = maxRows == 0 ? data.rows() : Math.min(maxRows, data.rows());
        this.every = every;
        this.sink = sink;
        this.stream = Models.inOrder(data, (int) Math.min(BATCH, Math.max(1, this.maxRows)), std);
        this.pool = new KernelPool(threads);
    }

    @Override
    public void onStep(StepStats s) {
        long done = s.step() + 1;
        if (every > 0 && done % every == 0) {
            evaluate(done);
        }
    }

    /** The evaluation at the end of the run at {@code step}, done now unless the last one was at that step. */
    Figures finish(long step) {
        Figures last = last();
        if (model.get() == null) {
            return last;
        }
        return last != null && last.step() == step ? last : evaluate(step);
    }

    /** Every evaluation so far, in step order. */
    List<Figures> points() {
        return List.copyOf(points);
    }

    Figures last() {
        return points.isEmpty() ? null : points.get(points.size() - 1);
    }

    /** Seconds spent evaluating (inside the training loop's wall time). */
    double seconds() {
        return seconds;
    }

    private Figures evaluate(long step) {
        long t0 = System.nanoTime();
        Sae sae = model.get();
        // A transcoder's held-out rows hold x then its target y; the figures compare its output with y.
        StreamingMetrics m = new StreamingMetrics(sae.outDim(), sae.latents());
        int b = stream.batchSize();
        org.sae4j.data.RowPairs buf = new org.sae4j.data.RowPairs(b, sae.dim(), sae.outDim(),
                sae.config().transcoder() != null);
        float[] x = buf.x;
        float[] y = buf.y;
        float[] z = new float[b * sae.latents()];
        float[] xhat = new float[b * sae.outDim()];
        // Rows come standardised from the stream: the encoder takes them as given and the figures are in the
        // model's input space, as sae4j eval computes them.
        SaeEncoder enc = SaeEncoder.of(sae, null, pool);
        stream.seek(new BatchStream.Position(0, 0));
        long seen = 0;
        while (seen < maxRows) {
            int rows = (int) Math.min(stream.next(buf.in), maxRows - seen);
            buf.split(rows);
            enc.encodeDense(x, rows, z);
            enc.decodeDense(z, x, rows, xhat);
            m.observe(y, xhat, z, rows);
            seen += rows;
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        seconds += secs;
        Figures f = new Figures(step, m.rows(), m.r2ScalarMean(), m.explainedVariance(), m.l0(), m.noFireFraction(),
                m.denseFraction(DENSE_THRESHOLD), secs);
        points.add(f);
        sink.accept(f);
        return f;
    }

    @Override
    public void close() {
        pool.close();
    }
}
