package org.sae4j.train;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.sae4j.model.Sae;

/**
 * Resampling of dead latents (Anthropic, "Towards Monosemanticity", 2023; dictionary_learning's
 * {@code StandardTrainer.resample_neurons}), run by {@link FusedStep} and {@link ReferenceStep} alike right after their
 * update, so both give the same parameters. Every {@link TrainConfig#resampleEvery} steps, the latents dead over the
 * window ({@link OptimizerState#windowDead}) get new parameters from inputs of this step's batch:
 * <ol>
 *   <li>each row b of the batch is weighted by its squared reconstruction error squared,
 *       {@code w_b = (‖x_b − x̂_b‖²)²} (Anthropic's "∝ loss²"; dictionary_learning weights by {@code ‖x_b − x̂_b‖}),
 *       x̂ from the model just updated;</li>
 *   <li>{@code min(dead, rows with w_b > 0)} rows are drawn without replacement ∝ w (Efraimidis–Spirakis keys
 *       {@code log(u)/w}, u from a generator seeded by the run's seed and the step), and given to the dead latents
 *       in index order (dictionary_learning: the first dead ones, too);</li>
 *   <li>with {@code v = x_b − b_dec} (the input the encoder sees; both peers use the raw input): W_dec[j] = v/‖v‖,
 *       W_enc[j] = v/‖v‖ · 0.2 · the mean ‖W_enc‖ of the live latents (Anthropic; dictionary_learning leaves v
 *       unnormalised there), b_enc[j] = 0, and Adam's first and second moments of those three zeroed;</li>
 *   <li>the latent's tokens-since-fired counter restarts at 0, so it has a whole window to fire before it counts as
 *       dead again (for AuxK, the window mask and the next resample).</li>
 * </ol>
 * A transcoder's rows hold x then its target y: the weights are of {@code ‖y_b − ŷ_b‖²}, the atom is
 * {@code (y_b − b_dec)/‖·‖} (the output it should produce) and the encoder row {@code x_b/‖x_b‖ · 0.2 · mean ‖W_enc‖}
 * (the input it reads), our generalisation: neither peer resamples transcoders.
 * The sample is the current batch (as in dictionary_learning; Anthropic drew from a larger sample of recent inputs),
 * so the step needs no state beyond what a checkpoint already holds and a resumed run resamples exactly as an
 * uninterrupted one. Until one dead window of tokens has passed no latent can be window-dead, so a scheduled resample
 * before then does nothing. JumpReLU's thresholds are left as they are.
 */
final class Resampling {
    /** The encoder row's length relative to the live latents' mean (both peers: 0.2). */
    static final double ENCODER_SCALE = 0.2;
    /** Rows per forward pass when measuring the batch's errors. */
    static final int CHUNK_ROWS = 256;

    private final Sae sae;
    private final TrainConfig cfg;
    private final boolean[] dead;

    Resampling(Sae sae, TrainConfig cfg) {
        this.sae = sae;
        this.cfg = cfg;
        this.dead = new boolean[sae.latents()];
    }

    /**
     * After a step ({@code state.step} already counts it) on {@code rows} rows of {@code x} from {@code off}:
     * resamples when the schedule says so. Returns how many latents were resampled.
     */
    int afterStep(float[] x, int off, int rows, OptimizerState state) {
        long every = cfg.resampleEvery();
        if (every <= 0 || state.step % every != 0 || rows == 0) {
            return 0;
        }
        int deadCount = state.windowDead(cfg.deadWindowTokens(), dead);
        if (deadCount == 0) {
            return 0;
        }
        Sample s = sample(x, off, rows);
        float[] xhat = reconstruct(s.batch, rows, sae.dim(), sae.outDim());
        Integer[] order = new Integer[rows];
        int drawable = drawOrder(s, xhat, rows, state.step, order);
        int resample = Math.min(deadCount, drawable);
        if (resample == 0) {
            return 0;
        }
        int n = sae.latents();
        double liveNorm = meanEncoderNorm(sae.wEnc(), n, sae.dim(), deadCount < n);
        int next = 0;
        for (int j = 0; j < n && next < resample; j++) {
            if (dead[j]) {
                reinitialise(j, s, order[next++], liveNorm, state);
            }
        }
        return resample;
    }

    /**
     * The step's rows: the inputs (rows × d) and what the model reconstructs (rows × d_out), the same array for an
     * autoencoder; {@code centreTarget}: whether b_dec is taken off the target (a pre-encoder bias, or a transcoder).
     */
    private record Sample(float[] batch, float[] target, boolean transcoder, boolean centre, boolean centreTarget) {
    }

    private Sample sample(float[] x, int off, int rows) {
        int d = sae.dim();
        int dOut = sae.outDim();
        float[] batch;
        float[] target;
        if (sae.config().transcoder() == null) {
            batch = off == 0 && x.length == rows * d ? x : Arrays.copyOfRange(x, off, off + rows * d);
            target = batch;
        } else {
            batch = new float[rows * d];
            target = new float[rows * dOut];
            org.sae4j.data.RowPairs.split(x, off, rows, d, dOut, batch, target);
        }
        boolean centre = sae.config().preEncoderBias();
        boolean transcoder = target != batch;
        return new Sample(batch, target, transcoder, centre, centre || transcoder);
    }

