package org.sae4j.encode;

import java.util.Arrays;
import org.sae4j.BadInputException;
import org.sae4j.encode.select.RowTopK;
import org.sae4j.encode.select.TopK;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.GroupMax;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;

/**
 * A trained SAE's encoder and decoder for serving: immutable, thread-safe, one instance shared by every request.
 *
 * <pre>{@code
 * SaeEncoder enc = ModelFormats.loadEncoder(Path.of("run1"));
 * SparseCode code = enc.encode(activation);          // non-zero codes, strongest first
 * float[] xhat = enc.decode(code);
 * }</pre>
 * A model folder of any format is read by {@code org.sae4j.formats.ModelFormats#loadEncoder}; this package does
 * not depend on the readers, so an encoder in memory is built with {@link #of(Sae)}.
 *
 * <p>Codes are those of {@link Sae#activate}: TopK keeps the k largest pre-activations of the row that are positive;
 * ReLU every positive one; JumpReLU those above their latent's θ; BatchTopK (at inference) those above the global
 * threshold {@link Sae#batchTopKThreshold()}; GroupMax the positive maximum of each group ({@link GroupMax}). A
 * checkpoint's {@link Standardizer} is applied to inputs, and
 * reconstructions are returned in the data's own units.
 *
 * <p>Two paths, both on the training kernels of {@link VectorizationProvider}:
 * <ul>
 *   <li>Single vectors ({@link #encode(float[])}, {@link #topFeatures}, {@link #reconstructionError}): a lock-free
 *       matrix-vector product over {@code W_enc} rows with {@link VectorOps#dot}, one block of latents at a time,
 *       each block scanned by {@link ThresholdSelect} into a small {@link RowTopK} heap. Runs on the caller's thread
 *       with a few KB of call-local scratch, so any number of threads encode concurrently.</li>
 *   <li>Batches ({@link #encode(float[], int, int[], float[], int)}): the GEMM with {@code W_enc} packed once at
 *       construction and an epilogue that keeps each row's top codes, so the n-wide pre-activation row is never
 *       stored. One batch product runs at a time (a lock guards the GEMM workspace and the heaps; each product
 *       already uses every thread of the kernel pool); scratch is owned by the encoder and reused, so after the
 *       first call with a given {@code k} a batch call allocates nothing.</li>
 * </ul>
 * The two paths sum in different orders, so a row's values differ between them by float rounding (and a TopK
 * selection can differ where two pre-activations are within rounding of each other). Each path is deterministic:
 * the same input gives bit-identical codes whichever thread calls and however many run at once.
 *
 * <p>Single vectors in a screened {@link EncoderMode} ({@code BF16}, {@code INT8}) read a compressed copy of
 * {@code W_enc} for every latent and the float32 rows only for the candidates {@link ScreenedEncoder} cannot rule
 * out: same codes, bit for bit, as {@link EncoderMode#FLOAT32}, for a quarter or half of the bytes read per vector.
 * Batches always run the float32 GEMM (a batch reuses each weight across rows, so bytes are not what limits it).
 *
 * <p>In an approximate mode ({@code BF16_APPROX}, {@code INT8_APPROX}) the encoder keeps no float32 {@code W_enc}:
 * single vectors and batches (row by row) take their codes from the compressed copy, within its error bound of the
 * float32 values, and the selection can differ near the cut.
 *
 * <p>Dense batches ({@link #encodeDense}, {@link #decodeDense}) serve {@code encode --dense} and {@code eval}.
 */
public final class SaeEncoder {
    // Latents per block of the single-vector path: the block and its candidate list stay in L1.
    private static final int BLOCK = 256;

    private final SaeConfig config;
    private final int d;
    private final int dOut;
    private final int n;
    private final Activation act;
    private final EncoderWeights w;
    private final EncoderMode mode;
    private final ScreenedEncoder screen;  // null for EncoderMode.FLOAT32 and for models with a ForwardRule
    private final VectorOps ops;
    private final ThresholdSelect select;
    private final BatchEncoder batch;

