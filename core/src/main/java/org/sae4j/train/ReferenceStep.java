package org.sae4j.train;

import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.ScalarAdamUpdate;
import org.sae4j.metrics.Metrics;
import org.sae4j.model.Sae;

/**
 * The reference training step: {@link ReferenceLoss} in double, global-norm clipping, then Adam (PyTorch
 * semantics, {@link ScalarAdamUpdate}) or SGD in float32 on the model, then atom renormalisation. Slow and clear: the oracle for fused steps.
 */
public final class ReferenceStep implements TrainStep {
    // The scalar twin is the readable definition of the update; the fused step uses the provider's.
    private static final AdamUpdate ADAM = new ScalarAdamUpdate();

    private final Sae sae;
    private final TrainConfig cfg;
    private final LrSchedule lr;
    private final ReferenceLoss loss;
    private final OptimizerState state;
    private final Resampling resampling;

    /**
     * @param totalSteps length of the run, for the cosine schedule (ignored without decay)
     */
    public ReferenceStep(Sae sae, TrainConfig cfg, long totalSteps) {
        this(sae, cfg, totalSteps, new OptimizerState(sae));
    }

    public ReferenceStep(Sae sae, TrainConfig cfg, long totalSteps, OptimizerState state) {
        this.sae = sae;
        this.cfg = cfg;
        this.lr = cfg.lrSchedule(totalSteps);
        this.loss = new ReferenceLoss(sae.config(), cfg.threads());
        this.state = state;
        this.resampling = new Resampling(sae, cfg);
    }

    @Override
    public OptimizerState state() {
        return state;
    }

    @Override
    public StepStats step(float[] x, int off, int rows, int epoch) {
        long step = state.step;
        LossWeights w = cfg.weights(state);
        boolean[] windowDead = new boolean[sae.latents()];
        state.windowDead(cfg.deadWindowTokens(), windowDead);
        ReferenceLoss.Result r = loss.evaluate(DoubleParams.of(sae), x, off, rows, w, ReferenceLoss.ALL_TERMS, true,
                cfg.reanimationWindowMask() ? ReferenceLoss.Aux.withReanimation(windowDead)
                        : ReferenceLoss.Aux.of(windowDead), step);
        if (!Double.isFinite(r.loss)) {
            throw new NonFiniteLossException(step, r.loss);
        }
        double gradNorm = Math.sqrt(r.grad.squaredNorm());
        double clip = GradientClipping.scale(gradNorm, cfg.clipGrad());
        double rate = lr.at(step);
        state.step = step + 1;
        AdamUpdate.Step adam = AdamUpdate.Step.of(rate, cfg.beta1(), cfg.beta2(), cfg.adamEps(), state.step);
        float[][] params = sae.tensors();
        double[][] grads = r.grad.tensors();
        for (int t = 0; t < params.length; t++) {
            float[] g = new float[grads[t].length];
            for (int i = 0; i < g.length; i++) {
                g[i] = (float) (grads[t][i] * clip);
            }
            if (cfg.optimizer() == Optimizer.ADAM) {
                ADAM.update(params[t], state.m[t], state.v[t], 0, g, 0, g.length, 1f, adam);
            } else {
                for (int i = 0; i < g.length; i++) {
                    params[t][i] -= (float) rate * g[i];
                }
            }
        }
        if (sae.config().activation() == org.sae4j.model.Activation.BATCHTOPK && !Double.isNaN(r.batchThreshold)) {
            sae.setBatchTopKThreshold(BatchThreshold.mean(sae.batchTopKThreshold(), r.batchThreshold, state.step));
        }
        if (sae.config().unitNormDecoder()) {
            sae.normalizeDecoderRows(); // D = W/‖W‖ is scale-free: this only keeps gradient scales sane
        }
        float[] xhat = new float[r.reconstruction.length];
        for (int i = 0; i < xhat.length; i++) {
            xhat[i] = (float) r.reconstruction[i];
        }
        state.observeFiring(r.dead, rows);
        int windowDeadAfter = state.windowDead(cfg.deadWindowTokens(), windowDead);
        state.observeWindowDeadFraction(cfg.reanimation(), (double) windowDeadAfter / sae.latents(), rows,
                cfg.deadWindowTokens());
        // R² against what the model reconstructs: x itself, or a transcoder's target columns.
        int dOut = sae.outDim();
        float[] y = x;
        int yOff = off;
        if (sae.config().transcoder() != null) {
            y = new float[rows * dOut];
            yOff = 0;
            for (int b = 0; b < rows; b++) {
                System.arraycopy(x, off + b * sae.config().rowWidth() + sae.dim(), y, b * dOut, dOut);
            }
        }
        StepStats st = new StepStats(step, epoch, rows, r.loss, r.mse, r.reanimation,
                Metrics.r2ScalarMean(y, yOff, xhat, rows, dOut),
                Metrics.explainedVariance(y, yOff, xhat, rows, dOut, new double[dOut]),
                rows == 0 ? 0 : (double) r.active / rows, (double) r.deadCount / sae.latents(), r.dead,
                (double) windowDeadAfter / sae.latents(), r.auxk, w.reanimationCoef(), rate, gradNorm, r.terms);
        resampling.afterStep(x, off, rows, state); // after the statistics, as in the fused step
        return st;
    }

    @Override
    public void close() {
        loss.close();
    }
}
