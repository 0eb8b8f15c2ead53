package org.sae4j.train.fused;

import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Sae;
import org.sae4j.train.loss.LatentInputs;

/**
 * The fused training step's phases over one model (fused-step.md; the math is design.md §3). One numbering, shared
 * by {@link org.sae4j.train.FusedStep}, the phase classes and fused-step.md:
 * <ol>
 *   <li>{@link #prepare}: {@link Prepare} (x̃, input sums, decoder scales); a skip transcoder's target
 *       ({@link SkipPath#forward}).</li>
 *   <li>(the caller) the loss terms' shares of ∂L/∂z, from what {@link #prepare} returns.</li>
 *   <li>{@link #forward}, encode and select: {@link Selection} (GEMM with a selecting epilogue, gather by row).</li>
 *   <li>row pass: {@link RowPass} (decode, residual, ∂/∂z and ∂/∂pre at the kept entries).</li>
 *   <li>grouping by latent: {@link Codes#groupByLatent} (per latent Σ z, count, dead mask). On the dense path
 *       {@link DensePath#forward} does 3–5 as GEMMs.</li>
 *   <li>AuxK's forward pass ({@link AuxK#forward}).</li>
 *   <li>(the caller) the loss terms over the per-latent aggregates, reading {@link #inputs}.</li>
 *   <li>{@link #backward}, norm pass: {@link SparseNormPass} or {@link DensePath#normPass} fill
 *       {@link LatentGradients}.</li>
 *   <li>sums over rows and latents: ∂b_dec, ∂W_skip, the squared gradient norm (the caller then takes the loss,
 *       the clip factor and the learning rate).</li>
 *   <li>{@link #update}: {@link ParameterUpdate} with the caller's clip factor and learning rate.</li>
 * </ol>
 * The tensors phases share are {@link StepTensors} and {@link StepGrads}, allocated here once; each phase's method
 * takes the ones it reads and writes. What the forward pass chose (the path) is returned in {@link Forward} and
 * passed to {@link #backward}, whose {@link Gradients} name where {@link #update} finds the gradient rows. The loss
 * weights, clipping and schedules stay with the caller. Work is split into contiguous row or latent blocks
 * ({@link Blocks}) on the caller's {@link KernelPool}; sums run in row or latent order, so results are identical
 * for any thread count.
 */
public final class FusedPhases {
    private final Sae sae;
    private final KernelPool pool;
    private final VectorOps ops;
    private final int n;
    private final int d;
    private final int maxRows;
    private final double denseSwitch;

    private final StepTensors tensors;
    private final StepGrads grads;

    private final Prepare prepare;
    private final Selection selection;
    private final RowPass rowPass;
    private final SparseNormPass sparseNorms;
    private final DensePath dense;
    private final ParameterUpdate update;
    private final FusedInputs inputs;
    /** A skip transcoder's W_skip path, else null. */
    private final SkipPath skip;

    /** Active fraction of the last step's codes: the next step's path is chosen from it. */
    private double lastActiveFraction = 0.5;

    /**
     * @param denseSwitch fraction of active codes above which ReLU/JumpReLU steps take the dense path (decided from
     *                    the previous step; the first step assumes an initialisation's half-dense codes); below 0
     *                    forces the dense path, above 1 the sparse one
     */
    public FusedPhases(Sae sae, int maxRows, KernelPool pool, double denseSwitch) {
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.sae = sae;
        this.pool = pool;
        this.ops = p.vectorOps();
        this.n = sae.latents();
        this.d = sae.outDim();
        this.maxRows = maxRows;
        this.denseSwitch = denseSwitch;
        int threads = pool.threads();
        tensors = new StepTensors(sae, maxRows, threads, p);
        grads = new StepGrads(sae, tensors, p);
        StepTensors t = tensors;
        prepare = new Prepare(sae, t.rows, t.scales, ops);
        selection = new Selection(sae, maxRows, threads, t.scales, t.aux, p.thresholdSelect());
        rowPass = new RowPass(sae, ops, threads);
        sparseNorms = new SparseNormPass(sae, ops, threads);
        dense = new DensePath(sae, maxRows, p.gemm(), ops, p.denseCodes());
        update = new ParameterUpdate(sae, t.scales, grads.latents, t.encoder, p.adamUpdate(), ops);
        inputs = new FusedInputs(sae, t.rows, t.scales, t.codes, grads.latents, ops, pool);
        skip = sae.config().skip() ? new SkipPath(sae, maxRows, p.gemm(), ops) : null;
    }

