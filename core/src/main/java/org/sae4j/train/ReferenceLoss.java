package org.sae4j.train;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sae4j.encode.select.TopK;
import org.sae4j.model.Activation;
import org.sae4j.model.GroupMax;
import org.sae4j.model.SaeConfig;

/**
 * The readable, double-precision reference of one SAE loss evaluation and its hand-derived gradient (src/docs/design.md §3).
 * Every fused or SIMD path is proved against this class; it favours clarity over speed and materialises the full
 * B×n matrices. Work is split over rows (forward) and over latents (parameter gradients), so results do not depend
 * on the thread count.
 *
 * <p>Loss: {@code mse − coef·reanim + λ₁·L1 + λ₀·L0 + α·AuxK + λ_p·preact}, each term separately switchable via {@link Term}.
 * {@link #evaluate} reads like the derivation: the SAE's forward pass ({@code encodeDecode}), one {@code …Forward}
 * per term for its value, then one {@code …Backward} per term adding its share of ∂L/∂x̂, ∂L/∂z, ∂L/∂pre, ∂L/∂ê or
 * ∂L/∂θ, and the chain rule through the encoder and decoder ({@code encoderBackward}, {@code decoderBackward}).
 *
 * <p>Why over 500 lines: it is the oracle every fast path is checked against, and the derivation is easier to audit
 * in one file, each term's forward beside its backward, than spread over several.
 */
public final class ReferenceLoss implements AutoCloseable {

    /** The separately derived loss terms. */
    public enum Term { MSE, REANIMATION, L1, L0, AUXK, PREACT }

    /**
     * What AuxK needs besides the batch: which latents count as dead (OpenAI and sparsify use "not fired in the
     * last N tokens", known before the step), and optionally a frozen residual target; and whether the
     * re-animation term uses that window mask instead of the seed's batch mask. The residual
     * {@code x − x̂} is detached in the loss; freezing it lets a finite-difference test see the same function the
     * gradient describes.
     */
    public record Aux(boolean[] dead, double[] frozenResidual, boolean reanimationUsesWindow) {
        public static Aux of(boolean[] dead) {
            return new Aux(dead, null, false);
        }

        /** The window mask also decides which latents the re-animation term treats as dead. */
        public static Aux withReanimation(boolean[] dead) {
            return new Aux(dead, null, true);
        }
    }

    public static final Set<Term> ALL_TERMS = EnumSet.allOf(Term.class);

    /** Everything one evaluation produces; matrices are row-major B×n or B×d. */
    public static final class Result {
        public int rows;
        /** Total loss of the enabled terms. */
        public double loss;
        /** The whole dictionary's reconstruction error (1/(B·d)) Σ‖x − x̂‖². */
        public double mse;
        /**
         * The loss's reconstruction term: {@link #mse}, or with Matryoshka prefixes {@code Σ_m w_m·mse_m}, each
         * prefix's mse from the latents {@code [0, width_m)} of the same selection.
         */
        public double reconstructionLoss;
        /** The re-animation quantity before its coefficient ({@code loss −= coef · reanimation}). */
        public double reanimation;
        /** {@code (1/B) Σ z_bj [·‖W_dec[j]‖]} before λ₁. */
        public double l1;
        /** {@code (1/B) Σ H(pre_bj − θ_j)} before λ₀. */
        public double l0;
        /** JumpReLU's pre-activation loss {@code (1/B) Σ_{j dead} Σ_b ReLU(θ_j − pre_bj)·‖W_dec[j]‖} before its λ. */
        public double preAct;
        /** AuxK's normalised error {@code scale · Σ‖ê_b − r_b‖² / Σ‖r_b − r̄‖²} before its coefficient. */
        public double auxk;
        /** Each user loss term's value before its coefficient, by name. */
        public java.util.Map<String, Double> terms = java.util.Map.of();
        /** BatchTopK: the smallest kept positive pre-activation (NaN when none was positive). */
        public double batchThreshold = Double.NaN;
        /** The residual {@code x − x̂} AuxK reconstructed (B×d), {@code null} when AuxK was off. */
        public double[] auxResidual;
        public double[] pre;
        public double[] codes;
        public double[] reconstruction;
        /** {@code is_dead_j}: latent j fired (z > 0) nowhere in the batch. */
        public boolean[] dead;
        public int deadCount;
        /** Number of codes {@code z_bj > 0}. */
        public long active;
        /** Gradient of {@link #loss}; {@code null} when not requested. */
        public DoubleParams grad;
    }

    private final SaeConfig cfg;
    private final int threads;
    private final ExecutorService pool;

    public ReferenceLoss(SaeConfig cfg, int threads) {
        this.cfg = cfg;
        this.threads = Math.max(1, threads);
        this.pool = this.threads > 1 ? Executors.newFixedThreadPool(this.threads - 1, r -> {
            Thread t = new Thread(r, "sae4j-reference");
            t.setDaemon(true);
            return t;
        }) : null;
    }

