package org.sae4j.model;

import java.util.SplittableRandom;
import org.sae4j.BadInputException;
import org.sae4j.encode.select.TopK;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.random.Gaussian;

/**
 * A sparse autoencoder's parameters and its float32 forward pass.
 *
 * <p>Shapes (row-major): {@code W_enc} n×d (row j = encoder vector of latent j), {@code b_enc} n, {@code W_dec} n×d
 * (row j = atom j), {@code b_dec} d, {@code log_threshold} n (JumpReLU only, θ = exp(t)). A transcoder
 * ({@link SaeConfig#transcoder()}) reads x of width d and writes an output of width d_out = {@link #outDim()}:
 * {@code W_dec} n×d_out, {@code b_dec} d_out, and with a skip connection {@code W_skip} d_out×d
 * (ŷ = z·D + b_dec + x·W_skipᵀ). The accessors return the live arrays: the trainer updates them in place.
 */
public final class Sae {
    private final SaeConfig config;
    private final float[] wEnc;
    private final float[] bEnc;
    private final float[] wDec;
    private final float[] bDec;
    private final float[] logThreshold;
    private final float[] wSkip;  // skip transcoder only, d_out×d; else null
    private float batchThreshold; // BatchTopK's inference threshold, estimated during training
    private ForwardRule rule;     // another library's forward-pass parts (imported models), or null

    private Sae(SaeConfig config, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, float[] logThreshold,
                float[] wSkip) {
        this.config = config;
        this.wSkip = wSkip;
        this.wEnc = wEnc;
        this.bEnc = bEnc;
        this.wDec = wDec;
        this.bDec = bDec;
        this.logThreshold = logThreshold;
    }

    /**
     * Fresh parameters: random unit-norm atoms (Gaussian directions from {@code config.seed()}), tied encoder
     * {@code W_enc = W_dec} (row j encodes with atom j), {@code b_enc = 0}, {@code b_dec = 0} until
     * {@link #initDecoderBiasToMean} sets it from data, θ = {@code jumpReluInitThreshold} for JumpReLU.
     */
    public static Sae initialize(SaeConfig config) {
        int n = config.latents();
        int d = config.dim();
        int dOut = config.outDim();
        SplittableRandom rng = new SplittableRandom(config.seed());
        float[] wDec = unitGaussianRows(rng, n, dOut);
        // An autoencoder ties W_enc = W_dec; a transcoder's encoder reads another space, so it draws its own
        // directions (after the decoder's, so the decoder is the autoencoder's draw at the same width and seed).
        float[] wEnc = config.transcoder() == null ? wDec.clone() : unitGaussianRows(rng, n, d);
        float[] t = null;
        if (config.activation() == Activation.JUMPRELU) {
            t = new float[n];
            java.util.Arrays.fill(t, (float) Math.log(config.jumpReluInitThreshold()));
        }
        // W_skip starts at 0, as sparsify (SparseCoder.__init__) and the spec: the skip path is learned.
        return new Sae(config, wEnc, new float[n], wDec, new float[dOut], t,
                config.skip() ? new float[dOut * d] : null);
    }

    /** {@code rows} rows of width {@code d}, each a uniformly random unit direction (normalised Gaussian). */
    private static float[] unitGaussianRows(SplittableRandom rng, int rows, int d) {
        float[] w = new float[rows * d];
        for (int j = 0; j < rows; j++) {
            double norm;
            do {
                double ss = 0;
                for (int i = 0; i < d; i++) {
                    double g = Gaussian.next(rng);
                    w[j * d + i] = (float) g;
                    ss += g * g;
                }
                norm = Math.sqrt(ss);
            } while (norm == 0); // only possible for d = 1 with a zero draw
            for (int i = 0; i < d; i++) {
                w[j * d + i] = (float) (w[j * d + i] / norm);
            }
        }
        return w;
    }

    /** Wraps existing parameters (e.g. loaded from a checkpoint) after checking every shape. */
    public static Sae of(SaeConfig config, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                         float[] logThreshold) {
        return of(config, wEnc, bEnc, wDec, bDec, logThreshold, null);
    }