    /**
     * What the forward pass found: which path ran, the batch's dead count, AuxK's loss, and BatchTopK's smallest
     * kept value (NaN when none was positive, or another activation).
     */
    public record Forward(boolean dense, int deadCount, double auxk, float batchThreshold) {
    }

    /**
     * The batch's gradient and loss sums, before clipping: {@code sse} the whole dictionary's squared error (the
     * metrics'), {@code reconstructionSse} the loss's (with Matryoshka prefixes Σ_m w·sse_m; else sse); and where
     * the update pass finds each latent's gradient rows (the path the forward pass chose).
     */
    public record Gradients(double sse, double reconstructionSse, double norm2, long active, GradientRows rows) {
    }

    /** The update rule: Adam (with its step) or SGD at {@code rate}, gradients scaled by {@code clip}. */
    public record UpdateRule(boolean adam, float clip, float rate, AdamUpdate.Step adamStep, float[][] m,
                             float[][] v) {
    }

    /**
     * Phase 1. Binds {@code rows} rows of {@code x} from {@code off} (width {@code SaeConfig.rowWidth()}: a
     * transcoder's rows hold its input, then its target) to {@link StepTensors#rows} and runs {@link Prepare}
     * (x̃, input sums, decoder scales); returns what the loss terms may read before the forward pass
     * ({@code LossTerm.codeGradient}).
     *
     * @param step       this step's index
     * @param windowDead the window's dead mask before this batch, {@code windowDeadCount} set; read until
     *                   {@link #update}
     */
    public LatentInputs prepare(float[] x, int off, int rows, long step, boolean[] windowDead, int windowDeadCount) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("batch of " + rows + " rows exceeds the configured " + maxRows);
        }
        StepTensors t = tensors;
        t.rows.bind(x, off, rows);
        prepare.run(pool);
        if (skip != null) {
            skip.forward(pool, t.rows);
        }
        inputs.bindBefore(step, windowDead, windowDeadCount);
        return inputs;
    }

    /**
     * Phases 3–6, on the batch {@link #prepare} bound: codes, x̂, e and ∂/∂z, ∂/∂pre per kept entry (into
     * {@link StepTensors}), the batch's dead mask, AuxK; afterwards {@link #inputs} holds the batch's per-latent
     * aggregates.
     *
     * @param dSumZ   the loss terms' ∂L/∂(Σ_b z_bj) per latent (null: none), added to ∂/∂z at kept entries
     * @param dCount  the loss terms' ∂L/∂count_j per latent (JumpReLU's L0; null: none)
     * @param auxCoef AuxK's coefficient (0: off); {@code auxK} its k (0: d/2)
     */
    public Forward forward(double[] dSumZ, double[] dCount, double auxCoef, int auxK, Lap lap) {
        StepTensors t = tensors;
        LatentGradients lg = grads.latents;
        float[] add = dSumZ == null ? null : toFloat(dSumZ, grads.dSumZ);
        double auxScale = t.aux.begin(auxCoef, auxK, inputs.windowDeadMask(), inputs.windowDeadCount(), t.rows.rows);
        boolean dense = selection.candCap == 0 && lastActiveFraction > denseSwitch;
        int deadCount;
        float batchThreshold = Float.NaN;
        if (dense) {
            deadCount = this.dense.forward(pool, t, add, dCount, lg.dead, lap);    // 3–5
        } else {
            t.encoder.ensurePacked(pool);
            lap.lap("prepare");
            selection.encode(pool, t.rows, t.encoder);                          // 3: x̃ → kept pre
            lap.lap("encode + select");
            batchThreshold = selection.gather(pool, t.rows, t.encoder, t.codes);
            rowPass.run(pool, t.rows, t.scales, t.codes, add);                   // 4: → x̂, e, ∂z, ∂pre
            lap.lap("rows");
            deadCount = t.codes.groupByLatent(pool, t.scales, lg.active, lg.dead); // 5: → by latent, dead
        }
        inputs.bindAfter(dense ? this.dense : null, deadCount);
        double auxk = t.aux.on ? t.aux.forward(pool, auxCoef, auxScale) : 0;   // 6: → ê, aux ∂pre
        return new Forward(dense, deadCount, auxk, batchThreshold);
    }

    private static float[] toFloat(double[] from, float[] to) {
        for (int j = 0; j < to.length; j++) {
            to[j] = (float) from[j];
        }
        return to;
    }

    /**
     * What the {@link org.sae4j.train.loss.LossTerm}s read: after {@link #forward} (and before {@link #update}) the
     * batch's per-latent aggregates.
     */
    public LatentInputs inputs() {
        return inputs;
    }

    /**
     * Phases 8–9 on the path {@code f} ran: the norm pass over latents with this step's loss terms (into
     * {@link StepGrads#latents}), then the sums over rows and latents, ∂b_dec and ∂W_skip.
     */
    public Gradients backward(Forward f, LatentTerms terms, Lap lap) {
        StepTensors t = tensors;
        StepGrads g = grads;
        GradientRows rows = f.dense() ? dense.normPass(pool, t, g.latents, terms)
                : sparseNorms.run(pool, t, g.latents, terms);
        lap.lap("norm pass");
        double sse = t.rows.sse();
        Blocks.merge(t.rows.blkSumE, Blocks.rowBlocks(terms.rows()), d, g.bDecAcc);
        if (sae.config().preEncoderBias()) {
            // x̃ = x − b_dec: ∂/∂b_dec −= Σ_j (Σ_b ∂pre_bj) W_enc[j], summed per latent block by the norm pass.
            Blocks.add(g.latents.blkDecBias, Blocks.latentBlocks(n), d, g.bDecAcc);
        }
        LatentGradients.Totals totals = g.latents.totals();
        double norm2 = totals.norm2() + (skip != null ? skip.backward(pool, t.rows, g.skip) : 0);
        for (int i = 0; i < d; i++) {
            g.bDec[i] = (float) g.bDecAcc[i];
            norm2 += (double) g.bDec[i] * g.bDec[i];
        }
        lastActiveFraction = (double) totals.active() / ((double) terms.rows() * n);
        return new Gradients(sse, t.rows.reconstructionSse(), norm2, totals.active(), rows);
    }

    /** Phase 10: applies {@code rule} to every parameter from {@code g}'s gradients (and renormalises the atoms). */
    public void update(Gradients g, UpdateRule rule) {
        update.run(pool, g.rows(), rule, grads.bDec, grads.skip);
    }

    /**
     * The model's parameters were changed outside the update pass (resampling): the next step measures the decoder
     * norms and packs W_enc afresh instead of trusting what the update pass left.
     */
    public void modelChanged() {
        tensors.scales.decoderNormsFresh = false;
        tensors.encoder.markStale();
    }

    /** The batch's dead mask (latents that fired nowhere); this object's buffer. */
    public boolean[] dead() {
        return grads.latents.dead;
    }

    /** Σ_b y_b per feature of the last batch's targets (double; x itself for an autoencoder), for R². */
    public double[] featureSums() {
        return tensors.rows.sumXd;
    }

    /** Σ_b x_b² per feature of the last batch. */
    public double[] featureSquareSums() {
        return tensors.rows.sumX2;
    }

    /** For tests: a smaller norm-pass chunk budget crosses chunk boundaries at small sizes. */
    public void normChunkBytes(int bytes) {
        sparseNorms.normChunkBytes(bytes);
    }
}