    public SaeConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /**
     * Evaluates the loss of {@code p} on {@code rows} rows of {@code x} from {@code xOff}, each of width
     * {@link SaeConfig#rowWidth()}: x itself (width d), or for a transcoder x followed by its target y.
     *
     * @param terms     which terms count (coefficients of 0 also switch a term off)
     * @param gradients whether to fill {@link Result#grad}
     */
    public Result evaluate(DoubleParams p, float[] x, int xOff, int rows, LossWeights w, Set<Term> terms,
                           boolean gradients) {
        return evaluate(p, x, xOff, rows, w, terms, gradients, null);
    }

    /** As above, with AuxK's dead mask (AuxK is off when {@code aux} is null or no latent is dead). */
    public Result evaluate(DoubleParams p, float[] x, int xOff, int rows, LossWeights w, Set<Term> terms,
                           boolean gradients, Aux aux) {
        return evaluate(p, x, xOff, rows, w, terms, gradients, aux, 0);
    }

    /**
     * As above at step {@code step} (what {@link org.sae4j.train.loss.LatentInputs#step} tells the loss terms).
     * {@code terms} selects the built-in terms; the user terms of {@code w} always count.
     */
    public Result evaluate(DoubleParams p, float[] x, int xOff, int rows, LossWeights w, Set<Term> terms,
                           boolean gradients, Aux aux, long step) {
        int windowDeadCount = 0;
        if (aux != null) {
            for (boolean b : aux.dead()) {
                windowDeadCount += b ? 1 : 0;
            }
        }
        On on = On.of(cfg, w, terms, aux, windowDeadCount);
        Split io = split(x, xOff, rows);
        Forward f = encodeDecode(p, io.x, rows);
        f.step = step;
        Result r = f.r;
        // The loss terms' shares of ∂L/∂z from what is known before the forward pass (org.sae4j.train.loss).
        LatentTermPass pass = new LatentTermPass(cfg.latents());
        LatentTermPass.CodeShares shares = pass.codeGradients(new Inputs(f, aux, windowDeadCount, false), w,
                on.l1 ? w.l1Coef() : 0, on.l0 ? w.l0Coef() : 0);
        codeStatistics(f);

        // Forward: one value per term.
        mseForward(f, io.y);
        // The terms over per-latent aggregates (org.sae4j.train.loss): re-animation, L1, then the user terms.
        LatentTermPass.Result lt = pass.run(new Inputs(f, aux, windowDeadCount, true), w,
                on.reanimation ? w.reanimationCoef() : 0, on.l1 ? w.l1Coef() : 0, f.theta != null,
                aux != null && aux.reanimationUsesWindow(), on.preAct ? w.preActCoef() : 0);
        r.reanimation = lt.reanimation();
        r.l1 = lt.l1();
        r.l0 = lt.l0();
        r.preAct = lt.preAct();
        r.terms = lt.user();
        AuxState a = on.auxk ? auxkForward(f, w, aux, windowDeadCount, io.y) : null;
        r.loss = (on.mse ? r.reconstructionLoss : 0) - (on.reanimation ? w.reanimationCoef() * r.reanimation : 0)
                + (on.l1 ? w.l1Coef() * r.l1 : 0) + (on.l0 ? w.l0Coef() * r.l0 : 0)
                + (on.auxk ? w.auxkCoef() * r.auxk : 0) + (on.preAct ? w.preActCoef() * r.preAct : 0)
                + lt.userLoss();
        if (!gradients) {
            return r;
        }

        // Backward: each term adds its share of ∂L/∂x̂, ∂L/∂z, ∂L/∂pre, ∂L/∂ê or ∂L/∂θ (in the order the sums need
        // to stay what they are), then the chain rule through the SAE turns them into parameter gradients.
        DoubleParams g = r.grad = p.zerosLike();
        Upstream u = new Upstream(rows, cfg.latents(), cfg.outDim(),
                cfg.matryoshka() == null ? 1 : cfg.matryoshka().prefixes());
        if (on.mse) {
            mseBackward(f, io.y, u, g);
        }
        if (g.wSkip != null) {
            skipBackward(io.x, rows, u, g);
        }
        codeGradientFromReconstruction(f, u);
        sumZBackward(f, shares.dSumZ(), u);
        activationBackward(f, u);
        sumPreBackward(f, lt.dSumPre(), u);
        if (a != null && a.var > 0) {
            auxkBackward(f, w, a, u);
        }
        encoderBackward(f, u, g);
        decoderBackward(f, a, u, g);
        if (lt.dDecNorm() != null) {
            decoderNormBackward(f, p, lt.dDecNorm(), g);
        }
        if (f.theta != null) {
            thresholdBackward(f, u, shares.dCount(), g);
        }
        if (cfg.preEncoderBias()) {
            preEncoderBiasBackward(p, g);
        }
        return r;
    }