    /**
     * Fills {@code order} with the rows by descending key log(u)/w (ties by index): its first k are a draw of k rows
     * without replacement, ∝ w. Returns how many rows can be drawn at all (w > 0 and a non-zero atom).
     */
    private int drawOrder(Sample s, float[] xhat, int rows, long step, Integer[] order) {
        int d = sae.dim();
        int dOut = sae.outDim();
        float[] bDec = sae.bDec();
        SplittableRandom r = new SplittableRandom(cfg.seed() * 0x9E3779B97F4A7C15L + step);
        double[] key = new double[rows];
        int drawable = 0;
        for (int b = 0; b < rows; b++) {
            double u = 1 - r.nextDouble(); // (0, 1]
            double err = 0;
            for (int i = 0; i < dOut; i++) {
                double e = s.target[b * dOut + i] - xhat[b * dOut + i];
                err += e * e;
            }
            double w = err * err;
            boolean usable = w > 0 && decoderNorm2(s.target, b, bDec, s.centreTarget) > 0
                    && (!s.transcoder || norm2(s.batch, b, d) > 0);
            key[b] = usable ? Math.log(u) / w : Double.NEGATIVE_INFINITY;
            drawable += usable ? 1 : 0;
            order[b] = b;
        }
        Arrays.sort(order, (a, b) -> key[a] != key[b] ? Double.compare(key[b], key[a]) : Integer.compare(a, b));
        return drawable;
    }

    /** Latent j from row b: its atom, encoder row and bias, Adam's moments and its since-fired counter. */
    private void reinitialise(int j, Sample s, int b, double liveNorm, OptimizerState state) {
        int d = sae.dim();
        int dOut = sae.outDim();
        float[] wEnc = sae.wEnc();
        float[] wDec = sae.wDec();
        float[] bDec = sae.bDec();
        // The atom points at the row's target as the decoder sees it (x − b_dec, or a transcoder's y − b_dec);
        // the encoder row at the input it reads (the same v for an autoencoder, x_b for a transcoder).
        double inv = 1 / Math.sqrt(decoderNorm2(s.target, b, bDec, s.centreTarget));
        for (int i = 0; i < dOut; i++) {
            wDec[j * dOut + i] = (float) ((s.target[b * dOut + i] - (s.centreTarget ? bDec[i] : 0)) * inv);
        }
        if (s.transcoder) {
            double invX = 1 / Math.sqrt(norm2(s.batch, b, d));
            for (int i = 0; i < d; i++) {
                wEnc[j * d + i] = (float) (s.batch[b * d + i] * invX * ENCODER_SCALE * liveNorm);
            }
        } else {
            for (int i = 0; i < d; i++) {
                double unit = (s.batch[b * d + i] - (s.centre ? bDec[i] : 0)) * inv;
                wEnc[j * d + i] = (float) (unit * ENCODER_SCALE * liveNorm);
            }
        }
        sae.bEnc()[j] = 0;
        zeroMoments(state, j, d, dOut);
        state.sinceFired[j] = 0;
    }

    /** ‖y_b − b_dec‖² (or ‖y_b‖² when {@code centre} is off) over the output width. */
    private double decoderNorm2(float[] y, int b, float[] bDec, boolean centre) {
        int dOut = sae.outDim();
        double vv = 0;
        for (int i = 0; i < dOut; i++) {
            double v = y[b * dOut + i] - (centre ? bDec[i] : 0);
            vv += v * v;
        }
        return vv;
    }

    private static double norm2(float[] a, int b, int d) {
        double s = 0;
        for (int i = 0; i < d; i++) {
            s += (double) a[b * d + i] * a[b * d + i];
        }
        return s;
    }

    /**
     * The model's output for every row, {@link #CHUNK_ROWS} rows at a time: the model's forward pass holds a
     * rows × n matrix, which at B = 4096 and n = 65536 would be 1 GiB (the forward pass is row by row, so chunks
     * change nothing).
     */
    private float[] reconstruct(float[] batch, int rows, int d, int dOut) {
        float[] xhat = new float[rows * dOut];
        for (int b0 = 0; b0 < rows; b0 += CHUNK_ROWS) {
            int m = Math.min(CHUNK_ROWS, rows - b0);
            float[] part = sae.forward(Arrays.copyOfRange(batch, b0 * d, (b0 + m) * d), m).reconstruction();
            System.arraycopy(part, 0, xhat, b0 * dOut, m * dOut);
        }
        return xhat;
    }

    /** Mean ‖W_enc[j]‖ over the live latents (over all of them when every latent is dead). */
    private double meanEncoderNorm(float[] wEnc, int n, int d, boolean anyLive) {
        double sum = 0;
        int count = 0;
        for (int j = 0; j < n; j++) {
            if (anyLive && dead[j]) {
                continue;
            }
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) wEnc[j * d + i] * wEnc[j * d + i];
            }
            sum += Math.sqrt(ss);
            count++;
        }
        return sum / count;
    }

    /** Adam's m and v of W_enc[j], b_enc[j] and W_dec[j] (tensors 0, 1 and 2 of {@link Sae#tensors()}). */
    private static void zeroMoments(OptimizerState state, int j, int d, int dOut) {
        for (float[][] moments : new float[][][] {state.m, state.v}) {
            Arrays.fill(moments[0], j * d, (j + 1) * d, 0f);
            moments[1][j] = 0f;
            Arrays.fill(moments[2], j * dOut, (j + 1) * dOut, 0f);
        }
    }
}