    private SaeEncoder(Sae sae, Standardizer standardizer, KernelPool pool, EncoderMode mode) {
        this.w = new EncoderWeights(sae, standardizer, mode);
        this.config = w.config;
        this.d = w.d;
        this.dOut = w.dOut;
        this.n = w.n;
        this.act = w.act;
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.ops = p.vectorOps();
        this.select = p.thresholdSelect();
        this.mode = mode;
        // The screen bounds the plain pre-activations; an imported model's rule (row norm, gate, strict θ) is
        // applied by the float32 path only, so such a model encodes exactly there whatever the mode.
        // GroupMax's selection is per group, which the screen's row-wide bound does not cover: the float32 rows
        // answer every latent (exact, without the screen's savings).
        this.screen = mode.format() == null || w.rule != null || act == Activation.GROUPMAX ? null
                : new ScreenedEncoder(mode.approximate() ? sae.wEnc() : w.wEnc, w.bEnc, n, d, mode.format());
        this.batch = new BatchEncoder(w, mode, screen, pool);
    }

    /** An encoder for {@code sae} (its parameters are copied), inputs used as given, on {@link KernelPool#common()}. */
    public static SaeEncoder of(Sae sae) {
        return new SaeEncoder(sae, null, KernelPool.common(), EncoderMode.FLOAT32);
    }

    /**
     * As {@link #of(Sae)} with an input standardisation ({@code null} for none) and the pool that runs batch
     * products (the caller keeps ownership of the pool).
     */
    public static SaeEncoder of(Sae sae, Standardizer standardizer, KernelPool pool) {
        return of(sae, standardizer, pool, EncoderMode.FLOAT32);
    }

    /** As {@link #of(Sae, Standardizer, KernelPool)}, with single vectors encoded in {@code mode}. */
    public static SaeEncoder of(Sae sae, Standardizer standardizer, KernelPool pool, EncoderMode mode) {
        if (pool == null) {
            throw new IllegalArgumentException("pool: expected a KernelPool, e.g. KernelPool.common()");
        }
        if (mode == null) {
            throw new IllegalArgumentException("mode: expected an EncoderMode, e.g. EncoderMode.FLOAT32");
        }
        return new SaeEncoder(sae, standardizer, pool, mode);
    }

    /** Which copy of {@code W_enc} single vectors read. */
    public EncoderMode mode() {
        return mode;
    }

    /**
     * Bytes of model weights this encoder holds: {@code W_enc} (float32, plus the compressed copy in a screened mode,
     * plus the GEMM's packed copy for batches), the dictionary and the vectors.
     */
    public long memoryBytes() {
        long nd = (long) n * d;
        long bytes = (w.wEnc != null ? 8 * nd : 0) /* W_enc and its copy packed for the GEMM */
                + 4L * n * dOut /* dictionary */ + 4L * (2 * n + dOut) + (w.theta != null ? 4L * n : 0)
                + (w.wSkip != null ? 4L * w.wSkip.length : 0);
        return bytes + (screen != null ? screen.bytes() : 0);
    }

    public SaeConfig config() {
        return config;
    }

    /** Input width d. */
    public int dim() {
        return d;
    }

    /** Dictionary size n. */
    public int latents() {
        return n;
    }

    // ---------------------------------------------------------------- single vectors

    /** The non-zero codes of {@code x} (length d), strongest first. */
    public SparseCode encode(float[] x) {
        return encodeOne(x, Integer.MAX_VALUE);
    }

    /** The {@code m} strongest non-zero codes of {@code x} (fewer when fewer are active), strongest first. */
    public SparseCode topFeatures(float[] x, int m) {
        if (m < 1) {
            throw new BadInputException("m = " + m + ": expected at least 1 feature");
        }
        return encodeOne(x, m);
    }

    /**
     * How many latents a single-vector {@link #encode(float[])} of {@code x} computes from the float32 rows: the
     * screen's candidates in a screened mode, n in {@link EncoderMode#FLOAT32} mode or for an input outside the
     * screen's range. For monitoring and benchmarks: the screened modes pay about this many float32 row reads.
     */
    public int candidateCount(float[] x) {
        w.checkRows("input", x, 1, true);
        if (screen == null) {
            return n;
        }
        if (mode.approximate()) {
            return 0;
        }
        float[] in = x;
        if (w.prepares()) {
            in = x.clone();
            w.prepare(in, 0, 1);
        }
        int count = screen.candidates(in, w.limit(Integer.MAX_VALUE), w.floor, w.theta, new int[n]);
        return count < 0 ? n : count;
    }