    /** As {@link #of(SaeConfig, float[], float[], float[], float[], float[])}, with a skip transcoder's W_skip. */
    public static Sae of(SaeConfig config, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec,
                         float[] logThreshold, float[] wSkip) {
        int n = config.latents();
        int d = config.dim();
        int dOut = config.outDim();
        checkLength("W_enc", wEnc, (long) n * d, "latents × dim = " + n + "×" + d);
        checkLength("b_enc", bEnc, n, "latents = " + n);
        checkLength("W_dec", wDec, (long) n * dOut, "latents × d_out = " + n + "×" + dOut);
        checkLength("b_dec", bDec, dOut, "d_out = " + dOut);
        if (config.activation() == Activation.JUMPRELU) {
            checkLength("log_threshold", logThreshold, n, "latents = " + n);
        } else if (logThreshold != null) {
            throw new BadInputException("log_threshold: only a JumpReLU SAE has thresholds, this one is "
                    + config.activation().id());
        }
        if (config.skip()) {
            checkLength("W_skip", wSkip, (long) dOut * d, "d_out × dim = " + dOut + "×" + d);
        } else if (wSkip != null) {
            throw new BadInputException("W_skip: only a skip transcoder has a skip connection");
        }
        return new Sae(config, wEnc, bEnc, wDec, bDec, logThreshold, wSkip);
    }

    private static void checkLength(String name, float[] a, long expected, String what) {
        if (a == null) {
            throw new BadInputException(name + ": missing; expected " + what + " values");
        }
        if (a.length != expected) {
            throw new BadInputException(name + ": has " + a.length + " values; expected " + what);
        }
    }

    /**
     * Sets {@code b_dec} to the column means of the reconstruction targets of {@code rows} training rows of {@code x}
     * (row-major, width {@link SaeConfig#rowWidth()}: x itself, or a transcoder's target columns).
     */
    public void initDecoderBiasToMean(float[] x, int off, int rows) {
        if (config.transcoder() != null) {
            columnMeans(targets(x, off, rows), 0, rows, outDim(), bDec);
        } else {
            columnMeans(x, off, rows, dim(), bDec);
        }
    }

    private static void columnMeans(float[] x, int off, int rows, int d, float[] out) {
        double[] sum = new double[d];
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                sum[i] += x[off + b * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            out[i] = rows == 0 ? 0f : (float) (sum[i] / rows);
        }
    }

    /**
     * Sets {@code b_dec} to the geometric median of the reconstruction targets (the point minimising the sum of
     * Euclidean distances), by Weiszfeld's iteration from the mean, as SAELens and the Anthropic/OpenAI recipes
     * initialise it. More robust than the mean to heavy-tailed activations. Stops after {@code maxIter} iterations or
     * when the point moves less than {@code 1e-6·(1 + ‖m‖)}. Rows as {@link #initDecoderBiasToMean}.
     */
    public void initDecoderBiasToGeometricMedian(float[] x, int off, int rows, int maxIter) {
        if (config.transcoder() != null) {
            geometricMedian(targets(x, off, rows), 0, rows, outDim(), maxIter, bDec);
        } else {
            geometricMedian(x, off, rows, dim(), maxIter, bDec);
        }
    }

    private static void geometricMedian(float[] x, int off, int rows, int d, int maxIter, float[] out) {
        columnMeans(x, off, rows, d, out);
        double[] m = new double[d];
        for (int i = 0; i < d; i++) {
            m[i] = out[i];
        }
        double[] next = new double[d];
        for (int it = 0; it < maxIter && rows > 0; it++) {
            java.util.Arrays.fill(next, 0);
            double wSum = 0;
            for (int b = 0; b < rows; b++) {
                double dist2 = 0;
                for (int i = 0; i < d; i++) {
                    double c = x[off + b * d + i] - m[i];
                    dist2 += c * c;
                }
                // A row at the current point would get infinite weight; the floor keeps the step defined.
                double w = 1 / Math.max(Math.sqrt(dist2), 1e-12);
                wSum += w;
                for (int i = 0; i < d; i++) {
                    next[i] += w * x[off + b * d + i];
                }
            }
            double move = 0;
            double norm = 0;
            for (int i = 0; i < d; i++) {
                next[i] /= wSum;
                move += (next[i] - m[i]) * (next[i] - m[i]);
                norm += next[i] * next[i];
                m[i] = next[i];
            }
            if (Math.sqrt(move) < 1e-6 * (1 + Math.sqrt(norm))) {
                break;
            }
        }
        for (int i = 0; i < d; i++) {
            out[i] = (float) m[i];
        }
    }

