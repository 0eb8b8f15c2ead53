package org.sae4j.train.fused;

import org.sae4j.Activation;
import org.sae4j.Sae;
import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The fused training step's phases over one model, in the order {@link org.sae4j.train.FusedStep} calls them
 * (fused-step.md; the math is design.md §3):
 * <ol>
 *   <li>{@link #prepare}: {@link Prepare} (x̃, input sums, decoder scales); the loss terms' shares of ∂L/∂z
 *       ({@code LossTerm.codeGradient}) are known from here.</li>
 *   <li>{@link #forward}: either the sparse path —
 *       {@link Selection} (GEMM with a selecting epilogue, gather by row), {@link RowPass} (decode, residual,
 *       ∂/∂z at the kept entries), {@link Codes#groupByLatent} (entries by latent; per latent Σ z, count, dead
 *       mask) — or the {@link DensePath}; then {@link AuxK}'s forward pass.</li>
 *   <li>{@link #backward}: the norm pass ({@link SparseNormPass} or the dense one) fills {@link LatentGradients};
 *       then the sums over latents and ∂b_dec.</li>
 *   <li>{@link #update}: {@link ParameterUpdate} with the caller's clip factor and learning rate.</li>
 * </ol>
 * The loss weights, clipping and schedules stay with the caller; this class holds the buffers (allocated here or on
 * first use of a path) and the choice of path. Work is split into contiguous row or latent blocks ({@link Blocks})
 * on the caller's {@link KernelPool}; sums run in row or latent order, so results are identical for any thread
 * count.
 */
public final class FusedPhases {
    private final Sae sae;
    private final KernelPool pool;
    private final int n;
    private final int d;
    private final int maxRows;
    private final double denseSwitch;

    private final RowBuffers rows;
    private final LatentScales scales;
    private final Codes codes;
    private final LatentGradients grads;
    private final PackedEncoder encoder;
    private final AuxK aux;
    private final Prepare prepare;
    private final Selection selection;
    private final RowPass rowPass;
    private final SparseNormPass sparseNorms;
    private final DensePath dense;
    private final ParameterUpdate update;
    private final FusedInputs inputs;
    /** A skip transcoder's W_skip path, else null. */
    private final SkipPath skip;

    /** ∂L/∂b_dec: d_out (float, as applied) and its double accumulator. */
    private final float[] gBDec;
    private final double[] bDecAcc;
    /** The loss terms' ∂L/∂(Σ_b z_bj) as float, per latent: n. */
    private final float[] dzAdd;
    /** Active fraction of the last step's codes: the next step's path is chosen from it. */
    private double lastActiveFraction = 0.5;
    /** Where this step's gradient rows come from: the dense path or the sparse norm pass. */
    private GradientRows path;

    /**
     * @param denseSwitch fraction of active codes above which ReLU/JumpReLU steps take the dense path (decided from
     *                    the previous step; the first step assumes an initialisation's half-dense codes); below 0
     *                    forces the dense path, above 1 the sparse one
     */
    public FusedPhases(Sae sae, int maxRows, KernelPool pool, double denseSwitch) {
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.sae = sae;
        this.pool = pool;
        this.n = sae.latents();
        this.d = sae.outDim();
        this.maxRows = maxRows;
        this.denseSwitch = denseSwitch;
        int threads = pool.threads();
        Activation act = sae.config().activation();
        rows = new RowBuffers(maxRows, sae.dim(), d, sae.config().matryoshka(), n,
                sae.config().transcoder() != null);
        scales = new LatentScales(n, d, act, sae.config().unitNormDecoder(), p.vectorOps());
        grads = new LatentGradients(sae, scales, rows, p.vectorOps());
        encoder = new PackedEncoder(p.gemm(), sae.wEnc(), n, sae.dim());
        aux = new AuxK(sae, rows, scales, p.thresholdSelect(), p.vectorOps(), threads);
        selection = new Selection(sae, maxRows, threads, scales, aux, p.thresholdSelect());
        codes = new Codes(maxRows, n, Selection.initialCodeCapacity(maxRows, n, threads, selection.candCap));
        prepare = new Prepare(sae, rows, scales, p.vectorOps());
        rowPass = new RowPass(sae, rows, scales, codes, p.vectorOps());
        sparseNorms = new SparseNormPass(sae, rows, scales, codes, aux, grads, p.vectorOps(), threads);
        dense = new DensePath(sae, rows, scales, aux, grads, p.gemm(), p.vectorOps(), p.denseCodes());
        update = new ParameterUpdate(sae, scales, grads, encoder, p.adamUpdate(), p.vectorOps());
        inputs = new FusedInputs(sae, rows, scales, codes, grads, p.vectorOps(), pool);
        skip = sae.config().skip() ? new SkipPath(sae, rows, p.gemm(), p.vectorOps()) : null;
        gBDec = new float[d];
        bDecAcc = new double[d];
        dzAdd = new float[n];
    }

    /** What the forward pass found. */
    public record Forward(boolean dense, int deadCount, double auxk) {
    }

    /**
     * The batch's gradient and loss sums, before clipping: {@code sse} the whole dictionary's squared error (the
     * metrics'), {@code reconstructionSse} the loss's (with Matryoshka prefixes Σ_m w·sse_m; else sse).
     */
    public record Gradients(double sse, double reconstructionSse, double norm2, long active) {
    }

    /** The update rule: Adam (with its step) or SGD at {@code rate}, gradients scaled by {@code clip}. */
    public record UpdateRule(boolean adam, float clip, float rate, AdamUpdate.Step adamStep, float[][] m,
                             float[][] v) {
    }

    /**
     * Binds {@code rows} rows of {@code x} from {@code off} (width {@code SaeConfig.rowWidth()}: a transcoder's
     * rows hold its input, then its target) and runs {@link Prepare} (x̃, input sums, decoder
     * scales); returns what the loss terms may read before the forward pass ({@code LossTerm.codeGradient}).
     *
     * @param step       this step's index
     * @param windowDead the window's dead mask before this batch, {@code windowDeadCount} set; read until
     *                   {@link #update}
     */
    public org.sae4j.train.loss.LatentInputs prepare(float[] x, int off, int rows, long step, boolean[] windowDead,
                                                     int windowDeadCount) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("batch of " + rows + " rows exceeds the configured " + maxRows);
        }
        this.rows.bind(x, off, rows);
        prepare.run(pool);
        if (skip != null) {
            skip.forward(pool);
        }
        inputs.bindBefore(step, windowDead, windowDeadCount);
        return inputs;
    }

    /**
     * Forward pass and per-row gradients of the batch {@link #prepare} bound; afterwards {@link #inputs} holds the
     * batch's per-latent aggregates.
     *
     * @param dSumZ           the loss terms' ∂L/∂(Σ_b z_bj) per latent (null: none), added to ∂/∂z at kept entries
     * @param dCount          the loss terms' ∂L/∂count_j per latent (JumpReLU's L0; null: none)
     * @param auxCoef         AuxK's coefficient (0: off); {@code auxK} its k (0: d/2)
     */
    public Forward forward(double[] dSumZ, double[] dCount, double auxCoef, int auxK, Lap lap) {
        int rows = this.rows.rows;
        float[] add = null;
        if (dSumZ != null) {
            add = dzAdd;
            for (int j = 0; j < n; j++) {
                add[j] = (float) dSumZ[j];
            }
        }
        double auxScale = aux.begin(auxCoef, auxK, inputs.windowDeadMask(), inputs.windowDeadCount(), rows);
        boolean dense = selection.candCap == 0 && lastActiveFraction > denseSwitch;
        int deadCount;
        if (dense) {
            deadCount = this.dense.forward(pool, encoder, add, dCount, lap);
            path = this.dense;
        } else {
            encoder.ensurePacked(pool);
            lap.lap("prepare");
            selection.encode(pool, this.rows, encoder);
            lap.lap("encode + select");
            selection.gather(pool, this.rows, encoder, codes);
            rowPass.run(pool, add);
            lap.lap("rows");
            deadCount = codes.groupByLatent(pool, scales, grads.active, grads.dead);
            path = sparseNorms;
        }
        inputs.bindAfter(dense ? this.dense : null, deadCount);
        double auxk = aux.on ? aux.forward(pool, auxCoef, auxScale) : 0;
        return new Forward(dense, deadCount, auxk);
    }

    /**
     * What the {@link org.sae4j.train.loss.LossTerm}s read: after {@link #forward} (and before {@link #update}) the
     * batch's per-latent aggregates.
     */
    public org.sae4j.train.loss.LatentInputs inputs() {
        return inputs;
    }

    /** The norm pass over latents with this step's loss terms, then the sums over rows and latents and ∂b_dec. */
    public Gradients backward(LatentTerms terms, Lap lap) {
        if (path == dense) {
            dense.normPass(pool, terms);
        } else {
            sparseNorms.run(pool, terms);
        }
        lap.lap("norm pass");
        double sse = rows.sse();
        Blocks.merge(rows.blkSumE, Blocks.rowBlocks(terms.rows()), d, bDecAcc);
        if (sae.config().preEncoderBias()) {
            // x̃ = x − b_dec: ∂/∂b_dec −= Σ_j (Σ_b ∂pre_bj) W_enc[j], summed per latent block by the norm pass.
            Blocks.add(grads.blkDecBias, Blocks.latentBlocks(n), d, bDecAcc);
        }
        LatentGradients.Totals t = grads.totals();
        double norm2 = t.norm2() + (skip != null ? skip.backward(pool) : 0);
        for (int i = 0; i < d; i++) {
            gBDec[i] = (float) bDecAcc[i];
            norm2 += (double) gBDec[i] * gBDec[i];
        }
        lastActiveFraction = (double) t.active() / ((double) terms.rows() * n);
        return new Gradients(sse, rows.reconstructionSse(), norm2, t.active());
    }

    /** Applies the update to every parameter (and renormalises the atoms). */
    public void update(UpdateRule rule) {
        update.run(pool, path, rule, gBDec, skip != null ? skip.grad : null);
    }

    /**
     * The model's parameters were changed outside the update pass (resampling): the next step measures the decoder
     * norms and packs W_enc afresh instead of trusting what the update pass left.
     */
    public void modelChanged() {
        scales.decoderNormsFresh = false;
        encoder.markStale();
    }

    /** The batch's dead mask (latents that fired nowhere); this object's buffer. */
    public boolean[] dead() {
        return grads.dead;
    }

    /** Σ_b y_b per feature of the last batch's targets (double; x itself for an autoencoder), for R². */
    public double[] featureSums() {
        return rows.sumXd;
    }

    /** Σ_b x_b² per feature of the last batch. */
    public double[] featureSquareSums() {
        return rows.sumX2;
    }

    /** BatchTopK: the smallest value kept in the last batch (NaN when none was positive). */
    public float batchThreshold() {
        return selection.batchThreshold;
    }

    /** For tests: a smaller norm-pass chunk budget crosses chunk boundaries at small sizes. */
    public void normChunkBytes(int bytes) {
        sparseNorms.normChunkBytes(bytes);
    }
}