    /**
     * Mean squared error {@code (1/d)·‖x − x̂‖²} of the reconstruction of {@code x}, in the data's units. A transcoder
     * reconstructs another activation: compare {@link #reconstruct}{@code (x)} with its target instead.
     */
    public double reconstructionError(float[] x) {
        if (config().transcoder() != null) {
            throw new BadInputException("reconstructionError: a transcoder's output is another activation (width "
                    + dOut + "); expected reconstruct(x) compared with its target");
        }
        float[] xhat = reconstruct(x);
        double sse = 0;
        for (int i = 0; i < d; i++) {
            double r = (double) x[i] - xhat[i];
            sse += r * r;
        }
        return sse / d;
    }

    /**
     * {@code x̂} of {@code x} in the data's units: {@code decode(encode(x))}, and for a model imported with a
     * per-row input normalisation ({@link ForwardRule.RowNorm}) mapped back with {@code x}'s own statistics, as
     * SAELens's forward does ({@link #decode} alone cannot: it has no input row).
     */
    public float[] reconstruct(float[] x) {
        float[] xhat = decode(encode(x));
        w.addSkip(x, 0, 1, xhat, 0); // a skip transcoder's linear path (other models: nothing)
        if (w.rule != null && w.rule.norm() != ForwardRule.RowNorm.NONE) {
            float[] in = x;
            if (w.standardizer != null) {
                in = x.clone();
                w.standardizer.apply(in, 0, 1);
                w.standardizer.apply(xhat, 0, 1); // back into the model's space, where the row statistics apply
            }
            w.rule.denormalize(xhat, 0, in, 0, 1, d);
            if (w.standardizer != null) {
                w.standardizer.invert(xhat, 0, 1);
            }
        }
        return xhat;
    }

    private SparseCode encodeOne(float[] x, int m) {
        w.checkRows("input", x, 1, true);
        float[] in = x;
        if (w.prepares()) {
            in = x.clone();
            w.prepare(in, 0, 1);
        }
        int limit = w.limit(m);
        if (mode.approximate()) {
            int size = Math.min(limit, n);
            int[] idx = new int[size];
            float[] val = new float[size];
            int got = new ApproximateCodes(w, screen, select, limit).encode(in, idx, val, 0);
            return new SparseCode(Arrays.copyOf(idx, got), Arrays.copyOf(val, got));
        }
        if (screen != null) {
            int[] cand = new int[n];
            int count = screen.candidates(in, limit, w.floor, w.theta, cand);
            if (count >= 0) {
                return exactCodes(in, cand, count, limit);
            }
            // −1: the input is too large for the screen's bound; the float32 path below answers.
        }
        float[] pre = new float[Math.min(BLOCK, n)];
        int[] c = new int[pre.length];
        if (act == Activation.GROUPMAX) {
            // Groups may straddle blocks: a running maximum per group, then its positive ones best first.
            GroupMax groups = new GroupMax(1, n, config.k());
            groups.reset(1);
            for (int j0 = 0; j0 < n; j0 += BLOCK) {
                groups.offer(0, j0, pre, 0, gemv(in, j0, pre));
            }
            int[] idx = new int[limit];
            float[] val = new float[limit];
            int got = groups.drainSorted(0, limit, idx, val, 0, new long[config.k()]);
            return new SparseCode(Arrays.copyOf(idx, got), Arrays.copyOf(val, got));
        }
        if (limit < n) {
            // Bounded: a heap of the best `limit`, whose root lets the scan skip most of each block.
            RowTopK heap = new RowTopK(1, limit);
            for (int j0 = 0; j0 < n; j0 += BLOCK) {
                w.offer(heap, select, j0, pre, 0, gemv(in, j0, pre), c);
            }
            int[] idx = new int[heap.size(0)];
            float[] val = new float[idx.length];
            heap.drainSorted(0, idx, val, 0);
            return new SparseCode(idx, val);
        }
        // Unbounded (ReLU, JumpReLU, BatchTopK): every code above its threshold, sorted once at the end.
        long[] keys = new long[64];
        int count = 0;
        for (int j0 = 0; j0 < n; j0 += BLOCK) {
            int cols = gemv(in, j0, pre);
            int found = w.theta != null
                    ? select.aboveEach(pre, 0, cols, w.theta, j0, c, 0)
                    : select.above(pre, 0, cols, w.floor, c, 0);
            if (count + found > keys.length) {
                keys = Arrays.copyOf(keys, Math.max(2 * keys.length, count + found));
            }
            for (int q = 0; q < found; q++) {
                keys[count++] = sortKey(pre[c[q]], j0 + c[q]);
            }
        }
        Arrays.sort(keys, 0, count);
        int[] idx = new int[count];
        float[] val = new float[count];
        for (int q = 0; q < count; q++) {
            idx[q] = (int) keys[q];
            val[q] = sortedValue(keys[q]);
        }
        return new SparseCode(idx, val);
    }

