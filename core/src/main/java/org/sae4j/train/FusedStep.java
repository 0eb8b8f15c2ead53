package org.sae4j.train;

import org.sae4j.Activation;
import org.sae4j.Sae;
import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.KernelPool;
import org.sae4j.metrics.Metrics;
import org.sae4j.train.fused.FusedPhases;
import org.sae4j.train.fused.Lap;
import org.sae4j.train.fused.LatentTerms;

/**
 * The fused, sparse-aware training step (src/docs/design.md §4): the same math as {@link ReferenceStep}, in float32, without
 * a B×n matrix on its sparse path (see src/docs/fused-step.md). {@link #step} reads as the list of phases, which live
 * in {@link org.sae4j.train.fused} with their buffers: forward (selection or dense products, row pass, AuxK),
 * backward (norm pass over latents, sums), then clipping and the update pass. This class keeps what belongs to
 * training rather than to the arithmetic: the loss weights and their schedules, the loss terms over per-latent
 * aggregates ({@link LatentTermPass}, {@link org.sae4j.train.loss}), the loss value, the clip factor,
 * the learning rate, the dead-latent window and the statistics.
 */
public final class FusedStep implements TrainStep {
    /**
     * Active-code fraction above which ReLU/JumpReLU use the dense path: measured with TrainStepBench (ReLU, d=768,
     * n=16384, B=1024, 2 threads, path forced; src/docs/benchmarks.md), the sparse step costs ≈ 0.12 s + 0.62 ms per
     * active code per row and the dense one ≈ 0.53 s, equal near L0 ≈ 660 of 16384, i.e. 4 %.
     */
    public static final double DENSE_SWITCH = 0.04;

    private final Sae sae;
    private final TrainConfig cfg;
    private final LrSchedule lr;
    private final OptimizerState state;
    private final Activation act;
    private final int n;
    private final KernelPool pool;
    private final FusedPhases phases;
    private final LatentTermPass terms;
    private final boolean[] windowDead;
    private final Resampling resampling;
    private final double[] r2 = new double[2];
    private final PhaseTimer timer = new PhaseTimer("FusedStep");
    private final Lap lap = timer::lap;

    public FusedStep(Sae sae, TrainConfig cfg, long totalSteps) {
        this(sae, cfg, totalSteps, new OptimizerState(sae));
    }

    public FusedStep(Sae sae, TrainConfig cfg, long totalSteps, OptimizerState state) {
        this(sae, cfg, totalSteps, state, DENSE_SWITCH);
    }

    /**
     * @param denseSwitch fraction of active codes above which ReLU/JumpReLU steps take the dense path (decided
     *                    from the previous step; the first step assumes an initialisation's half-dense codes);
     *                    below 0 forces the dense path, above 1 the sparse one (for measuring the switch point)
     */
    public FusedStep(Sae sae, TrainConfig cfg, long totalSteps, OptimizerState state, double denseSwitch) {
        this.sae = sae;
        this.cfg = cfg;
        this.lr = cfg.lrSchedule(totalSteps);
        this.state = state;
        this.act = sae.config().activation();
        this.n = sae.latents();
        this.pool = new KernelPool(cfg.threads());
        this.phases = new FusedPhases(sae, cfg.batchSize(), pool, denseSwitch);
        this.windowDead = new boolean[n];
        this.terms = new LatentTermPass(n);
        this.resampling = new Resampling(sae, cfg);
    }

    @Override
    public OptimizerState state() {
        return state;
    }

    @Override
    public void close() {
        pool.close();
    }

    /** For tests: a smaller norm-pass chunk budget crosses chunk boundaries at small sizes. */
    void normChunkBytes(int bytes) {
        phases.normChunkBytes(bytes);
    }

