package org.sae4j.train;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sae4j.Activation;
import org.sae4j.SaeConfig;
import org.sae4j.TopK;

/**
 * The readable, double-precision reference of one SAE loss evaluation and its hand-derived gradient (DESIGN §3).
 * Every fused or SIMD path is proved against this class; it favours clarity over speed and materialises the full
 * B×n matrices. Work is split over rows (forward) and over latents (parameter gradients), so results do not depend
 * on the thread count.
 *
 * <p>Loss: {@code mse − coef·reanim + λ₁·L1 + λ₀·L0 + α·AuxK}, each term separately switchable via {@link Term}.
 */
public final class ReferenceLoss implements AutoCloseable {

    /** The separately derived loss terms. */
    public enum Term { MSE, REANIMATION, L1, L0, AUXK }

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
        public double mse;
        /** The re-animation quantity before its coefficient ({@code loss −= coef · reanimation}). */
        public double reanimation;
        /** {@code (1/B) Σ z_bj [·‖W_dec[j]‖]} before λ₁. */
        public double l1;
        /** {@code (1/B) Σ H(pre_bj − θ_j)} before λ₀. */
        public double l0;
        /** AuxK's normalised error {@code scale · Σ‖ê_b − r_b‖² / Σ‖r_b − r̄‖²} before its coefficient. */
        public double auxk;
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
     * Evaluates the loss of {@code p} on {@code rows} rows of {@code x} (width d, from {@code xOff}).
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
        final int n = cfg.latents();
        final int d = cfg.dim();
        final int bRows = rows;
        final Activation act = cfg.activation();
        final boolean useMse = terms.contains(Term.MSE);
        final boolean useReanim = terms.contains(Term.REANIMATION) && w.reanimationCoef() != 0;
        final boolean useL1 = terms.contains(Term.L1) && w.l1Coef() != 0;
        final boolean useL0 = terms.contains(Term.L0) && w.l0Coef() != 0 && act == Activation.JUMPRELU;

