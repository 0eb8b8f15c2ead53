package org.sae4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import org.sae4j.encode.ScreenedEncoder;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.Standardizer;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;

/**
 * A trained SAE's encoder and decoder for serving: immutable, thread-safe, one instance shared by every request.
 *
 * <pre>{@code
 * SaeEncoder enc = SaeEncoder.load(Path.of("run1"));
 * SparseCode code = enc.encode(activation);          // non-zero codes, strongest first
 * float[] xhat = enc.decode(code);
 * }</pre>
 *
 * <p>Codes are those of {@link Sae#activate}: TopK keeps the k largest pre-activations of the row that are positive;
 * ReLU every positive one; JumpReLU those above their latent's θ; BatchTopK (at inference) those above the global
 * threshold {@link Sae#batchTopKThreshold()}. A checkpoint's {@link Standardizer} is applied to inputs, and
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
    // Rows per batch product: enough for the GEMM to reach speed, small enough for the heaps to stay in cache.
    private static final int CHUNK_ROWS = 256;
    // Bound on the batch heaps (rows × cap entries) when a caller asks for very many codes per row.
    private static final int MAX_HEAP_ENTRIES = 1 << 16;

    private final SaeConfig config;
    private final int d;
    private final int n;
    private final Activation act;
    private final float[] wEnc;    // null in an approximate mode
    private final float[] bEnc;
    private final float[] bDec;
    private final float[] dict;
    private final float[] theta;   // JumpReLU: θ_j = exp(t_j) in float, as Sae.activate compares; else null
    private final float floor;     // a code must exceed this: θ for BatchTopK, 0 otherwise (JumpReLU uses theta)
    private final boolean shift;   // encode x − b_dec
    private final Standardizer standardizer; // null when inputs are used as given
    private final ForwardRule rule; // an imported model's row norm / code rule (ForwardRule), else null
    private final boolean codeRule; // rule rewrites pre-activations into codes before the selection
    private final EncoderMode mode;
    private final ScreenedEncoder screen;  // null for EncoderMode.FLOAT32 and for models with a ForwardRule
    private final VectorOps ops;
    private final ThresholdSelect select;

    // Batch path: guarded by lock.
    private final ReentrantLock lock = new ReentrantLock();
    private final KernelPool pool;
    private final Gemm gemm;
    private final Gemm.Workspace ws;   // null in an approximate mode
    private final float[] xin;     // CHUNK_ROWS × d: standardised / shifted inputs, when either applies
    private final int[][] cand;    // per pool thread: candidate columns of one block row
    private final Gemm.Epilogue epilogue = this::acceptBlock;
    private final Gemm.Epilogue denseEpilogue = this::denseBlock;
    private RowTopK heaps;         // grown to the largest k asked for
    private float[] denseOut;      // encodeDense's output and the first row of the current chunk
    private int denseRow0;
    private int[] topIdx = new int[0];  // encodeDense's TopK codes, grown on demand
    private float[] topVal = new float[0];

    private SaeEncoder(Sae sae, Standardizer standardizer, KernelPool pool, EncoderMode mode) {
        this.config = sae.config();
        this.d = config.dim();
        this.n = config.latents();
        this.act = config.activation();
        if (standardizer != null && standardizer.dim() != d) {
            throw new BadInputException("standardizer: has dim " + standardizer.dim() + "; expected the model's "
                    + d);
        }
        this.standardizer = standardizer == null || standardizer.mode() == Standardizer.Mode.NONE
                ? null : standardizer;
        if (mode.approximate() && sae.rule() != null) {
            throw new BadInputException("encoder mode " + mode + ": approximate modes encode plain pre-activations;"
                    + " this model has an imported forward rule (" + sae.rule() + "); expected an exact mode");
        }
        // Copies: the encoder must not change under concurrent readers if the caller goes on training the Sae.
        this.wEnc = mode.approximate() ? null : sae.wEnc().clone();
        this.bEnc = sae.bEnc().clone();
        this.bDec = sae.bDec().clone();
        this.dict = sae.dictionary();
        this.rule = sae.rule();
        this.codeRule = rule != null && rule.rewritesCodes();
        if (act == Activation.JUMPRELU && !codeRule) {
            theta = new float[n];
            for (int j = 0; j < n; j++) {
                theta[j] = (float) Math.exp(sae.logThreshold()[j]);
            }
        } else {
            theta = null;
        }
        this.floor = act == Activation.BATCHTOPK ? sae.batchTopKThreshold() : 0f; // a code rule's codes: > 0
        this.shift = config.preEncoderBias();
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.ops = p.vectorOps();
        this.select = p.thresholdSelect();
        this.pool = pool;
        this.gemm = p.gemm();
        if (mode.approximate()) {
            this.ws = null;
        } else {
            this.ws = gemm.newWorkspace(n, d);
            gemm.packW(wEnc, 0, ws, pool);
        }
        this.xin = shift || this.standardizer != null || rule != null ? new float[CHUNK_ROWS * d] : null;
        this.cand = new int[mode.approximate() ? 0 : pool.threads()][n];
        this.heaps = newHeaps(act == Activation.TOPK ? config.k() : 32);
        this.mode = mode;
        // The screen bounds the plain pre-activations; an imported model's rule (row norm, gate, strict θ) is
        // applied by the float32 path only, so such a model encodes exactly there whatever the mode.
        this.screen = mode.format() == null || rule != null ? null
                : new ScreenedEncoder(mode.approximate() ? sae.wEnc() : wEnc, bEnc, n, d, mode.format());
    }

    /**
     * Loads the model of a directory, with its input standardisation if it has one: sae4j's own
     * ({@code model.safetensors} + {@code cfg.json}) or a SAELens, sparsify or Gemma Scope folder, detected from
     * its files ({@link ModelFormats}). Batch products run on {@link KernelPool#common()}.
     */
    public static SaeEncoder load(Path modelDir) throws IOException {
        return load(modelDir, ImportOptions.DEFAULT, EncoderMode.FLOAT32);
    }

    /** As {@link #load(Path)}, with a forced format, a sparsify hookpoint or a SAELens scaling factor. */
    public static SaeEncoder load(Path modelDir, ImportOptions options) throws IOException {
        return load(modelDir, options, EncoderMode.FLOAT32);
    }

    /** As {@link #load(Path)}, with single vectors encoded in {@code mode} (same codes, other memory and speed). */
    public static SaeEncoder load(Path modelDir, EncoderMode mode) throws IOException {
        return load(modelDir, ImportOptions.DEFAULT, mode);
    }

    /** As {@link #load(Path, ImportOptions)} in {@code mode}. */
    public static SaeEncoder load(Path modelDir, ImportOptions options, EncoderMode mode) throws IOException {
        LoadedModel m = ModelFormats.load(modelDir, options);
        return new SaeEncoder(m.sae(), m.standardizer(), KernelPool.common(), mode);
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
        long bytes = (wEnc != null ? 8 * nd : 0) /* W_enc and its copy packed for the GEMM */
                + 4 * nd /* dictionary */ + 4L * (2 * n + d) + (theta != null ? 4L * n : 0);
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
        checkRows("input", x, 1, true);
        if (screen == null) {
            return n;
        }
        if (mode.approximate()) {
            return 0;
        }
        float[] in = x;
        if (shift || standardizer != null) {
            in = x.clone();
            prepare(in, 0, 1);
        }
        int count = screen.candidates(in, limit(Integer.MAX_VALUE), floor, theta, new int[n]);
        return count < 0 ? n : count;
    }

    /** Codes a single-vector call asking for {@code m} keeps: the model's k at most for TopK. */
    private int limit(int m) {
        return act == Activation.TOPK ? Math.min(m, config.k()) : Math.min(m, n);
    }

    /** Mean squared error {@code (1/d)·‖x − x̂‖²} of the reconstruction of {@code x}, in the data's units. */
    public double reconstructionError(float[] x) {
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
        if (rule != null && rule.norm() != ForwardRule.RowNorm.NONE) {
            float[] in = x;
            if (standardizer != null) {
                in = x.clone();
                standardizer.apply(in, 0, 1);
                standardizer.apply(xhat, 0, 1); // back into the model's space, where the row statistics apply
            }
            rule.denormalize(xhat, 0, in, 0, 1, d);
            if (standardizer != null) {
                standardizer.invert(xhat, 0, 1);
            }
        }
        return xhat;
    }

    private SparseCode encodeOne(float[] x, int m) {
        checkRows("input", x, 1, true);
        float[] in = x;
        if (shift || standardizer != null || rule != null) {
            in = x.clone();
            prepare(in, 0, 1);
        }
        int limit = limit(m);
        if (mode.approximate()) {
            int size = Math.min(limit, n);
            int[] idx = new int[size];
            float[] val = new float[size];
            int got = screen.approximate(in, limit, floor, theta, idx, val);
            return new SparseCode(Arrays.copyOf(idx, got), Arrays.copyOf(val, got));
        }
        if (screen != null) {
            int[] cand = new int[n];
            int count = screen.candidates(in, limit, floor, theta, cand);
            if (count >= 0) {
                return exactCodes(in, cand, count, limit);
            }
            // −1: the input is too large for the screen's bound; the float32 path below answers.
        }
        float[] pre = new float[Math.min(BLOCK, n)];
        int[] c = new int[pre.length];
        if (limit < n) {
            // Bounded: a heap of the best `limit`, whose root lets the scan skip most of each block.
            RowTopK heap = new RowTopK(1, limit);
            for (int j0 = 0; j0 < n; j0 += BLOCK) {
                int cols = gemv(in, j0, pre);
                if (theta != null) {
                    heap.offerAbove(select, 0, j0, pre, 0, cols, theta, c);
                } else {
                    heap.offerAbove(select, 0, j0, pre, 0, cols, floor, c);
                }
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
            int found = theta != null
                    ? select.aboveEach(pre, 0, cols, theta, j0, c, 0)
                    : select.above(pre, 0, cols, floor, c, 0);
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
            val[q] = Float.intBitsToFloat(Integer.MAX_VALUE - (int) (keys[q] >>> 32));
        }
        return new SparseCode(idx, val);
    }

    // Kept codes are positive, so their float bits order like the values; ascending keys = value descending,
    // then index ascending.
    private static long sortKey(float v, int j) {
        return ((long) (Integer.MAX_VALUE - Float.floatToRawIntBits(v)) << 32) | j;
    }

    /**
     * The screened modes' answer: the float32 pre-activations of the candidates (by {@link #pre}, the same float
     * operations as the float32 path, so the same bits), then the float32 path's selection among them — the
     * {@code limit} largest above their threshold by value descending, ties to the lower index (the order of
     * {@link RowTopK} and of {@link #sortKey}). The candidates include every latent of that selection (see
     * {@link ScreenedEncoder}), so the result is the float32 path's.
     */
    private SparseCode exactCodes(float[] in, int[] cand, int count, int limit) {
        float[] v = new float[count];
        long[] keys = new long[count];
        int kept = 0;
        for (int q = 0; q < count; q++) {
            int j = cand[q];
            float p = pre(in, j);
            if (p > (theta != null ? theta[j] : floor)) {
                v[q] = p;
                // Value descending (any sign; −0 as 0, as the heap's == does), then candidate position ascending,
                // which is index ascending since candidates come in increasing order.
                int s = Float.floatToRawIntBits(p + 0f);
                s ^= (s >> 31) & 0x7FFFFFFF;
                keys[kept++] = ((long) ~s << 32) | q;
            }
        }
        Arrays.sort(keys, 0, kept);
        int size = Math.min(kept, limit);
        int[] idx = new int[size];
        float[] val = new float[size];
        for (int r = 0; r < size; r++) {
            int q = (int) keys[r];
            idx[r] = cand[q];
            val[r] = v[q];
        }
        return new SparseCode(idx, val);
    }

    /** Pre-activations of latents {@code j0 ..} (one block) into {@code pre}; returns the block's width. */
    private int gemv(float[] in, int j0, float[] pre) {
        int cols = Math.min(BLOCK, n - j0);
        for (int c = 0; c < cols; c++) {
            pre[c] = pre(in, j0 + c);
        }
        if (codeRule) {
            rule.codes(pre, 0, cols, j0);
        }
        return cols;
    }

    /** Latent j's float32 pre-activation: the one definition both the float32 and the screened paths use. */
    private float pre(float[] in, int j) {
        return ops.dot(in, 0, wEnc, j * d, d) + bEnc[j];
    }

    // ---------------------------------------------------------------- batches

    /**
     * Encodes {@code rows} rows of {@code x} (row-major, d per row) and writes each row's {@code k} strongest non-zero
     * codes, strongest first, to {@code idxOut/valOut[row·k .. row·k + k)}; unused slots get index −1 and value 0.
     * Returns the number of codes written. For TopK at most {@code min(k, config k)} per row are non-zero.
     *
     * <p>Allocates nothing once the encoder has served a batch with this {@code k} (or a larger one). Concurrent batch
     * calls are serialised; single-vector calls are not affected.
     */
    public int encode(float[] x, int rows, int[] idxOut, float[] valOut, int k) {
        if (k < 1) {
            throw new BadInputException("k = " + k + ": expected at least 1 code per row");
        }
        checkRows("input", x, rows, false);
        if (idxOut.length < (long) rows * k || valOut.length < (long) rows * k) {
            throw new BadInputException("output buffers: have " + idxOut.length + " indices and " + valOut.length
                    + " values; expected rows × k = " + rows + "×" + k);
        }
        int limit = act == Activation.TOPK ? Math.min(k, config.k()) : Math.min(k, n);
        if (mode.approximate()) {
            return encodeApproximate(x, rows, idxOut, valOut, k, limit);
        }
        int written = 0;
        lock.lock();
        try {
            if (heaps.cap() < limit) {
                heaps = newHeaps(limit);
            }
            int chunk = chunkRows(heaps.cap());
            for (int r0 = 0; r0 < rows; r0 += chunk) {
                int br = Math.min(chunk, rows - r0);
                float[] in = chunkInput(x, r0, br);
                int off = in == x ? r0 * d : 0;
                heaps.reset(br, limit);
                gemm.multTransB(in, off, br, ws, bEnc, 0, epilogue, pool);
                for (int b = 0; b < br; b++) {
                    int o = (r0 + b) * k;
                    int got = heaps.drainSorted(b, idxOut, valOut, o);
                    Arrays.fill(idxOut, o + got, o + k, -1);
                    Arrays.fill(valOut, o + got, o + k, 0f);
                    written += got;
                }
            }
        } finally {
            lock.unlock();
        }
        return written;
    }

    /**
     * Dense codes of {@code rows} rows of {@code x} into {@code codesOut} (rows × n, zeros where inactive): the values
     * {@link #encode(float[], int, int[], float[], int)} gives, at their latents' positions. For ReLU, JumpReLU and
     * BatchTopK the GEMM's blocks are thresholded as they come out of the product; TopK goes through the top-k batch
     * path. Allocates nothing once warm (TopK: after the first call of this size).
     */
    public void encodeDense(float[] x, int rows, float[] codesOut) {
        checkRows("input", x, rows, false);
        if (codesOut.length < (long) rows * n) {
            throw new BadInputException("output: has " + codesOut.length + " values; expected rows × latents = "
                    + rows + "×" + n);
        }
        Arrays.fill(codesOut, 0, rows * n, 0f);
        if (mode.approximate()) {
            int k = act == Activation.TOPK ? config.k() : n;
            int[] idx = new int[rows * k];
            float[] val = new float[rows * k];
            encode(x, rows, idx, val, k);
            scatter(idx, val, rows, k, codesOut);
            return;
        }
        if (act == Activation.TOPK) {
            int k = config.k();
            lock.lock();
            try {
                if (topIdx.length < rows * k) {
                    topIdx = new int[rows * k];
                    topVal = new float[rows * k];
                }
                encode(x, rows, topIdx, topVal, k);
                scatter(topIdx, topVal, rows, k, codesOut);
            } finally {
                lock.unlock();
            }
            return;
        }
        lock.lock();
        try {
            denseOut = codesOut;
            for (int r0 = 0; r0 < rows; r0 += CHUNK_ROWS) {
                int br = Math.min(CHUNK_ROWS, rows - r0);
                float[] in = chunkInput(x, r0, br);
                int off = in == x ? r0 * d : 0;
                denseRow0 = r0;
                gemm.multTransB(in, off, br, ws, bEnc, 0, denseEpilogue, pool);
            }
        } finally {
            denseOut = null;
            lock.unlock();
        }
    }

    /** Top-k slots ({@code k} per row, index −1 = empty) into dense rows × n codes (already zeroed). */
    private void scatter(int[] idx, float[] val, int rows, int k, float[] codesOut) {
        for (int q = 0; q < rows * k; q++) {
            if (idx[q] >= 0) {
                codesOut[(q / k) * n + idx[q]] = val[q];
            }
        }
    }

    /** Rows [r0, r0 + br) as the GEMM reads them: {@code x} itself, or prepared into {@code xin} (offset 0). */
    private float[] chunkInput(float[] x, int r0, int br) {
        if (xin == null) {
            return x;
        }
        System.arraycopy(x, r0 * d, xin, 0, br * d);
        prepare(xin, 0, br);
        return xin;
    }

    /** GEMM epilogue of {@link #encodeDense}: keeps each value above its threshold (as {@link Sae#activate}). */
    private void denseBlock(int t, int row0, int rows, int col0, int cols, float[] buf, int off, int ld) {
        for (int r = 0; r < rows; r++) {
            int o = (denseRow0 + row0 + r) * n + col0;
            int b = off + r * ld;
            if (codeRule) {
                rule.codes(buf, b, cols, col0); // as acceptBlock: the rule's codes, then keep those > 0
            }
            for (int c = 0; c < cols; c++) {
                float v = buf[b + c];
                if (v > (theta != null ? theta[col0 + c] : floor)) {
                    denseOut[o + c] = v;
                }
            }
        }
    }

    /** The batch API in an approximate mode: row by row from the compressed copy (there is no float32 GEMM). */
    private int encodeApproximate(float[] x, int rows, int[] idxOut, float[] valOut, int k, int limit) {
        int written = 0;
        float[] in = new float[d];
        int[] idx = new int[limit];
        float[] val = new float[limit];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(x, b * d, in, 0, d);
            prepare(in, 0, 1);
            int got = screen.approximate(in, limit, floor, theta, idx, val);
            int o = b * k;
            System.arraycopy(idx, 0, idxOut, o, got);
            System.arraycopy(val, 0, valOut, o, got);
            Arrays.fill(idxOut, o + got, o + k, -1);
            Arrays.fill(valOut, o + got, o + k, 0f);
            written += got;
        }
        return written;
    }

    /** Rows per batch product for heaps of {@code cap} entries per row. */
    private static int chunkRows(int cap) {
        return Math.max(1, Math.min(CHUNK_ROWS, MAX_HEAP_ENTRIES / cap));
    }

    private static RowTopK newHeaps(int cap) {
        return new RowTopK(chunkRows(cap), cap);
    }

    /** GEMM epilogue of the batch path: offers each finished block row to that row's heap. */
    private void acceptBlock(int t, int row0, int rows, int col0, int cols, float[] buf, int off, int ld) {
        int[] c = cand[t];
        for (int r = 0; r < rows; r++) {
            if (codeRule) {
                rule.codes(buf, off + r * ld, cols, col0); // the epilogue may overwrite the kernel's scratch
            }
            if (theta != null) {
                heaps.offerAbove(select, row0 + r, col0, buf, off + r * ld, cols, theta, c);
            } else {
                heaps.offerAbove(select, row0 + r, col0, buf, off + r * ld, cols, floor, c);
            }
        }
    }

    // ---------------------------------------------------------------- decoding

    /**
     * {@code x̂ = Σ code·D_j + b_dec}, in the data's units; for a model with a per-row input normalisation, in the
     * normalised space (use {@link #reconstruct}).
     */
    public float[] decode(SparseCode code) {
        float[] out = new float[d];
        decode(code, out, 0);
        return out;
    }

    /** As {@link #decode(SparseCode)} into {@code out[off .. off + d)}; allocates nothing. */
    public void decode(SparseCode code, float[] out, int off) {
        if (out.length < (long) off + d || off < 0) {
            throw new BadInputException("output: has " + out.length + " values; expected " + d + " from offset " + off);
        }
        System.arraycopy(bDec, 0, out, off, d);
        for (int q = 0; q < code.size(); q++) {
            int j = code.index(q);
            checkLatent(j, q);
            ops.axpy(code.value(q), dict, j * d, out, off, d);
        }
        unprepare(out, off, 1);
    }

    /**
     * Decodes {@code rows} rows of codes in the layout {@link #encode(float[], int, int[], float[], int)} writes
     * ({@code k} slots per row, index −1 = empty) into {@code out} (rows × d); allocates nothing.
     */
    public void decode(int[] idx, float[] val, int rows, int k, float[] out) {
        if (rows < 0 || k < 1 || idx.length < (long) rows * k || val.length < (long) rows * k) {
            throw new BadInputException("codes: have " + idx.length + " indices and " + val.length
                    + " values; expected rows × k = " + rows + "×" + k);
        }
        if (out.length < (long) rows * d) {
            throw new BadInputException("output: has " + out.length + " values; expected rows × dim = " + rows + "×"
                    + d);
        }
        for (int b = 0; b < rows; b++) {
            System.arraycopy(bDec, 0, out, b * d, d);
            for (int q = b * k; q < (b + 1) * k; q++) {
                int j = idx[q];
                if (j >= 0) {
                    checkLatent(j, q);
                    ops.axpy(val[q], dict, j * d, out, b * d, d);
                }
            }
        }
        unprepare(out, 0, rows);
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
        if (out.length < (long) rows * d) {
            throw new BadInputException("output: has " + out.length + " values; expected rows × dim = " + rows + "×"
                    + d);
        }
        for (int b = 0; b < rows; b++) {
            System.arraycopy(bDec, 0, out, b * d, d);
            for (int j = 0; j < n; j++) {
                float zj = z[b * n + j];
                if (zj != 0f) {
                    ops.axpy(zj, dict, j * d, out, b * d, d);
                }
            }
        }
        unprepare(out, 0, rows);
    }

    private void checkLatent(int j, int slot) {
        if (j < 0 || j >= n) {
            throw new BadInputException("code " + slot + ": latent " + j + "; expected 0 ≤ latent < " + n);
        }
    }

    // ---------------------------------------------------------------- inputs

    /** Standardises and shifts {@code rows} rows in place, as training saw its inputs. */
    private void prepare(float[] a, int off, int rows) {
        if (standardizer != null) {
            standardizer.apply(a, off, rows);
        }
        if (rule != null) {
            rule.normalize(a, off, rows, d);
        }
        if (shift) {
            for (int b = 0; b < rows; b++) {
                ops.axpy(-1f, bDec, 0, a, off + b * d, d);
            }
        }
    }

    /** Back from the model's space to the data's units. */
    private void unprepare(float[] a, int off, int rows) {
        if (standardizer != null) {
            standardizer.invert(a, off, rows);
        }
    }

    /** Shape and finiteness of the input; {@code exact}: a single vector of exactly d values. */
    private void checkRows(String what, float[] x, int rows, boolean exact) {
        if (x == null) {
            throw new BadInputException(what + ": missing; expected " + d + " values per row");
        }
        if (rows < 0) {
            throw new BadInputException(what + ": rows = " + rows + "; expected ≥ 0");
        }
        if (exact && x.length != d) {
            throw new BadInputException(what + ": has " + x.length + " values; expected dim = " + d);
        }
        if (x.length < (long) rows * d) {
            throw new BadInputException(what + ": has " + x.length + " values; expected rows × dim = " + rows + "×"
                    + d);
        }
        for (int i = 0; i < rows * d; i++) {
            if (!Float.isFinite(x[i])) {
                throw new BadInputException(what + ": row " + i / d + ", element " + i % d + " is " + x[i]
                        + "; expected a finite number");
            }
        }
    }
}