    /** Which terms count in this evaluation: asked for, with a coefficient, and applicable. */
    private record On(boolean mse, boolean reanimation, boolean l1, boolean l0, boolean auxk, boolean preAct) {
        /** @param windowDeadCount latents dead in {@code aux}'s window mask (0 without aux) */
        static On of(SaeConfig cfg, LossWeights w, Set<Term> terms, Aux aux, int windowDeadCount) {
            int deadAux = terms.contains(Term.AUXK) && w.auxkCoef() != 0 && aux != null ? windowDeadCount : 0;
            return new On(terms.contains(Term.MSE),
                    terms.contains(Term.REANIMATION) && w.reanimationCoef() != 0,
                    terms.contains(Term.L1) && w.l1Coef() != 0,
                    terms.contains(Term.L0) && w.l0Coef() != 0 && cfg.activation() == Activation.JUMPRELU,
                    deadAux > 0,
                    terms.contains(Term.PREACT) && w.preActCoef() != 0 && cfg.activation() == Activation.JUMPRELU);
        }
    }

    /** The SAE's forward pass and what the terms share; matrices row-major B×n or B×d. */
    private static final class Forward {
        final Result r = new Result();
        final DoubleParams p;
        final int rows;
        /** ‖W_dec[j]‖ (n) and the decoder directions D_j = W_dec[j] (/‖W_dec[j]‖ when unit-norm), n×d_out. */
        final double[] norms;
        final double[] dict;
        /** JumpReLU θ_j = exp(log θ_j), else null. */
        final double[] theta;
        /** x̃ = x [− b_dec], B×d. */
        final double[] xin;
        /** The activation's gate: z_bj = gate ? pre_bj : 0, B×n. */
        final boolean[] gate;
        /** Σ_b pre_bj and Σ_b z_bj, n. */
        final double[] colSumPre;
        final double[] colSumZ;
        /** Rows where latent j is active (z > 0), n. */
        final int[] count;
        /** The step index the loss terms see. */
        long step;
        /** Matryoshka: each latent's group (its first prefix), else null. */
        final int[] groupOf;
        /** Matryoshka: each prefix's reconstruction b_dec + Σ_{j < width_m} z_bj D_j, M × (B×d); else null. */
        double[][] prefixRecon;

        Forward(DoubleParams p, int rows, int n, int d, int dOut, boolean jump, org.sae4j.model.Matryoshka nesting) {
            this.p = p;
            groupOf = nesting == null ? null : nesting.groupOf(n);
            this.rows = rows;
            norms = new double[n];
            dict = new double[n * dOut];
            theta = jump ? new double[n] : null;
            xin = new double[rows * d];
            gate = new boolean[rows * n];
            colSumPre = new double[n];
            colSumZ = new double[n];
            count = new int[n];
            r.rows = rows;
            r.pre = new double[rows * n];
            r.codes = new double[rows * n];
            r.reconstruction = new double[rows * dOut];
            r.dead = new boolean[n];
        }
    }

    /** Gradients of the loss with respect to the SAE's intermediate values, B×d or B×n. */
    private static final class Upstream {
        /** ∂L/∂x̂_b = e_b (with Matryoshka prefixes: the sum over prefixes, what b_dec receives). */
        final double[] e;
        /**
         * Per latent group g, the upstream its atoms see: e for a plain dictionary (one group); with Matryoshka
         * prefixes {@code Σ_{m ≥ g} w_m·c·(x̂_m − x)}, since latent j is in every prefix from its own on.
         */
        final double[][] eByGroup;
        /** ∂L/∂z_bj. */
        final double[] dz;
        /** ∂L/∂pre_bj. */
        final double[] dpre;
        /** ∂L/∂ê_b (AuxK's reconstruction), null when AuxK is off. */
        double[] fAux;

        Upstream(int rows, int n, int d, int groups) {
            e = new double[rows * d];
            eByGroup = new double[groups][];
            eByGroup[0] = e;
            for (int g = 1; g < groups; g++) {
                eByGroup[g] = new double[rows * d];
            }
            dz = new double[rows * n];
            dpre = new double[rows * n];
        }
    }

    /** AuxK's forward state: the dead latents' codes z^aux (B×n), ê (B×d), the residual r (B×d), its variance. */
    private record AuxState(double[] zAux, double[] eAux, double[] res, double var, double scale) {
    }

    /** Decoder directions, thresholds, x̃, pre-activations, the selection, codes and reconstruction. */
    private Forward encodeDecode(DoubleParams p, float[] x, int bRows) {
        Forward f = new Forward(p, bRows, cfg.latents(), cfg.dim(), cfg.outDim(),
                cfg.activation() == Activation.JUMPRELU, cfg.matryoshka());
        decoderNormForward(f, p);
        thresholdForward(f, p);
        preEncoderBiasForward(f, p, x);
        encoderForward(f, p);
        activationForward(f);
        decoderForward(f, p, x);
        return f;
    }