    // Kept codes are positive, so their float bits order like the values; ascending keys = value descending,
    // then index ascending.
    private static long sortKey(float v, int j) {
        return ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(v)) << 32) | j;
    }

    /** The value {@link #sortKey} was built from. */
    private static float sortedValue(long key) {
        return Float.intBitsToFloat(Integer.MAX_VALUE - (int) (key >>> 32));
    }

    /**
     * The screened modes' answer: the float32 pre-activations of the candidates (by {@link #pre}, the same float
     * operations as the float32 path, so the same bits), then the float32 path's selection among them — the
     * {@code limit} largest above their threshold by value descending, ties to the lower index (the order of
     * {@link RowTopK} and of {@link #sortKey}). The candidates include every latent of that selection (see
     * {@link ScreenedEncoder}), so the result is the float32 path's.
     */
    private SparseCode exactCodes(float[] in, int[] cand, int count, int limit) {
        long[] keys = new long[count];
        int kept = 0;
        for (int q = 0; q < count; q++) {
            int j = cand[q];
            float p = w.pre(in, j);
            if (p > (w.theta != null ? w.theta[j] : w.floor)) { // thresholds are ≥ 0: kept codes are positive
                keys[kept++] = sortKey(p, j);
            }
        }
        Arrays.sort(keys, 0, kept);
        int size = Math.min(kept, limit);
        int[] idx = new int[size];
        float[] val = new float[size];
        for (int r = 0; r < size; r++) {
            idx[r] = (int) keys[r];
            val[r] = sortedValue(keys[r]);
        }
        return new SparseCode(idx, val);
    }

    /** Pre-activations of latents {@code j0 ..} (one block) into {@code pre}; returns the block's width. */
    private int gemv(float[] in, int j0, float[] pre) {
        int cols = Math.min(BLOCK, n - j0);
        for (int c = 0; c < cols; c++) {
            pre[c] = w.pre(in, j0 + c);
        }
        if (w.codeRule) {
            w.rule.codes(pre, 0, cols, j0);
        }
        return cols;
    }

    // ---------------------------------------------------------------- batches

    /**
     * Encodes {@code rows} rows of {@code x} (row-major, d per row) and writes each row's {@code k} strongest non-zero
     * codes, strongest first, to {@code idxOut/valOut[row·k .. row·k + k)}; unused slots get index −1 and value 0.
     * Returns the number of codes written. For TopK and GroupMax at most {@code min(k, config k)} per row are
     * non-zero.
     *
     * <p>Allocates nothing once the encoder has served a batch with this {@code k} (or a larger one). Concurrent batch
     * calls are serialised; single-vector calls are not affected.
     */
    public int encode(float[] x, int rows, int[] idxOut, float[] valOut, int k) {
        return batch.encode(x, rows, idxOut, valOut, k);
    }

    /**
     * Dense codes of {@code rows} rows of {@code x} into {@code codesOut} (rows × n, zeros where inactive): the values
     * {@link #encode(float[], int, int[], float[], int)} gives, at their latents' positions. For ReLU, JumpReLU and
     * BatchTopK the GEMM's blocks are thresholded as they come out of the product; TopK and GroupMax go through the
     * batch path. Allocates nothing once warm (TopK, GroupMax: after the first call of this size).
     */
    public void encodeDense(float[] x, int rows, float[] codesOut) {
        batch.encodeDense(x, rows, codesOut);
    }

    // ---------------------------------------------------------------- decoding

    /**
     * {@code x̂ = Σ code·D_j + b_dec} (width d_out: a transcoder's output; a skip transcoder's needs its input too,
     * {@link #decodeDense(float[], float[], int, float[])} or {@link #reconstruct}), in the data's units; for a model with a per-row input normalisation, in the
     * normalised space (use {@link #reconstruct}).
     */
    public float[] decode(SparseCode code) {
        float[] out = new float[dOut];
        decode(code, out, 0);
        return out;
    }

    /** As {@link #decode(SparseCode)} into {@code out[off .. off + d)}; allocates nothing. */
    public void decode(SparseCode code, float[] out, int off) {
        if (out.length < (long) off + dOut || off < 0) {
            throw new BadInputException("output: has " + out.length + " values; expected " + dOut + " from offset "
                    + off);
        }
        System.arraycopy(w.bDec, 0, out, off, dOut);
        for (int q = 0; q < code.size(); q++) {
            int j = code.index(q);
            w.checkLatent(j, q);
            ops.axpy(code.value(q), w.dict, j * dOut, out, off, dOut);
        }
        w.unprepare(out, off, 1);
    }

    /**
     * Decodes {@code rows} rows of codes in the layout {@link #encode(float[], int, int[], float[], int)} writes
     * ({@code k} slots per row, index −1 = empty) into {@code out} (rows × d_out); allocates nothing.
     */
    public void decode(int[] idx, float[] val, int rows, int k, float[] out) {
        if (rows < 0 || k < 1 || idx.length < (long) rows * k || val.length < (long) rows * k) {
            throw new BadInputException("codes: have " + idx.length + " indices and " + val.length
                    + " values; expected rows × k = " + rows + "×" + k);
        }
        if (out.length < (long) rows * dOut) {
            throw new BadInputException("output: has " + out.length + " values; expected rows × output width = "
                    + rows + "×" + dOut);
        }
        for (int b = 0; b < rows; b++) {
            System.arraycopy(w.bDec, 0, out, b * dOut, dOut);
            for (int q = b * k; q < (b + 1) * k; q++) {
                int j = idx[q];
                if (j >= 0) {
                    w.checkLatent(j, q);
                    ops.axpy(val[q], w.dict, j * dOut, out, b * dOut, dOut);
                }
            }
        }
        w.unprepare(out, 0, rows);
    }

    /**
     * Decodes {@code rows} rows of dense codes ({@link #encodeDense}'s layout, rows × n) into {@code out} (rows × d),
     * skipping zero codes; allocates nothing.
     */
    public void decodeDense(float[] z, int rows, float[] out) {
        if (rows < 0 || z.length < (long) rows * n) {
            throw new BadInputException("codes: have " + z.length + " values; expected rows × latents = " + rows
                    + "×" + n);
        }
        if (out.length < (long) rows * dOut) {
            throw new BadInputException("output: has " + out.length + " values; expected rows × output width = "
                    + rows + "×" + dOut);
        }
        for (int b = 0; b < rows; b++) {
            System.arraycopy(w.bDec, 0, out, b * dOut, dOut);
            for (int j = 0; j < n; j++) {
                float zj = z[b * n + j];
                if (zj != 0f) {
                    ops.axpy(zj, w.dict, j * dOut, out, b * dOut, dOut);
                }
            }
        }
        w.unprepare(out, 0, rows);
    }

    /**
     * The model's output for {@code rows} rows of input {@code x} with dense codes {@code z}: {@link #decodeDense}, plus
     * a skip transcoder's {@code W_skip·x} (for other models the same as {@link #decodeDense}); allocates nothing.
     */
    public void decodeDense(float[] z, float[] x, int rows, float[] out) {
        decodeDense(z, rows, out);
        if (w.wSkip != null) {
            w.checkRows("input", x, rows, false);
            w.addSkip(x, 0, rows, out, 0);
        }
    }

    /**
     * A skip transcoder's linear path: {@code out[b] += W_skip·x[b]} for {@code rows} rows of raw input (width d) and
     * output (width d_out), e.g. after {@link #decode(int[], float[], int, int, float[])}; nothing for other models.
     */
    public void addSkip(float[] x, int rows, float[] out) {
        if (w.wSkip != null) {
            w.checkRows("input", x, rows, false);
            w.addSkip(x, 0, rows, out, 0);
        }
    }

    /** Width of the output {@link #decode} writes: the input's, or a transcoder's target width. */
    public int outDim() {
        return dOut;
    }
}