    /** A transcoder's target columns of {@code rows} training rows, contiguous (rows × d_out). */
    private float[] targets(float[] x, int off, int rows) {
        int w = config.rowWidth();
        int dOut = config.outDim();
        float[] y = new float[rows * dOut];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(x, off + b * w + config.dim(), y, b * dOut, dOut);
        }
        return y;
    }

    public SaeConfig config() {
        return config;
    }

    public int dim() {
        return config.dim();
    }

    public int latents() {
        return config.latents();
    }

    /** Width of the output: d for an autoencoder, d_out for a transcoder. */
    public int outDim() {
        return config.outDim();
    }

    public float[] wEnc() {
        return wEnc;
    }

    public float[] bEnc() {
        return bEnc;
    }

    public float[] wDec() {
        return wDec;
    }

    public float[] bDec() {
        return bDec;
    }

    /** A skip transcoder's W_skip (d_out×d, row i reads x into output feature i), {@code null} otherwise. */
    public float[] wSkip() {
        return wSkip;
    }

    /** Log-thresholds for JumpReLU, {@code null} otherwise. */
    public float[] logThreshold() {
        return logThreshold;
    }

    /**
     * The parameter tensors in a fixed order: W_enc, b_enc, W_dec, b_dec[, log_threshold][, W_skip] (live arrays).
     */
    public float[][] tensors() {
        java.util.List<float[]> t = new java.util.ArrayList<>(java.util.List.of(wEnc, bEnc, wDec, bDec));
        if (logThreshold != null) {
            t.add(logThreshold);
        }
        if (wSkip != null) {
            t.add(wSkip);
        }
        return t.toArray(new float[0][]);
    }

    /**
     * Hex SHA-256 of the parameters ({@link #tensors()} in order, float32 bits little-endian): the same for a model
     * however its folder is named or moved, so files computed from a model (feature statistics) can name it.
     */
    public String parameterSha256() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (float[] t : tensors()) {
                for (float v : t) {
                    if (buf.remaining() < 4) {
                        md.update(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v);
                }
            }
            md.update(buf.array(), 0, buf.position());
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** Tensor names matching {@link #tensors()}, as stored in model.safetensors. */
    public String[] tensorNames() {
        java.util.List<String> t = new java.util.ArrayList<>(java.util.List.of("W_enc", "b_enc", "W_dec", "b_dec"));
        if (logThreshold != null) {
            t.add("log_threshold");
        }
        if (wSkip != null) {
            t.add("W_skip");
        }
        return t.toArray(new String[0]);
    }

    /** Rescales every row of {@code W_dec} to unit norm; with a unit-norm decoder this leaves the function unchanged. */
    public void normalizeDecoderRows() {
        normalizeRows(wDec, latents(), outDim());
    }

    private static void normalizeRows(float[] w, int n, int d) {
        VectorOps ops = VectorizationProvider.getInstance().vectorOps();
        for (int j = 0; j < n; j++) {
            float norm = (float) Math.sqrt(ops.sumSquares(w, j * d, d));
            if (norm > 0) {
                ops.scale(1f / norm, w, j * d, d);
            }
        }
    }

    /**
     * BatchTopK's inference threshold θ: {@code encode} keeps {@code pre > θ}. Training sets it to the mean over
     * batches of the smallest value kept by the batch selection.
     */
    public float batchTopKThreshold() {
        return batchThreshold;
    }

    public void setBatchTopKThreshold(float theta) {
        if (!Float.isFinite(theta) || theta < 0) {
            throw new BadInputException("BatchTopK threshold = " + theta + ": expected a finite value ≥ 0");
        }
        batchThreshold = theta;
    }

    /** A deep copy. */
    public Sae copy() {
        Sae c = new Sae(config, wEnc.clone(), bEnc.clone(), wDec.clone(), bDec.clone(),
                logThreshold == null ? null : logThreshold.clone(), wSkip == null ? null : wSkip.clone());
        c.batchThreshold = batchThreshold;
        c.rule = rule;
        return c;
    }

    /** The forward-pass parts of another library this model was imported with, or {@code null} (sae4j's own). */
    public ForwardRule rule() {
        return rule;
    }

    /** Sets (or with {@code null} clears) the imported forward-pass parts; returns this model. */
    public Sae withRule(ForwardRule r) {
        if (r != null && r.rewritesCodes()) {
            if (config.activation() != Activation.RELU && config.activation() != Activation.JUMPRELU) {
                throw new IllegalArgumentException("a code rule replaces a relu/jumprelu activation, not "
                        + config.activation().id());
            }
            if (r.latents() != latents()) {
                throw new IllegalArgumentException("rule has " + r.latents() + " latents; model " + latents());
            }
        }
        this.rule = r;
        return this;
    }

    /** The dictionary actually used to decode: unit-normalised rows of {@code W_dec} when configured, n×d_out. */
    public float[] dictionary() {
        if (!config.unitNormDecoder()) {
            return wDec.clone();
        }
        float[] dict = wDec.clone();
        normalizeRows(dict, latents(), outDim());
        return dict;
    }

    /** {@code pre = (x [− b_dec]) · W_encᵀ + b_enc}, B×n. */
    public float[] preActivations(float[] x, int rows) {
        int n = latents();
        int d = dim();
        checkInput(x, rows);
        VectorOps ops = VectorizationProvider.getInstance().vectorOps();
        float[] pre = new float[rows * n];
        float[] xin = new float[d];
        for (int b = 0; b < rows; b++) {
            System.arraycopy(x, b * d, xin, 0, d);
            if (rule != null) {
                rule.normalize(xin, 0, 1, d);
            }
            if (config.preEncoderBias()) {
                ops.axpy(-1f, bDec, 0, xin, 0, d);
            }
            for (int j = 0; j < n; j++) {
                pre[b * n + j] = ops.dot(xin, 0, wEnc, j * d, d) + bEnc[j];
            }
        }
        return pre;
    }

    /** Dense codes {@code z = act(pre)}, B×n. */
    public float[] encode(float[] x, int rows) {
        return activate(preActivations(x, rows), rows);
    }

    /** Applies the activation to a B×n pre-activation matrix, returning the codes. */
    public float[] activate(float[] pre, int rows) {
        int n = latents();
        float[] z = new float[rows * n];
        if (rule != null && rule.rewritesCodes()) {
            System.arraycopy(pre, 0, z, 0, rows * n);
            for (int b = 0; b < rows; b++) {
                rule.codes(z, b * n, n, 0);
            }
            return z;
        }
        switch (config.activation()) {
            case RELU -> {
                for (int i = 0; i < rows * n; i++) {
                    z[i] = Math.max(pre[i], 0f);
                }
            }
            case BATCHTOPK -> {
                for (int i = 0; i < rows * n; i++) {
                    z[i] = pre[i] > batchThreshold ? pre[i] : 0f;
                }
            }
            case JUMPRELU -> {
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < n; j++) {
                        float p = pre[b * n + j];
                        z[b * n + j] = p > (float) Math.exp(logThreshold[j]) ? p : 0f;
                    }
                }
            }
            case TOPK -> {
                double[] row = new double[n];
                double[] scratch = new double[n];
                boolean[] sel = new boolean[n];
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < n; j++) {
                        row[j] = pre[b * n + j];
                    }
                    TopK.select(row, 0, n, config.k(), scratch, sel);
                    for (int j = 0; j < n; j++) {
                        z[b * n + j] = sel[j] ? Math.max(pre[b * n + j], 0f) : 0f;
                    }
                }
            }
            case GROUPMAX -> {
                double[] row = new double[n];
                boolean[] sel = new boolean[n];
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < n; j++) {
                        row[j] = pre[b * n + j];
                    }
                    GroupMax.select(row, 0, n, config.k(), sel);
                    for (int j = 0; j < n; j++) {
                        z[b * n + j] = sel[j] ? Math.max(pre[b * n + j], 0f) : 0f;
                    }
                }
            }
        }
        return z;
    }

    /**
     * {@code x̂ = z · D + b_dec}, B×d_out. With a {@link ForwardRule.RowNorm} this is in the normalised space (the
     * row's statistics come from its input; {@link #forward} maps back). A skip transcoder's output also needs its
     * input: {@link #decode(float[], float[], int)}.
     */
    public float[] decode(float[] z, int rows) {
        int n = latents();
        int d = outDim();
        if (z.length < (long) rows * n) {
            throw new BadInputException("codes: have " + z.length + " values; expected rows × latents = "
                    + rows + "×" + n);
        }
        float[] xhat = new float[rows * d];
        decodeWith(dictionary(), z, rows, xhat);
        return xhat;
    }

    /**
     * The model's output for codes {@code z} of input rows {@code x}: {@link #decode(float[], int)} plus, for a skip
     * transcoder, {@code x·W_skipᵀ}; B×d_out.
     */
    public float[] decode(float[] z, float[] x, int rows) {
        checkInput(x, rows);
        float[] out = decode(z, rows);
        addSkip(x, 0, rows, out, 0);
        return out;
    }

    /**
     * A skip transcoder: {@code out[b] += W_skip·x[b]} for {@code rows} rows (x width d from {@code xOff}, out width
     * d_out from {@code outOff}); nothing otherwise.
     */
    public void addSkip(float[] x, int xOff, int rows, float[] out, int outOff) {
        if (wSkip != null) {
            addSkip(wSkip, dim(), outDim(), x, xOff, rows, out, outOff,
                    VectorizationProvider.getInstance().vectorOps());
        }
    }

    /** {@code out[b] += W_skip·x[b]} with {@code wSkip} d_out×d: the one skip path the model and encoders share. */
    public static void addSkip(float[] wSkip, int d, int dOut, float[] x, int xOff, int rows, float[] out, int outOff,
                        VectorOps ops) {
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < dOut; i++) {
                out[outOff + b * dOut + i] += ops.dot(wSkip, i * d, x, xOff + b * d, d);
            }
        }
    }

    /** {@code xhat = z · dict + b_dec} for {@code rows} rows, skipping zero codes; {@code dict} as {@link #dictionary()}. */
    void decodeWith(float[] dict, float[] z, int rows, float[] xhat) {
        int n = latents();
        int d = outDim();
        VectorOps ops = VectorizationProvider.getInstance().vectorOps();
        for (int b = 0; b < rows; b++) {
            System.arraycopy(bDec, 0, xhat, b * d, d);
            for (int j = 0; j < n; j++) {
                float zj = z[b * n + j];
                if (zj != 0f) {
                    ops.axpy(zj, dict, j * d, xhat, b * d, d);
                }
            }
        }
    }

    /** Pre-activations, codes and reconstruction of one batch. */
    public record Forward(float[] pre, float[] codes, float[] reconstruction) {
    }

    public Forward forward(float[] x, int rows) {
        float[] pre = preActivations(x, rows);
        float[] z = activate(pre, rows);
        float[] xhat = decode(z, x, rows);
        if (rule != null) {
            rule.denormalize(xhat, 0, x, 0, rows, dim());
        }
        return new Forward(pre, z, xhat);
    }

    private void checkInput(float[] x, int rows) {
        if (rows < 0 || x.length < (long) rows * dim()) {
            throw new BadInputException("input: have " + x.length + " values; expected rows × dim = "
                    + rows + "×" + dim());
        }
    }
}