    /** ‖W_dec[j]‖ and the dictionary D_j the model decodes with: W_dec[j] / ‖W_dec[j]‖ if unit-norm, else W_dec[j]. */
    private void decoderNormForward(Forward f, DoubleParams p) {
        int dOut = cfg.outDim();
        for (int j = 0; j < cfg.latents(); j++) {
            double ss = 0;
            for (int i = 0; i < dOut; i++) {
                ss += p.wDec[j * dOut + i] * p.wDec[j * dOut + i];
            }
            f.norms[j] = Math.sqrt(ss);
            double s = cfg.unitNormDecoder() ? 1.0 / f.norms[j] : 1.0;
            for (int i = 0; i < dOut; i++) {
                f.dict[j * dOut + i] = p.wDec[j * dOut + i] * s;
            }
        }
    }

    /** JumpReLU: θ_j = exp(log θ_j). */
    private void thresholdForward(Forward f, DoubleParams p) {
        if (f.theta != null) {
            for (int j = 0; j < cfg.latents(); j++) {
                f.theta[j] = Math.exp(p.logThreshold[j]);
            }
        }
    }

    /** x̃ = x − b_dec with a pre-encoder bias, else x. */
    private void preEncoderBiasForward(Forward f, DoubleParams p, float[] x) {
        int d = cfg.dim();
        for (int b = 0; b < f.rows; b++) {
            for (int i = 0; i < d; i++) {
                f.xin[b * d + i] = x[b * d + i] - (cfg.preEncoderBias() ? p.bDec[i] : 0);
            }
        }
    }

    /** pre_bj = b_enc[j] + x̃_b · W_enc[j]. */
    private void encoderForward(Forward f, DoubleParams p) {
        final int n = cfg.latents();
        final int d = cfg.dim();
        double[] xin = f.xin;
        double[] pre = f.r.pre;
        Parallel.forRange(pool, threads, f.rows, (lo, hi) -> {
            for (int b = lo; b < hi; b++) {
                for (int j = 0; j < n; j++) {
                    double s = p.bEnc[j];
                    for (int i = 0; i < d; i++) {
                        s += xin[b * d + i] * p.wEnc[j * d + i];
                    }
                    pre[b * n + j] = s;
                }
            }
        });
    }

    /** The selection (per row, or over the whole batch for BatchTopK), its gate and the codes z = gate·pre. */
    private void activationForward(Forward f) {
        final int n = cfg.latents();
        final int bRows = f.rows;
        final Activation act = cfg.activation();
        final double[] th = f.theta;
        Result r = f.r;
        double[] pre = r.pre;
        double[] z = r.codes;
        boolean[] gate = f.gate;
        final boolean[] batchSel = act == Activation.BATCHTOPK ? new boolean[bRows * n] : null;
        if (batchSel != null && bRows > 0) {
            TopK.select(pre, 0, bRows * n, Math.min(bRows * cfg.k(), bRows * n), new double[bRows * n], batchSel);
            r.batchThreshold = Double.NaN;
            for (int i = 0; i < bRows * n; i++) {
                if (batchSel[i] && pre[i] > 0 && !(pre[i] >= r.batchThreshold)) {
                    r.batchThreshold = pre[i]; // smallest kept positive value
                }
            }
        }
        Parallel.forRange(pool, threads, bRows, (lo, hi) -> {
            double[] scratch = new double[n];
            boolean[] sel = new boolean[n];
            for (int b = lo; b < hi; b++) {
                if (act == Activation.TOPK) {
                    TopK.select(pre, b * n, n, cfg.k(), scratch, sel);
                } else if (act == Activation.GROUPMAX) {
                    GroupMax.select(pre, b * n, n, cfg.k(), sel); // one per group, ties to the lower index
                }
                for (int j = 0; j < n; j++) {
                    double v = pre[b * n + j];
                    boolean g = switch (act) {
                        case RELU -> v > 0;
                        case TOPK, GROUPMAX -> sel[j] && v > 0;
                        case BATCHTOPK -> batchSel[b * n + j] && v > 0;
                        case JUMPRELU -> v > th[j];
                    };
                    gate[b * n + j] = g;
                    z[b * n + j] = g ? v : 0;
                }
            }
        });
    }

