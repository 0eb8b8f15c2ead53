package org.sae4j.train;

import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.KernelPool;
import org.sae4j.metrics.Metrics;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.train.fused.FusedPhases;
import org.sae4j.train.fused.Lap;
import org.sae4j.train.fused.LatentTerms;
import org.sae4j.train.loss.LatentInputs;

/**
 * The fused, sparse-aware training step (src/docs/design.md §4): the same math as {@link ReferenceStep}, in float32, without
 * a B×n matrix on its sparse path (see src/docs/fused-step.md). {@link #step} reads as llm.c's train loop: forward
 * (phases 1–7), backward (8–9), update (10), calling the phases of {@link org.sae4j.train.fused.FusedPhases}, which
 * hold the step's tensors. This class keeps what belongs to training rather than to the arithmetic: the loss weights
 * and their schedules, the loss terms over per-latent aggregates ({@link LatentTermPass}, {@link org.sae4j.train.loss}),
 * the loss value, the clip factor, the learning rate, the dead-latent window and the statistics.
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

    /**
     * One step, as llm.c's train loop reads: forward, backward, update, each call naming what it reads and what it
     * gives. The phase numbers are fused-step.md's and {@link FusedPhases}'.
     */
    @Override
    public StepStats step(float[] x, int off, int rows, int epoch) {
        long step = state.step;
        LossWeights w = cfg.weights(state);
        boolean jump = act == Activation.JUMPRELU;
        int windowDeadCount = state.windowDead(cfg.deadWindowTokens(), windowDead);
        timer.start();

        // Forward: the batch → x̃ and sums (1) → the loss terms' shares of ∂L/∂z (2) → codes, x̂, e, ∂/∂z, the dead
        // mask, AuxK (3–6) → the loss terms over the per-latent aggregates (7).
        LatentInputs before = phases.prepare(x, off, rows, step, windowDead, windowDeadCount);
        LatentTermPass.CodeShares shares = terms.codeGradients(before, w, w.l1Coef(), jump ? w.l0Coef() : 0);
        FusedPhases.Forward f = phases.forward(shares.dSumZ(), shares.dCount(), w.auxkCoef(), w.auxkK(), lap);
        timer.lap(f.dense() ? "dense: dead mask, aux" : "by latent, dead mask, aux");
        LatentTermPass.Result lt = terms.run(phases.inputs(), w, w.reanimationCoef(), w.l1Coef(), jump,
                cfg.reanimationWindowMask(), jump ? w.preActCoef() : 0);
        timer.lap("loss terms");

        // Backward: the path f chose and the loss terms' per-latent gradients → per-latent gradients and norms (8)
        // → ∂b_dec, ‖g‖² and the loss sums (9); then the loss, the clip factor and the learning rate.
        FusedPhases.Gradients g = phases.backward(f,
                new LatentTerms(rows, shares.dCount(), lt.dSumPre(), lt.dDecNorm()), lap);
        double loss = loss(w, g.reconstructionSse() / ((double) rows * sae.outDim()), lt.reanimation(), lt.l1(),
                lt.l0(), f.auxk()) + w.preActCoef() * lt.preAct() + lt.userLoss();
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException(step, loss);
        }
        double gradNorm = Math.sqrt(g.norm2());
        double r = lr.at(step);
        state.step = step + 1;
        timer.lap("sums");

        // Update (10): g's gradient rows, clipped, through Adam or SGD into the parameters; then BatchTopK's threshold.
        phases.update(g, new FusedPhases.UpdateRule(cfg.optimizer() == Optimizer.ADAM,
                (float) GradientClipping.scale(gradNorm, cfg.clipGrad()), (float) r,
                AdamUpdate.Step.of(r, cfg.beta1(), cfg.beta2(), cfg.adamEps(), state.step), state.m, state.v));
        timer.lap("update pass");
        if (act == Activation.BATCHTOPK && !Float.isNaN(f.batchThreshold())) {
            sae.setBatchTopKThreshold(BatchThreshold.mean(sae.batchTopKThreshold(), f.batchThreshold(), state.step));
        }

        StepStats st = stats(step, epoch, rows, w, f, g, lt, loss, gradNorm, r);
        timer.lap("stats");
        if (resampling.afterStep(x, off, rows, state) > 0) {
            phases.modelChanged();
            timer.lap("resample");
        }
        timer.endStep();
        return st;
    }

    /** The step's statistics; R² from the per-feature sums the forward pass took, rather than two more passes. */
    private StepStats stats(long step, int epoch, int rows, LossWeights w, FusedPhases.Forward f,
                            FusedPhases.Gradients g, LatentTermPass.Result lt, double loss, double gradNorm,
                            double r) {
        double mse = g.sse() / ((double) rows * sae.outDim());
        double l0 = (double) g.active() / rows;
        Metrics.r2FromMoments(phases.featureSums(), phases.featureSquareSums(), sae.outDim(), rows, g.sse(), r2);
        return new StepStats(step, epoch, rows, loss, mse, lt.reanimation(), r2[0], r2[1], l0,
                (double) f.deadCount() / n, phases.dead(), windowDeadAfter(rows), f.auxk(), w.reanimationCoef(), r,
                gradNorm, lt.user());
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