        // Decoder directions D_j and norms ‖W_dec[j]‖.
        double[] norms = new double[n];
        double[] dict = new double[n * d];
        for (int j = 0; j < n; j++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += p.wDec[j * d + i] * p.wDec[j * d + i];
            }
            norms[j] = Math.sqrt(ss);
            double s = cfg.unitNormDecoder() ? 1.0 / norms[j] : 1.0;
            for (int i = 0; i < d; i++) {
                dict[j * d + i] = p.wDec[j * d + i] * s;
            }
        }
        double[] theta = null;
        if (act == Activation.JUMPRELU) {
            theta = new double[n];
            for (int j = 0; j < n; j++) {
                theta[j] = Math.exp(p.logThreshold[j]);
            }
        }
        final double[] th = theta;

        // Encoder input x̃ = x [− b_dec].
        double[] xin = new double[bRows * d];
        for (int b = 0; b < bRows; b++) {
            for (int i = 0; i < d; i++) {
                xin[b * d + i] = x[xOff + b * d + i] - (cfg.preEncoderBias() ? p.bDec[i] : 0);
            }
        }

        Result r = new Result();
        r.rows = bRows;
        double[] pre = r.pre = new double[bRows * n];
        double[] z = r.codes = new double[bRows * n];
        boolean[] gate = new boolean[bRows * n];
        double[] xhat = r.reconstruction = new double[bRows * d];

        // Forward: pre-activations, then the selection (per row, or over the whole batch for BatchTopK), codes and
        // reconstruction.
        Parallel.forRange(pool, threads, bRows, (lo, hi) -> {
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
                }
                for (int j = 0; j < n; j++) {
                    double v = pre[b * n + j];
                    boolean g = switch (act) {
                        case RELU -> v > 0;
                        case TOPK -> sel[j] && v > 0;
                        case BATCHTOPK -> batchSel[b * n + j] && v > 0;
                        case JUMPRELU -> v > th[j];
                    };
                    gate[b * n + j] = g;
                    z[b * n + j] = g ? v : 0;
                }
                for (int i = 0; i < d; i++) {
                    xhat[b * d + i] = p.bDec[i];
                }
                for (int j = 0; j < n; j++) {
                    double zj = z[b * n + j];
                    if (zj != 0) {
                        for (int i = 0; i < d; i++) {
                            xhat[b * d + i] += zj * dict[j * d + i];
                        }
                    }
                }
            }
        });

        // Scalars: mse, dead mask, term values.
        double sse = 0;
        for (int b = 0; b < bRows; b++) {
            for (int i = 0; i < d; i++) {
                double diff = x[xOff + b * d + i] - xhat[b * d + i];
                sse += diff * diff;
            }
        }
        r.mse = bRows == 0 ? 0 : sse / ((double) bRows * d);
        boolean[] dead = r.dead = new boolean[n];
        double[] colSumPre = new double[n]; // Σ_b pre_bj
        double[] colSumZ = new double[n]; // Σ_b z_bj
        double l0Count = 0;
        for (int j = 0; j < n; j++) {
            boolean fired = false;
            for (int b = 0; b < bRows; b++) {
                colSumPre[j] += pre[b * n + j];
                colSumZ[j] += z[b * n + j];
                if (z[b * n + j] > 0) {
                    fired = true;
                    r.active++;
                }
                if (th != null && pre[b * n + j] > th[j]) {
                    l0Count++;
                }
            }
            dead[j] = !fired;
            if (!fired) {
                r.deadCount++;
            }
        }
        // The re-animation term's dead set: the seed's batch mask, or the window mask on request.
        final boolean[] reDead = aux != null && aux.reanimationUsesWindow() ? aux.dead() : dead;
        int reDeadCount = 0;
        double deadPreSum = 0;
        double l1Sum = 0;
        for (int j = 0; j < n; j++) {
            if (reDead[j]) {
                deadPreSum += colSumPre[j];
                reDeadCount++;
            }
            l1Sum += colSumZ[j] * (w.l1DecoderNormWeighted() ? norms[j] : 1.0);
        }
        // d(reanim)/d(pre_bj) for a dead latent j: the same for every row.
        final double reanimPerPre = w.reanimationForm() == ReanimationForm.SEED
                ? 1.0 / ((double) bRows * n)
                : 1.0 / (reDeadCount + 1e-6);
        r.reanimation = deadPreSum * reanimPerPre;
        r.l1 = bRows == 0 ? 0 : l1Sum / bRows;
        r.l0 = bRows == 0 ? 0 : l0Count / bRows;
        // AuxK (Gao et al. 2024): the top-k_aux dead latents of each row reconstruct the (detached) residual.
        int deadAux = 0;
        if (terms.contains(Term.AUXK) && w.auxkCoef() != 0 && aux != null) {
            for (boolean b : aux.dead()) {
                deadAux += b ? 1 : 0;
            }
        }
        final boolean useAux = deadAux > 0;
        final int kAuxNominal = w.auxkK() > 0 ? w.auxkK() : Math.max(1, d / 2);
        final int kAux = Math.min(kAuxNominal, deadAux);
        final double auxScale = Math.min(1.0, (double) deadAux / kAuxNominal); // sparsify: fewer dead, less weight
        double[] zAux = null;
        double[] eAux = null;
        double[] res = null;
        double auxVar = 0;
        if (useAux) {
            zAux = new double[bRows * n];
            eAux = new double[bRows * d];
            res = r.auxResidual = new double[bRows * d];
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
                            eAux[b * d + i] += v * dict[j * d + i];
                        }
                    }
                }
                for (int i = 0; i < d; i++) {
                    res[b * d + i] = aux.frozenResidual() != null ? aux.frozenResidual()[b * d + i]
                            : x[xOff + b * d + i] - xhat[b * d + i];
                }
            }
            double[] mean = new double[d];
            for (int b = 0; b < bRows; b++) {
                for (int i = 0; i < d; i++) {
                    mean[i] += res[b * d + i] / bRows;
                }
            }
            double err = 0;
            for (int b = 0; b < bRows; b++) {
                for (int i = 0; i < d; i++) {
                    auxVar += (res[b * d + i] - mean[i]) * (res[b * d + i] - mean[i]);
                    err += (eAux[b * d + i] - res[b * d + i]) * (eAux[b * d + i] - res[b * d + i]);
                }
            }
            r.auxk = auxVar > 0 ? auxScale * err / auxVar : 0;
        }
        r.loss = (useMse ? r.mse : 0) - (useReanim ? w.reanimationCoef() * r.reanimation : 0)
                + (useL1 ? w.l1Coef() * r.l1 : 0) + (useL0 ? w.l0Coef() * r.l0 : 0)
                + (useAux ? w.auxkCoef() * r.auxk : 0);
        if (!gradients) {
            return r;
        }

        // Backward. e_b = ∂mse/∂x̂_b = (2/(B·d)) (x̂_b − x_b).
        DoubleParams g = r.grad = p.zerosLike();
        double[] e = new double[bRows * d];
        if (useMse) {
            double c = 2.0 / ((double) bRows * d);
            for (int b = 0; b < bRows; b++) {
                for (int i = 0; i < d; i++) {
                    e[b * d + i] = c * (xhat[b * d + i] - x[xOff + b * d + i]);
                    g.bDec[i] += e[b * d + i];
                }
            }
        }
        // ∂/∂z_bj = e_b·D_j (+ λ₁/B·w_j); ∂/∂pre_bj = ∂/∂z_bj · gate (− reanimation for dead latents).
        final double l1PerZ = useL1 ? w.l1Coef() / bRows : 0;
        final double reanimGrad = useReanim ? -w.reanimationCoef() * reanimPerPre : 0;
        double[] dz = new double[bRows * n];
        double[] dpre = new double[bRows * n];
        Parallel.forRange(pool, threads, bRows, (lo, hi) -> {
            for (int b = lo; b < hi; b++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int i = 0; i < d; i++) {
                        s += e[b * d + i] * dict[j * d + i];
                    }
                    s += l1PerZ * (w.l1DecoderNormWeighted() ? norms[j] : 1.0);
                    dz[b * n + j] = s;
                    dpre[b * n + j] = (gate[b * n + j] ? s : 0) + (reDead[j] ? reanimGrad : 0);
                }
            }
        });
        // AuxK: f_b = ∂L/∂ê_b = 2·coef·scale/V·(ê_b − r_b); ∂/∂pre_bj += (f_b·D_j)·1[pre_bj > 0] at the selected.
        final double[] fAux = useAux && auxVar > 0 ? new double[bRows * d] : null;
        if (fAux != null) {
            double c = 2 * w.auxkCoef() * auxScale / auxVar;
            for (int b = 0; b < bRows; b++) {
                for (int i = 0; i < d; i++) {
                    fAux[b * d + i] = c * (eAux[b * d + i] - res[b * d + i]);
                }
                for (int j = 0; j < n; j++) {
                    if (zAux[b * n + j] != 0) {
                        double s = 0;
                        for (int i = 0; i < d; i++) {
                            s += fAux[b * d + i] * dict[j * d + i];
                        }
                        dpre[b * n + j] += s;
                    }
                }
            }
        }
        final double[] zAuxF = zAux;
        final double eps = cfg.jumpReluBandwidth();
        final double l0PerH = useL0 ? w.l0Coef() / bRows : 0;
        Parallel.forRange(pool, threads, n, (lo, hi) -> {
            double[] gD = new double[d];
            for (int j = lo; j < hi; j++) {
                java.util.Arrays.fill(gD, 0);
                double sumDpre = 0;
                double dTheta = 0;
                for (int b = 0; b < bRows; b++) {
                    double dp = dpre[b * n + j];
                    sumDpre += dp;
                    if (dp != 0) {
                        for (int i = 0; i < d; i++) {
                            g.wEnc[j * d + i] += dp * xin[b * d + i];
                        }
                    }
                    double zj = z[b * n + j];
                    if (zj != 0) {
                        for (int i = 0; i < d; i++) {
                            gD[i] += zj * e[b * d + i];
                        }
                    }
                    if (fAux != null && zAuxF[b * n + j] != 0) {
                        for (int i = 0; i < d; i++) {
                            gD[i] += zAuxF[b * n + j] * fAux[b * d + i];
                        }
                    }
                    if (th != null && Math.abs((pre[b * n + j] - th[j]) / eps) < 0.5) {
                        // Rectangle-kernel straight-through estimates (Rajamanoharan et al. 2024).
                        dTheta += dz[b * n + j] * (-th[j] / eps) - l0PerH / eps;
                    }
                }
                g.bEnc[j] = sumDpre;
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += dict[j * d + i] * gD[i];
                }
                for (int i = 0; i < d; i++) {
                    g.wDec[j * d + i] = cfg.unitNormDecoder()
                            ? (gD[i] - dict[j * d + i] * dot) / norms[j]
                            : gD[i];
                    if (useL1 && w.l1DecoderNormWeighted()) {
                        g.wDec[j * d + i] += l1PerZ * colSumZ[j] * p.wDec[j * d + i] / norms[j];
                    }
                }
                if (th != null) {
                    g.logThreshold[j] = dTheta * th[j]; // chain rule through θ = exp(t)
                }
            }
        });
        if (cfg.preEncoderBias()) {
            // x̃ = x − b_dec: ∂/∂b_dec −= Σ_j (Σ_b ∂pre_bj) W_enc[j].
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < d; i++) {
                    g.bDec[i] -= g.bEnc[j] * p.wEnc[j * d + i];
                }
            }
        }
        return r;
    }
}