    @Override
    public StepStats step(float[] x, int off, int rows, int epoch) {
        long step = state.step;
        LossWeights w = cfg.weights(state);
        boolean jump = act == Activation.JUMPRELU;
        int windowDeadCount = state.windowDead(cfg.deadWindowTokens(), windowDead);

        // 1. Forward and per-row gradients: x̃ and the loss terms' shares of ∂L/∂z, selection (or the dense
        //    products), row pass, AuxK.
        timer.start();
        LatentTermPass.CodeShares shares = terms.codeGradients(
                phases.prepare(x, off, rows, step, windowDead, windowDeadCount), w, w.l1Coef(), jump ? w.l0Coef() : 0);
        FusedPhases.Forward f = phases.forward(shares.dSumZ(), shares.dCount(), w.auxkCoef(), w.auxkK(), lap);
        timer.lap(f.dense() ? "dense: dead mask, aux" : "by latent, dead mask, aux");

        // 2. The loss terms over the per-latent aggregates (re-animation, L1, then the user terms), then
        //    per-latent gradients and their norms.
        LatentTermPass.Result lt = terms.run(phases.inputs(), w, w.reanimationCoef(), w.l1Coef(), jump,
                cfg.reanimationWindowMask(), jump ? w.preActCoef() : 0);
        timer.lap("loss terms");
        FusedPhases.Gradients g = phases.backward(
                new LatentTerms(rows, shares.dCount(), lt.dSumPre(), lt.dDecNorm()), lap);

        // 3. Loss, clip factor, learning rate.
        double mse = g.sse() / ((double) rows * sae.outDim());
        double reanimation = lt.reanimation();
        double l0 = (double) g.active() / rows;
        double loss = loss(w, g.reconstructionSse() / ((double) rows * sae.outDim()), reanimation, lt.l1(), lt.l0(), f.auxk()) + w.preActCoef() * lt.preAct()
                + lt.userLoss();
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException(step, loss);
        }
        double gradNorm = Math.sqrt(g.norm2());
        double r = lr.at(step);
        state.step = step + 1;
        timer.lap("sums");

        // 4. Update pass: rebuild each latent's gradient rows, clip, update, renormalise; then b_dec.
        phases.update(new FusedPhases.UpdateRule(cfg.optimizer() == Optimizer.ADAM,
                (float) GradientClipping.scale(gradNorm, cfg.clipGrad()), (float) r,
                AdamUpdate.Step.of(r, cfg.beta1(), cfg.beta2(), cfg.adamEps(), state.step), state.m, state.v));
        timer.lap("update pass");
        if (act == Activation.BATCHTOPK && !Float.isNaN(phases.batchThreshold())) {
            sae.setBatchTopKThreshold(BatchThreshold.mean(sae.batchTopKThreshold(), phases.batchThreshold(),
                    state.step));
        }

        // R² metrics from the per-feature sums the forward pass took, rather than two more passes over the batch.
        Metrics.r2FromMoments(phases.featureSums(), phases.featureSquareSums(), sae.outDim(), rows, g.sse(), r2);
        StepStats st = new StepStats(step, epoch, rows, loss, mse, reanimation, r2[0], r2[1], l0,
                (double) f.deadCount() / n, phases.dead(), windowDeadAfter(rows), f.auxk(), w.reanimationCoef(), r,
                gradNorm, lt.user());
        timer.lap("stats");
        if (resampling.afterStep(x, off, rows, state) > 0) {
            phases.modelChanged();
            timer.lap("resample");
        }
        timer.endStep();
        return st;
    }

    /**
     * The batch's loss (src/docs/design.md §3): mse (with Matryoshka prefixes, Σ_m w·mse_m) − re-animation + L1 + L0 (JumpReLU) + AuxK, with their weights
     * (the pre-activation loss's and the user terms' contributions are added after).
     */
    private double loss(LossWeights w, double mse, double reanimation, double l1, double l0, double auxk) {
        return mse - (w.reanimationCoef() != 0 ? w.reanimationCoef() * reanimation : 0) + w.l1Coef() * l1
                + (act == Activation.JUMPRELU ? w.l0Coef() * l0 : 0) + w.auxkCoef() * auxk;
    }

    /** Records this batch's firing and returns the windowed dead fraction after it. */
    private double windowDeadAfter(int rows) {
        state.observeFiring(phases.dead(), rows);
        double fraction = (double) state.windowDead(cfg.deadWindowTokens(), windowDead) / n;
        state.observeWindowDeadFraction(cfg.reanimation(), fraction, rows, cfg.deadWindowTokens());
        return fraction;
    }
}
