package org.sae4j.train;

import org.sae4j.BadInputException;

/**
 * Training hyper-parameters. Build with {@link #builder()}; defaults follow common SAE practice.
 *
 * @param batchSize             rows per step (a trailing partial batch is dropped when a full one exists)
 * @param epochs                passes over the data
 * @param maxSteps              stop after this many steps (0 = no limit)
 * @param lr                    peak learning rate
 * @param warmupSteps           linear warm-up steps
 * @param cosineDecay           decay the rate along a cosine to {@code lr·minLrRatio} at the last step
 * @param minLrRatio            floor of the cosine decay
 * @param optimizer             adam or sgd
 * @param beta1                 Adam β₁
 * @param beta2                 Adam β₂
 * @param adamEps               Adam ε (outside the square root)
 * @param clipGrad              global gradient-norm bound, 0 = off
 * @param reanimation           re-animation coefficient schedule
 * @param reanimationForm       seed or overcomplete normalisation
 * @param l1Coef                λ₁ of the L1 term (ReLU)
 * @param l1DecoderNormWeighted weight the L1 term by decoder row norms
 * @param l0Coef                λ₀ of the L0 term (JumpReLU)
 * @param auxkCoef              coefficient of AuxK (0 = off; Gao et al. use 1/32)
 * @param auxkK                 k_aux, dead latents per row in AuxK (0 = d/2)
 * @param deadWindowTokens      a latent is dead for AuxK when it has not fired in this many tokens (OpenAI,
 *                              sparsify: 10M)
 * @param reanimationWindowMask the re-animation term treats as dead the window-dead latents instead of the seed's
 *                              batch mask (latents that fired nowhere in the batch)
 * @param decoderBiasInit       how a fresh model's {@code b_dec} is set from the first batch
 * @param encoderInitScale      a fresh model's {@code W_enc} = this × its unit-norm atoms (tied init at 1)
 * @param threads               worker threads
 * @param seed                  seed of the data shuffling
 * @param userTerms             user loss terms ({@link org.sae4j.train.loss.LossTerm}) with their schedules, in
 *                              registration order (the order their gradients are added in)
 * @param resampleEvery         resample the window-dead latents every this many steps ({@link Resampling}; 0 = off)
 * @param preActCoef            λ of JumpReLU's pre-activation loss on batch-dead latents ({@link
 *                              org.sae4j.train.loss.PreAct}; 0 = off)
 */