    /** x̂_b = b_dec + skip(x_b) + Σ_j z_bj D_j. */
    private void decoderForward(Forward f, DoubleParams p, float[] x) {
        final int n = cfg.latents();
        final int dOut = cfg.outDim();
        double[] z = f.r.codes;
        double[] xhat = f.r.reconstruction;
        double[] dict = f.dict;
        Parallel.forRange(pool, threads, f.rows, (lo, hi) -> {
            for (int b = lo; b < hi; b++) {
                for (int i = 0; i < dOut; i++) {
                    xhat[b * dOut + i] = p.bDec[i] + skip(p, x, b, i);
                }
                for (int j = 0; j < n; j++) {
                    double zj = z[b * n + j];
                    if (zj != 0) {
                        for (int i = 0; i < dOut; i++) {
                            xhat[b * dOut + i] += zj * dict[j * dOut + i];
                        }
                    }
                }
            }
        });
    }

    /** Per latent: Σ_b pre_bj, Σ_b z_bj, the active count and the batch's dead mask (fired nowhere). */
    private void codeStatistics(Forward f) {
        int n = cfg.latents();
        Result r = f.r;
        for (int j = 0; j < n; j++) {
            boolean fired = false;
            for (int b = 0; b < f.rows; b++) {
                f.colSumPre[j] += r.pre[b * n + j];
                f.colSumZ[j] += r.codes[b * n + j];
                if (r.codes[b * n + j] > 0) {
                    fired = true;
                    r.active++;
                    f.count[j]++;
                }
            }
            r.dead[j] = !fired;
            if (!fired) {
                r.deadCount++;
            }
        }
    }

    /** mse = (1/(B·d)) Σ_b ‖y_b − x̂_b‖² against the target y (x itself for an autoencoder; d its width). */
    private void mseForward(Forward f, float[] y) {
        int d = cfg.outDim();
        double[] xhat = f.r.reconstruction;
        double sse = 0;
        for (int b = 0; b < f.rows; b++) {
            for (int i = 0; i < d; i++) {
                double diff = y[b * d + i] - xhat[b * d + i];
                sse += diff * diff;
            }
        }
        f.r.mse = f.rows == 0 ? 0 : sse / ((double) f.rows * d);
        f.r.reconstructionLoss = f.r.mse;
        if (f.groupOf != null) {
            prefixForward(f, y);
        }
    }

    /**
     * Matryoshka: each prefix m decodes from its own latents [0, width_m) of the one selection; the loss's
     * reconstruction term is Σ_m w_m·mse_m (the last prefix is the whole dictionary, so its mse is {@link
     * Result#mse}).
     */
    private void prefixForward(Forward f, float[] y) {
        int d = cfg.outDim();
        int n = cfg.latents();
        org.sae4j.model.Matryoshka nest = cfg.matryoshka();
        int groups = nest.prefixes();
        f.prefixRecon = new double[groups][f.rows * d];
        double total = 0;
        for (int m = 0; m < groups; m++) {
            double[] xm = f.prefixRecon[m];
            double sse = 0;
            for (int b = 0; b < f.rows; b++) {
                for (int i = 0; i < d; i++) {
                    xm[b * d + i] = f.p.bDec[i];
                }
                for (int j = 0; j < nest.widths().get(m); j++) {
                    double zj = f.r.codes[b * n + j];
                    if (zj != 0) {
                        for (int i = 0; i < d; i++) {
                            xm[b * d + i] += zj * f.dict[j * d + i];
                        }
                    }
                }
                for (int i = 0; i < d; i++) {
                    double diff = y[b * d + i] - xm[b * d + i];
                    sse += diff * diff;
                }
            }
            total += nest.weight() * (f.rows == 0 ? 0 : sse / ((double) f.rows * d));
        }
        f.r.reconstructionLoss = total;
    }

    /** e_b = ∂mse/∂x̂_b = (2/(B·d)) (x̂_b − x_b); x̂ = … + b_dec, so ∂/∂b_dec = Σ_b e_b. */
    private void mseBackward(Forward f, float[] y, Upstream u, DoubleParams g) {
        int d = cfg.outDim();
        double[] xhat = f.r.reconstruction;
        double c = 2.0 / ((double) f.rows * d);
        if (f.groupOf != null) {
            // Latent group g is in prefixes g..M−1: its upstream is the suffix sum of those prefixes' residuals.
            int groups = u.eByGroup.length;
            double w = cfg.matryoshka().weight();
            for (int m = groups - 1; m >= 0; m--) {
                double[] em = u.eByGroup[m];
                double[] xm = f.prefixRecon[m];
                for (int q = 0; q < f.rows * d; q++) {
                    em[q] = w * c * (xm[q] - y[q]) + (m + 1 < groups ? u.eByGroup[m + 1][q] : 0);
                }
            }
            for (int b = 0; b < f.rows; b++) {
                for (int i = 0; i < d; i++) {
                    g.bDec[i] += u.e[b * d + i];
                }
            }
            return;
        }
        for (int b = 0; b < f.rows; b++) {
            for (int i = 0; i < d; i++) {
                u.e[b * d + i] = c * (xhat[b * d + i] - y[b * d + i]);
                g.bDec[i] += u.e[b * d + i];
            }
        }
    }

    /** Through the decoder x̂_b = Σ_j z_bj D_j + b_dec: ∂L/∂z_bj = e_b·D_j. */
    private void codeGradientFromReconstruction(Forward f, Upstream u) {
        int n = cfg.latents();
        int d = cfg.outDim();
        Parallel.forRange(pool, threads, f.rows, (lo, hi) -> {
            for (int b = lo; b < hi; b++) {
                for (int j = 0; j < n; j++) {
                    double[] e = u.eByGroup[f.groupOf == null ? 0 : f.groupOf[j]];
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += e[b * d + i] * f.dict[j * d + i];
                    }
                    u.dz[b * n + j] = s;
                }
            }
        });
    }

    /**
     * The loss terms' ∂L/∂(Σ_b pre_bj) (re-animation: −coef·perPre on dead latents, user terms their own) added to
     * ∂L/∂pre at every row of the latent ({@code dSumPre} null: every entry gets 0).
     */
    private void sumPreBackward(Forward f, double[] dSumPre, Upstream u) {
        int n = cfg.latents();
        for (int b = 0; b < f.rows; b++) {
            for (int j = 0; j < n; j++) {
                u.dpre[b * n + j] += dSumPre != null ? dSumPre[j] : 0;
            }
        }
    }

    /** The reference's {@link org.sae4j.train.loss.LatentInputs}: the forward pass's exact per-latent sums. */
    private record Inputs(Forward f, Aux aux, int windowDeadCount, boolean afterForward)
            implements org.sae4j.train.loss.LatentInputs {
        private void requireForward(String what) {
            if (!afterForward) {
                throw new IllegalStateException(what + " is not known before the forward pass"
                        + " (LossTerm.codeGradient)");
            }
        }

        @Override
        public int rows() {
            return f.rows;
        }

        @Override
        public int latents() {
            return f.norms.length;
        }

        @Override
        public int dim() {
            return f.dict.length / f.norms.length;
        }

        @Override
        public long step() {
            return f.step;
        }

        @Override
        public boolean batchDead(int j) {
            requireForward("the batch's dead mask");
            return f.r.dead[j];
        }

        @Override
        public int batchDeadCount() {
            requireForward("the batch's dead count");
            return f.r.deadCount;
        }

        @Override
        public boolean windowDead(int j) {
            return aux != null && aux.dead()[j];
        }

        @Override
        public int windowDeadCount() {
            return windowDeadCount;
        }

        @Override
        public int count(int j) {
            requireForward("count");
            return f.count[j];
        }

        @Override
        public double sumPre(int j) {
            requireForward("Σ pre");
            return f.colSumPre[j];
        }

        @Override
        public double sumZ(int j) {
            requireForward("Σ z");
            return f.colSumZ[j];
        }

        @Override
        public double decoderNorm(int j) {
            return f.norms[j];
        }

        @Override
        public double threshold(int j) {
            return f.theta != null ? f.theta[j] : Double.NaN;
        }
    }

    /** ∂L/∂z_bj += the loss terms' ∂L/∂(Σ_b z_bj) (L1: λ₁/B [·‖W_dec[j]‖]; {@code dSumZ} null: every entry gets 0). */
    private void sumZBackward(Forward f, double[] dSumZ, Upstream u) {
        int n = cfg.latents();
        for (int b = 0; b < f.rows; b++) {
            for (int j = 0; j < n; j++) {
                u.dz[b * n + j] += dSumZ != null ? dSumZ[j] : 0;
            }
        }
    }

    /**
     * The loss terms' share through ‖W_dec[j]‖ (the weighted L1's: (λ₁/B)·Σ_b z_bj):
     * ∂/∂W_dec[j] += (∂L/∂‖W_dec[j]‖)·W_dec[j]/‖W_dec[j]‖.
     */
    private void decoderNormBackward(Forward f, DoubleParams p, double[] dDecNorm, DoubleParams g) {
        int d = cfg.outDim();
        for (int j = 0; j < cfg.latents(); j++) {
            for (int i = 0; i < d; i++) {
                g.wDec[j * d + i] += dDecNorm[j] * p.wDec[j * d + i] / f.norms[j];
            }
        }
    }

    /** Through the activation: ∂L/∂pre_bj = ∂L/∂z_bj where the gate is open, else 0. */
    private void activationBackward(Forward f, Upstream u) {
        for (int q = 0; q < u.dpre.length; q++) {
            u.dpre[q] = f.gate[q] ? u.dz[q] : 0;
        }
    }

    /**
     * JumpReLU's threshold, with rectangle-kernel straight-through estimates (Rajamanoharan et al. 2024):
     * ∂L/∂θ_j = Σ_b [∂L/∂z_bj·(−θ_j/ε) − (λ₀/B)/ε] over entries within ε/2 of θ_j (the second part is the L0
     * term's); ∂/∂log θ_j = θ_j·∂L/∂θ_j.
     */
    private void thresholdBackward(Forward f, Upstream u, double[] dCount, DoubleParams g) {
        int n = cfg.latents();
        double eps = cfg.jumpReluBandwidth();
        double[] th = f.theta;
        Parallel.forRange(pool, threads, n, (lo, hi) -> {
            for (int j = lo; j < hi; j++) {
                double dTheta = 0;
                for (int b = 0; b < f.rows; b++) {
                    if (Math.abs((f.r.pre[b * n + j] - th[j]) / eps) < 0.5) {
                        dTheta += u.dz[b * n + j] * (-th[j] / eps) - (dCount != null ? dCount[j] : 0) / eps;
                    }
                }
                g.logThreshold[j] = dTheta * th[j]; // chain rule through θ = exp(t)
            }
        });
    }

    /**
     * AuxK (Gao et al. 2024): the top-k_aux dead latents of each row reconstruct the (detached) residual r = y − x̂ (y = x for an autoencoder; k_aux defaults to half the output width, as sparsify's):
     * auxk = scale·Σ‖ê_b − r_b‖² / Σ‖r_b − r̄‖², scale = min(1, dead/k_aux) (sparsify: fewer dead, less weight).
     */
    private AuxState auxkForward(Forward f, LossWeights w, Aux aux, int deadAux, float[] y) {
        int n = cfg.latents();
        int d = cfg.outDim();
        int bRows = f.rows;
        double[] pre = f.r.pre;
        int kAuxNominal = w.auxkK() > 0 ? w.auxkK() : Math.max(1, d / 2);
        int kAux = Math.min(kAuxNominal, deadAux);
        double auxScale = Math.min(1.0, (double) deadAux / kAuxNominal);
        double[] zAux = new double[bRows * n];
        double[] eAux = new double[bRows * d];
        double[] res = f.r.auxResidual = new double[bRows * d];
        double[] masked = new double[n];
        double[] scratch = new double[n];
        boolean[] sel = new boolean[n];
        for (int b = 0; b < bRows; b++) {
            for (int j = 0; j < n; j++) {
                masked[j] = aux.dead()[j] ? pre[b * n + j] : Double.NEGATIVE_INFINITY;
            }
            TopK.select(masked, 0, n, kAux, scratch, sel);
            for (int j = 0; j < n; j++) {
                double v = sel[j] && pre[b * n + j] > 0 ? pre[b * n + j] : 0;
                zAux[b * n + j] = v;
                if (v != 0) {
                    for (int i = 0; i < d; i++) {
                        eAux[b * d + i] += v * f.dict[j * d + i];
                    }
                }
            }
            for (int i = 0; i < d; i++) {
                res[b * d + i] = aux.frozenResidual() != null ? aux.frozenResidual()[b * d + i]
                        : y[b * d + i] - f.r.reconstruction[b * d + i];
            }
        }
        double[] mean = new double[d];
        for (int b = 0; b < bRows; b++) {
            for (int i = 0; i < d; i++) {
                mean[i] += res[b * d + i] / bRows;
            }
        }
        double err = 0;
        double auxVar = 0;
        for (int b = 0; b < bRows; b++) {
            for (int i = 0; i < d; i++) {
                auxVar += (res[b * d + i] - mean[i]) * (res[b * d + i] - mean[i]);
                err += (eAux[b * d + i] - res[b * d + i]) * (eAux[b * d + i] - res[b * d + i]);
            }
        }
        f.r.auxk = auxVar > 0 ? auxScale * err / auxVar : 0;
        return new AuxState(zAux, eAux, res, auxVar, auxScale);
    }

    /** f_b = ∂L/∂ê_b = 2·coef·scale/V·(ê_b − r_b); ∂L/∂pre_bj += f_b·D_j at the selected (z^aux_bj ≠ 0). */
    private void auxkBackward(Forward f, LossWeights w, AuxState a, Upstream u) {
        int n = cfg.latents();
        int d = cfg.outDim();
        double[] fAux = u.fAux = new double[f.rows * d];
        double c = 2 * w.auxkCoef() * a.scale() / a.var();
        for (int b = 0; b < f.rows; b++) {
            for (int i = 0; i < d; i++) {
                fAux[b * d + i] = c * (a.eAux()[b * d + i] - a.res()[b * d + i]);
            }
            for (int j = 0; j < n; j++) {
                if (a.zAux()[b * n + j] != 0) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += fAux[b * d + i] * f.dict[j * d + i];
                    }
                    u.dpre[b * n + j] += s;
                }
            }
        }
    }

    /** Through pre = x̃·W_encᵀ + b_enc: ∂W_enc[j] = Σ_b ∂pre_bj·x̃_b, ∂b_enc[j] = Σ_b ∂pre_bj. */
    private void encoderBackward(Forward f, Upstream u, DoubleParams g) {
        int n = cfg.latents();
        int d = cfg.dim();
        Parallel.forRange(pool, threads, n, (lo, hi) -> {
            for (int j = lo; j < hi; j++) {
                double sumDpre = 0;
                for (int b = 0; b < f.rows; b++) {
                    double dp = u.dpre[b * n + j];
                    sumDpre += dp;
                    if (dp != 0) {
                        for (int i = 0; i < d; i++) {
                            g.wEnc[j * d + i] += dp * f.xin[b * d + i];
                        }
                    }
                }
                g.bEnc[j] = sumDpre;
            }
        });
    }

    /**
     * Through both reconstructions x̂ = Σ z·D (upstream e) and ê = Σ z^aux·D (upstream f): ∂/∂D_j = Σ_b z_bj·e_b +
     * z^aux_bj·f_b, summed row by row; then through D = W/‖W‖ when unit-norm: (g − D(D·g))/‖W‖.
     */
    private void decoderBackward(Forward f, AuxState a, Upstream u, DoubleParams g) {
        int n = cfg.latents();
        int d = cfg.outDim();
        double[] z = f.r.codes;
        double[] fAux = u.fAux;
        double[] zAux = a == null ? null : a.zAux();
        Parallel.forRange(pool, threads, n, (lo, hi) -> {
            double[] gD = new double[d];
            for (int j = lo; j < hi; j++) {
                java.util.Arrays.fill(gD, 0);
                double[] e = u.eByGroup[f.groupOf == null ? 0 : f.groupOf[j]];
                for (int b = 0; b < f.rows; b++) {
                    double zj = z[b * n + j];
                    if (zj != 0) {
                        for (int i = 0; i < d; i++) {
                            gD[i] += zj * e[b * d + i];
                        }
                    }
                    if (fAux != null && zAux[b * n + j] != 0) {
                        for (int i = 0; i < d; i++) {
                            gD[i] += zAux[b * n + j] * fAux[b * d + i];
                        }
                    }
                }
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += f.dict[j * d + i] * gD[i];
                }
                for (int i = 0; i < d; i++) {
                    g.wDec[j * d + i] = cfg.unitNormDecoder()
                            ? (gD[i] - f.dict[j * d + i] * dot) / f.norms[j]
                            : gD[i];
                }
            }
        });
    }

    /** A batch's encoder inputs x (B×d) and reconstruction targets y (B×d_out), contiguous. */
    private record Split(float[] x, float[] y) {
    }

    /**
     * Rows of width {@link SaeConfig#rowWidth()}: an autoencoder's are x and their own target; a transcoder's hold x
     * then y, which are copied apart here so the passes below read plain B×d and B×d_out matrices.
     */
    private Split split(float[] rows, int off, int bRows) {
        int d = cfg.dim();
        int dOut = cfg.outDim();
        if (cfg.transcoder() == null) {
            float[] x = java.util.Arrays.copyOfRange(rows, off, off + bRows * d);
            return new Split(x, x);
        }
        float[] x = new float[bRows * d];
        float[] y = new float[bRows * dOut];
        org.sae4j.data.RowPairs.split(rows, off, bRows, d, dOut, x, y);
        return new Split(x, y);
    }

    /** A skip transcoder's (W_skip·x_b)_i, else 0. */
    private double skip(DoubleParams p, float[] x, int b, int i) {
        if (p.wSkip == null) {
            return 0;
        }
        int d = cfg.dim();
        double s = 0;
        for (int c = 0; c < d; c++) {
            s += p.wSkip[i * d + c] * x[b * d + c];
        }
        return s;
    }

    /** x̂ = … + W_skip·x: ∂W_skip = Σ_b e_b x_bᵀ (the mse's upstream; AuxK's residual is detached). */
    private void skipBackward(float[] x, int bRows, Upstream u, DoubleParams g) {
        int d = cfg.dim();
        int dOut = cfg.outDim();
        for (int b = 0; b < bRows; b++) {
            for (int i = 0; i < dOut; i++) {
                double ei = u.e[b * dOut + i];
                if (ei != 0) {
                    for (int c = 0; c < d; c++) {
                        g.wSkip[i * d + c] += ei * x[b * d + c];
                    }
                }
            }
        }
    }

    /** x̃ = x − b_dec: ∂/∂b_dec −= Σ_j (Σ_b ∂pre_bj) W_enc[j]. */
    private void preEncoderBiasBackward(DoubleParams p, DoubleParams g) {
        int d = cfg.dim();
        for (int j = 0; j < cfg.latents(); j++) {
            for (int i = 0; i < d; i++) {
                g.bDec[i] -= g.bEnc[j] * p.wEnc[j * d + i];
            }
        }
    }
}