public record TrainConfig(int batchSize, int epochs, long maxSteps, double lr, long warmupSteps, boolean cosineDecay,
                          double minLrRatio, Optimizer optimizer, double beta1, double beta2, double adamEps,
                          double clipGrad, CoefSchedule reanimation, ReanimationForm reanimationForm, double l1Coef,
                          boolean l1DecoderNormWeighted, double l0Coef, double auxkCoef, int auxkK,
                          long deadWindowTokens, boolean reanimationWindowMask, BiasInit decoderBiasInit,
                          double encoderInitScale, int threads, long seed, java.util.List<UserTerm> userTerms,
                          long resampleEvery, double preActCoef) {

    /** How a fresh model's {@code b_dec} is initialised from the first batch. */
    public enum BiasInit {
        /** The batch mean. */
        MEAN,
        /** The geometric median (Weiszfeld), robust to outlier rows. */
        GEOMETRIC_MEDIAN;

        public static BiasInit parse(String s) {
            return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "mean" -> MEAN;
                case "median", "geometric-median", "geometric_median" -> GEOMETRIC_MEDIAN;
                default -> throw new BadInputException("decoder bias init '" + s + "': expected mean or median");
            };
        }
    }

    public TrainConfig {
        positive("batch", batchSize);
        positive("epochs", epochs);
        if (maxSteps < 0) {
            throw new BadInputException("steps = " + maxSteps + ": expected ≥ 0 (0 = no limit)");
        }
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new BadInputException("lr = " + lr + ": expected a positive learning rate");
        }
        if (warmupSteps < 0) {
            throw new BadInputException("warmup steps = " + warmupSteps + ": expected ≥ 0");
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new BadInputException("min lr ratio = " + minLrRatio + ": expected 0..1");
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new BadInputException("Adam betas (" + beta1 + ", " + beta2 + "): expected each in [0, 1)");
        }
        if (!(adamEps > 0)) {
            throw new BadInputException("Adam eps = " + adamEps + ": expected > 0");
        }
        if (!(clipGrad >= 0) || !Double.isFinite(clipGrad)) {
            throw new BadInputException("clip-grad = " + clipGrad + ": expected ≥ 0 (0 = off)");
        }
        if (!(l1Coef >= 0) || !(l0Coef >= 0)) {
            throw new BadInputException("sparsity coefficients (l1 " + l1Coef + ", l0 " + l0Coef
                    + "): expected ≥ 0");
        }
        if (!(auxkCoef >= 0) || !Double.isFinite(auxkCoef) || auxkK < 0) {
            throw new BadInputException("auxk (coef " + auxkCoef + ", k " + auxkK + "): expected coef ≥ 0 and k ≥ 0"
                    + " (0 = d/2)");
        }
        positive("dead window tokens", deadWindowTokens);
        if (decoderBiasInit == null) {
            throw new BadInputException("decoder bias init: expected mean or median");
        }
        if (!(encoderInitScale > 0) || !Double.isFinite(encoderInitScale)) {
            throw new BadInputException("encoder init scale = " + encoderInitScale + ": expected a positive number");
        }
        positive("threads", threads);
        if (resampleEvery < 0) {
            throw new BadInputException("resample every " + resampleEvery + " steps: expected ≥ 0 (0 = off)");
        }
        if (!(preActCoef >= 0) || !Double.isFinite(preActCoef)) {
            throw new BadInputException("pre-activation loss coefficient " + preActCoef + ": expected ≥ 0 (0 = off)");
        }
        if (reanimation == null || reanimationForm == null || optimizer == null) {
            throw new BadInputException("reanimation schedule, form and optimizer: expected values, got null");
        }
        userTerms = java.util.List.copyOf(userTerms);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (UserTerm t : userTerms) {
            if (!names.add(t.name())) {
                throw new BadInputException("loss term '" + t.name() + "' registered twice; expected unique names");
            }
        }
    }

    private static void positive(String name, long v) {
        if (v <= 0) {
            throw new BadInputException(name + " = " + v + ": expected a positive number");
        }
    }

    /** A fresh model for this run: initialised from {@code sae}, {@code b_dec} from the first batch. */
    public org.sae4j.model.Sae freshModel(org.sae4j.model.SaeConfig sae, float[] firstBatch, int rows) {
        org.sae4j.model.Sae m = org.sae4j.model.Sae.initialize(sae);
        if (decoderBiasInit == BiasInit.GEOMETRIC_MEDIAN) {
            m.initDecoderBiasToGeometricMedian(firstBatch, 0, rows, 200);
        } else {
            m.initDecoderBiasToMean(firstBatch, 0, rows);
        }
        if (encoderInitScale != 1.0) {
            float[] w = m.wEnc();
            for (int i = 0; i < w.length; i++) {
                w[i] *= (float) encoderInitScale;
            }
        }
        return m;
    }

    /** Loss coefficients for the coming step of a run in state {@code state} (AUTO schedules read it). */
    public LossWeights weights(OptimizerState state) {
        UserTerm.requireRegistered(userTerms);
        // An immutable list, which LossWeights keeps without another copy (none at all without user terms).
        LossWeights.Weighted[] user = new LossWeights.Weighted[userTerms.size()];
        for (int i = 0; i < user.length; i++) {
            UserTerm t = userTerms.get(i);
            user[i] = new LossWeights.Weighted(t.term(), t.schedule().at(state.step));
        }
        return new LossWeights(state.reanimationCoef(reanimation), reanimationForm, l1Coef, l1DecoderNormWeighted,
                l0Coef, auxkCoef, auxkK, user.length == 0 ? java.util.List.of() : java.util.List.of(user), preActCoef);
    }

    /** Learning-rate schedule for a run of {@code totalSteps}. */
    public LrSchedule lrSchedule(long totalSteps) {
        return new LrSchedule(lr, warmupSteps, cosineDecay ? totalSteps : 0, minLrRatio);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.batchSize = batchSize;
        b.epochs = epochs;
        b.maxSteps = maxSteps;
        b.lr = lr;
        b.warmupSteps = warmupSteps;
        b.cosineDecay = cosineDecay;
        b.minLrRatio = minLrRatio;
        b.optimizer = optimizer;
        b.beta1 = beta1;
        b.beta2 = beta2;
        b.adamEps = adamEps;
        b.clipGrad = clipGrad;
        b.reanimation = reanimation;
        b.reanimationForm = reanimationForm;
        b.l1Coef = l1Coef;
        b.l1DecoderNormWeighted = l1DecoderNormWeighted;
        b.l0Coef = l0Coef;
        b.auxkCoef = auxkCoef;
        b.auxkK = auxkK;
        b.deadWindowTokens = deadWindowTokens;
        b.reanimationWindowMask = reanimationWindowMask;
        b.decoderBiasInit = decoderBiasInit;
        b.encoderInitScale = encoderInitScale;
        b.threads = threads;
        b.seed = seed;
        b.userTerms = new java.util.ArrayList<>(userTerms);
        b.resampleEvery = resampleEvery;
        b.preActCoef = preActCoef;
        return b;
    }

    /** Mutable builder with the defaults. */
    public static final class Builder {
        private int batchSize = 1024;
        private int epochs = 1;
        private long maxSteps = 0;
        private double lr = 5e-4;
        private long warmupSteps = 0;
        private boolean cosineDecay = false;
        private double minLrRatio = 0.1;
        private Optimizer optimizer = Optimizer.ADAM;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double adamEps = 1e-8;
        private double clipGrad = 1.0;
        private CoefSchedule reanimation = CoefSchedule.constant(1e-3);
        private ReanimationForm reanimationForm = ReanimationForm.SEED;
        private double l1Coef = 0;
        private boolean l1DecoderNormWeighted = false;
        private double l0Coef = 0;
        private double auxkCoef = 0;
        private int auxkK = 0;
        private long deadWindowTokens = 10_000_000L;
        private boolean reanimationWindowMask = false;
        private BiasInit decoderBiasInit = BiasInit.MEAN;
        private double encoderInitScale = 1.0;
        private int threads = Runtime.getRuntime().availableProcessors();
        private long seed = 0;
        private java.util.List<UserTerm> userTerms = new java.util.ArrayList<>();
        private long resampleEvery = 0;
        private double preActCoef = 0;

        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder epochs(int v) { epochs = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder lr(double v) { lr = v; return this; }
        public Builder warmupSteps(long v) { warmupSteps = v; return this; }
        public Builder cosineDecay(boolean on, double minRatio) { cosineDecay = on; minLrRatio = minRatio; return this; }
        public Builder optimizer(Optimizer v) { optimizer = v; return this; }
        public Builder adam(double b1, double b2, double eps) { beta1 = b1; beta2 = b2; adamEps = eps; return this; }
        public Builder clipGrad(double v) { clipGrad = v; return this; }
        public Builder reanimation(CoefSchedule v) { reanimation = v; return this; }
        public Builder reanimation(double coef) { reanimation = CoefSchedule.constant(coef); return this; }
        public Builder reanimationForm(ReanimationForm v) { reanimationForm = v; return this; }
        public Builder l1(double coef, boolean decoderNormWeighted) { l1Coef = coef; l1DecoderNormWeighted = decoderNormWeighted; return this; }
        public Builder l0(double coef) { l0Coef = coef; return this; }
        public Builder auxk(double coef, int k) { auxkCoef = coef; auxkK = k; return this; }
        public Builder deadWindowTokens(long v) { deadWindowTokens = v; return this; }
        public Builder reanimationWindowMask(boolean v) { reanimationWindowMask = v; return this; }
        public Builder decoderBiasInit(BiasInit v) { decoderBiasInit = v; return this; }
        public Builder encoderInitScale(double v) { encoderInitScale = v; return this; }
        public Builder threads(int v) { threads = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** Registers a user loss term at a constant coefficient (see {@link org.sae4j.train.loss.LossTerm}). */
        public Builder lossTerm(org.sae4j.train.loss.LossTerm term, double coef) { userTerms.add(UserTerm.of(term, coef)); return this; }
        /** Registers a user loss term with a coefficient schedule (constant, linear or cosine). */
        public Builder lossTerm(org.sae4j.train.loss.LossTerm term, CoefSchedule schedule) { userTerms.add(UserTerm.of(term, schedule)); return this; }
        /** Replaces the user loss terms. */
        public Builder lossTerms(java.util.List<UserTerm> v) { userTerms = new java.util.ArrayList<>(v); return this; }

        /** Resample window-dead latents every {@code v} steps (0 = off; {@link Resampling}). */
        public Builder resampleEvery(long v) { resampleEvery = v; return this; }
        /** JumpReLU's pre-activation loss coefficient (0 = off; {@link org.sae4j.train.loss.PreAct}). */
        public Builder preAct(double coef) { preActCoef = coef; return this; }

        public TrainConfig build() {
            return new TrainConfig(batchSize, epochs, maxSteps, lr, warmupSteps, cosineDecay, minLrRatio, optimizer,
                    beta1, beta2, adamEps, clipGrad, reanimation, reanimationForm, l1Coef, l1DecoderNormWeighted,
                    l0Coef, auxkCoef, auxkK, deadWindowTokens, reanimationWindowMask, decoderBiasInit,
                    encoderInitScale, threads, seed, userTerms, resampleEvery, preActCoef);
        }
    }
}
