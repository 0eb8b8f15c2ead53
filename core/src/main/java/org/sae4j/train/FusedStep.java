package org.sae4j.train;

import java.util.Arrays;
import org.sae4j.Activation;
import org.sae4j.RowTopK;
import org.sae4j.Sae;
import org.sae4j.SaeConfig;
import org.sae4j.kernels.AdamUpdate;
import org.sae4j.kernels.DenseCodes;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorOps;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.metrics.Metrics;

/**
 * The fused, sparse-aware training step (DESIGN §4): the same math as {@link ReferenceStep}, in float32, without a
 * B×n matrix on its sparse path (see src/docs/fused-step.md).
 * <ol>
 *   <li>One GEMM {@code X·W_encᵀ + b_enc} whose epilogue keeps, per row, only the codes the step needs: a running
 *       top-k (TopK; a margin of 4k for BatchTopK's batch-wide selection), the entries above 0 (ReLU), or above
 *       θ − ε/2 (JumpReLU: active entries plus the straight-through band), and AuxK's top-k_aux window-dead
 *       latents.</li>
 *   <li>Per row: sparse decode, residual, mse, {@code e_b} and {@code ∂/∂z} at the kept entries only.</li>
 *   <li>The codes transposed by latent; dead latents from them; the re-animation term's value and gradient
 *       analytically from {@code Σ_b x̃_b}.</li>
 *   <li>Two passes over latents: the first sums the squared gradient norm for clipping (gradient rows are cheap to
 *       rebuild from the sparse codes, so none is stored); the second rebuilds each row, clips, applies Adam and
 *       renormalises the atom, reading and writing each parameter row and its moments once.</li>
 * </ol>
 * While ReLU/JumpReLU codes are dense (early training) a dense path stores the B×n matrices and uses GEMMs instead.
 * Buffers are allocated in the constructor or on first use of a path; ReLU/JumpReLU code buffers grow only when L0
 * rises past their size. Work is split into contiguous row or latent chunks on a {@link KernelPool}; sums run in row
 * or latent order, so results are identical for any thread count.
 */
public final class FusedStep implements TrainStep {
    /**
     * Active-code fraction above which ReLU/JumpReLU use the dense path: measured with TrainStepBench (ReLU, d=768,
     * n=16384, B=1024, 2 threads, path forced; src/docs/benchmarks.md), the sparse step costs ≈ 0.12 s + 0.62 ms per
     * active code per row and the dense one ≈ 0.53 s, equal near L0 ≈ 660 of 16384, i.e. 4 %.
     */
    public static final double DENSE_SWITCH = 0.04;

    private final Sae sae;
    private final SaeConfig sc;
    private final TrainConfig cfg;
    private final LrSchedule lr;
    private final OptimizerState state;
    private final int d;
    private final int n;
    private final int k;
    private final int maxRows;
    private final Activation act;
    private final boolean topk;
    private final boolean batchTopk;
    private final int candCap; // entries kept per row by the epilogue's heap: k (TopK) or a margin over k (BatchTopK)
    private final KernelPool pool;
    private final int threads;
    private final Gemm gemm;
    private final Gemm.Workspace ws;
    private final VectorOps ops;
    private final AdamUpdate adam;
    private final ThresholdSelect select;
    private final DenseCodes denseOps;

    // Per-step inputs and activations.
    private final float[] xin;     // encoder input x̃ (= x or x − b_dec), B×d
    private final float[] xhat;    // reconstruction, B×d
    private final float[] e;       // ∂mse/∂x̂, B×d
    private final float[] sumX;    // Σ_b x̃_b, d
    private final double[] sumXd;
    private final float[] norm;    // ‖W_dec[j]‖ (weights the L1 term when asked)
    private final float[] invNorm; // decode scale: 1/‖W_dec[j]‖ with a unit-norm dictionary, else 1
    private final float[] theta;   // JumpReLU θ_j; stays 0 for ReLU, so pre > theta[j] is either activation's test
    private final float[] keepAbove; // JumpReLU: keep entries with pre > θ_j − ε/2 (a little wider)

    // TopK: the k best (value, index) of each row.
    private final RowTopK best;
    // ReLU/JumpReLU: per-thread lists of kept (row, latent, pre) in arrival order.
    private final int[][] cooRow;
    private final int[][] cooCol;
    private final float[][] cooVal;
    private final int[] cooLen;

    // Kept entries, grouped by row: row b owns [rowPtr[b], rowPtr[b+1]).
    private final int[] rowPtr;
    private int[] codeIdx;
    private float[] codeVal;  // pre-activation
    private float[] codeDz;   // ∂L/∂z
    private float[] codeEd;   // e_b·D_j (∂mse/∂z before the L1 term)
    private float[] codeDpre; // ∂L/∂pre (gated; the dense re-animation part is added analytically)
    private int[] codeRow;
    // Entries grouped by latent: latent j owns byLatent[colPtr[j] .. colPtr[j+1]).
    private final int[] colPtr;
    private int[] byLatent;
    private final boolean[] dead;
    private final float[] gBEnc;
    private final float[] gT;

    // Per-row and per-latent partial results, summed in index order afterwards so that results do not depend on
    // the thread count; per-thread scratch rows.
    private final double[] rowSse;
    // Per-feature sums over fixed blocks of RB rows (and LB latents), merged in block order: the same partition for
    // any thread count, so sums, and the re-animation gradient built from them, do not depend on it.
    private static final int RB = 32;
    private static final int LB = 192;
    private static final int PACK_GROUP = 96; // W_enc rows re-packed at once: a multiple of the GEMM's panel width
    private final double[] blkSumX;   // per row block: Σ_b x_b
    private final double[] blkSumX2;  // Σ_b x_b², for the R² metrics
    private final double[] blkSumE;   // Σ_b e_b, for ∂/∂b_dec
    private final double[] blkDecBias; // per latent block: −Σ_j ∂b_enc[j]·W_enc[j] (pre-encoder bias only)
    private final double[] sumX2;
    private final double[] r2 = new double[2];
    private final double[] latDg;     // D_j·(raw ∂/∂D_j): the unit-norm projection's part, for the norm pass
    private final double[] latZ;      // Σ_b z_bj
    private final double[] latEnc2;   // ‖∂W_enc[j]‖², summed over column chunks
    private final double[] latDec2;   // ‖raw ∂W_dec[j]‖²
    private final boolean[] latSmall; // norms taken without rows (≤ 2 entries)
    private final double[] rowX2;     // ‖x̃_b‖²
    private final double[] rowE2;     // ‖e_b‖²
    private double sumXNorm2;         // ‖Σ_b x̃_b‖² (float vector)
    private boolean decoderNormsFresh; // norm/invNorm were measured on the current W_dec by the update pass
    private final double[] latNorm2;
    private final double[] latReanim;
    private final double[] latL1;
    private final int[] latActive;
    private final double[] bDecAcc;
    private final int[][] tCand;   // per-thread candidate positions of one block row
    private final float[][] tRowA;
    private final float[][] tRowB;
    private final float[] gBDec;

    // Per-step scalars read by the pool tasks.
    private int rows;
    private int xOff;
    private float[] x;
    private double reanimGrad;
    private double l1PerZ;
    private double l0PerH;
    private float clip;
    private float rate;
    private AdamUpdate.Step adamStep;
    private boolean[] reDead;      // the re-animation term's dead set this step: dead or windowDead
    private boolean encoderPacked; // ws holds the current W_enc (re-packed row by row in the update pass)
    private int codes;             // kept entries this step (sparse path)
    private int normChunkBytes = 1 << 20;
    private int[] cursor = new int[0]; // counting-sort cursors, sized max(rows, n) on first use

    // AuxK (buffers allocated on first use): the top-k_aux window-dead latents of each row reconstruct the residual.
    private final boolean[] windowDead;
    private final float[] auxFloor;   // 0 for window-dead latents, +∞ for the others
    private RowTopK auxBest;
    private float[] auxE;             // B×d: ê_b, then ∂L/∂ê_b
    private float[] auxRes;           // B×d: r_b = x_b − x̂_b (detached)
    private float[] auxDpre;          // per kept slot (row·cap + q): ∂L/∂pre
    private int[] auxColPtr;
    private int[] auxByLatent;
    private double[] rowAuxVar;
    private double[] rowAuxErr;
    private final double[] auxMean;
    private boolean useAux;
    private float auxC;

    // Dense path (allocated on first use) and the switch between the paths.
    private final double denseSwitch;
    private double lastActiveFraction;
    private boolean dense;
    private float[] dPre;     // B×n pre-activations
    private float[] dZs;      // B×n codes times decode scale
    private float[] dDz;      // B×n e·W_dec, then ∂/∂pre
    private float[] gEncAll;  // n×d
    private float[] gDecAll;  // n×d
    private Gemm.Workspace wsDec;
    private float[] dzAdd;    // the L1 term's constant share of ∂L/∂z, per latent
    private DenseCodes.Sums colSums; // per-latent sums over rows, in row order

    private final KernelPool.Task prepareTask = this::prepare;
    private final KernelPool.Task denseCodesTask = this::denseCodes;
    private final KernelPool.Task denseResidualTask = this::denseResidual;
    private final KernelPool.Task denseColumnTask = this::denseColumns;
    private final KernelPool.Task denseNormTask = this::denseNormPass;
    private final KernelPool.Task denseAuxSelectTask = this::denseAuxSelect;
    private final KernelPool.Task auxReconstructTask = this::auxReconstruct;
    private final KernelPool.Task auxErrorTask = this::auxError;
    private final KernelPool.Task auxGradientTask = this::auxGradient;
    private final KernelPool.Task rowTask = this::rowPhase;
    private final KernelPool.Task normTask = this::normPass;
    private final KernelPool.Task updateTask = this::updatePass;
    private final Gemm.Epilogue epilogue = this::acceptBlock;
    private final PhaseTimer timer = new PhaseTimer("FusedStep");

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
        this.denseSwitch = denseSwitch;
        this.lastActiveFraction = 0.5;
        this.sae = sae;
        this.sc = sae.config();
        this.cfg = cfg;
        this.lr = cfg.lrSchedule(totalSteps);
        this.state = state;
        this.d = sc.dim();
        this.n = sc.latents();
        this.act = sc.activation();
        this.topk = act == Activation.TOPK;
        this.batchTopk = act == Activation.BATCHTOPK;
        this.k = act.usesK() ? sc.k() : 0;
        this.candCap = topk ? k : batchTopk ? Math.min(n, 4 * k) : 0;
        this.maxRows = cfg.batchSize();
        this.pool = new KernelPool(cfg.threads());
        this.threads = pool.threads();
        VectorizationProvider p = VectorizationProvider.getInstance();
        this.gemm = p.gemm();
        this.ops = p.vectorOps();
        this.adam = p.adamUpdate();
        this.select = p.thresholdSelect();
        this.denseOps = p.denseCodes();
        this.ws = gemm.newWorkspace(n, d);

        xin = new float[maxRows * d];
        xhat = new float[maxRows * d];
        e = new float[maxRows * d];
        sumX = new float[d];
        sumXd = new double[d];
        norm = new float[n];
        invNorm = new float[n];
        theta = new float[n];
        keepAbove = new float[n];
        best = new RowTopK(candCap > 0 ? maxRows : 0, candCap);
        int initialCap = candCap > 0 ? 0 : Math.max(16, maxRows * Math.min(n, 64) / threads);
        cooRow = new int[threads][initialCap];
        cooCol = new int[threads][initialCap];
        cooVal = new float[threads][initialCap];
        cooLen = new int[threads];
        rowPtr = new int[maxRows + 1];
        int codes = candCap > 0 ? maxRows * candCap : initialCap * threads;
        codeIdx = new int[codes];
        codeVal = new float[codes];
        codeDz = new float[codes];
        codeEd = new float[codes];
        codeDpre = new float[codes];
        codeRow = new int[codes];
        byLatent = new int[codes];
        colPtr = new int[n + 1];
        dead = new boolean[n];
        gBEnc = new float[n];
        gT = new float[n];
        rowSse = new double[maxRows];
        int rowBlocks = (maxRows + RB - 1) / RB;
        blkSumX = new double[rowBlocks * d];
        blkSumX2 = new double[rowBlocks * d];
        blkSumE = new double[rowBlocks * d];
        blkDecBias = new double[sc.preEncoderBias() ? (n + LB - 1) / LB * d : 0];
        sumX2 = new double[d];
        latDg = new double[n];
        latZ = new double[n];
        latEnc2 = new double[n];
        latDec2 = new double[n];
        latSmall = new boolean[n];
        rowX2 = new double[maxRows];
        rowE2 = new double[maxRows];
        latNorm2 = new double[n];
        latReanim = new double[n];
        latL1 = new double[n];
        latActive = new int[n];
        bDecAcc = new double[d];
        windowDead = new boolean[n];
        auxFloor = new float[n];
        auxMean = new double[d];
        tCand = new int[threads][n];
        tRowA = new float[threads][d];
        tRowB = new float[threads][d];
        gBDec = new float[d];
    }

    @Override
    public OptimizerState state() {
        return state;
    }

    @Override
    public void close() {
        pool.close();
    }

    private static int lo(int total, int t, int parts) {
        return (int) ((long) total * t / parts);
    }

    /** First row of thread t's share: whole blocks of RB rows, so per-block partial sums are thread-independent. */
    private int rowLo(int t, int parts) {
        return Math.min(rows, lo((rows + RB - 1) / RB, t, parts) * RB);
    }

    /** First latent of thread t's share: whole blocks of LB latents (see {@link #rowLo}). */
    private int latLo(int t, int parts) {
        return Math.min(n, lo((n + LB - 1) / LB, t, parts) * LB);
    }

    /** Clears the per-latent-block ∂/∂b_dec partials of latents [j0, j1) (block-aligned at j0). */
    private void clearDecoderBiasBlocks(int j0, int j1) {
        if (sc.preEncoderBias()) {
            Arrays.fill(blkDecBias, j0 / LB * d, (j1 + LB - 1) / LB * d, 0);
        }
    }

    /** With a pre-encoder bias, x̃ = x − b_dec: latent j's share −(Σ_b ∂pre_bj)·W_enc[j] of ∂/∂b_dec. */
    private void addDecoderBiasShare(int j) {
        if (sc.preEncoderBias()) {
            float[] wEnc = sae.wEnc();
            int base = j / LB * d;
            double g = gBEnc[j];
            for (int i = 0; i < d; i++) {
                blkDecBias[base + i] -= g * wEnc[j * d + i];
            }
        }
    }

    /** Sums the per-block partials {@code blk[k·d + i]} of the first {@code blocks} blocks into {@code out}. */
    private void mergeBlocks(double[] blk, int blocks, double[] out) {
        Arrays.fill(out, 0, d, 0);
        addBlocks(blk, blocks, out);
    }

    /** Adds the per-block partials {@code blk[k·d + i]} of the first {@code blocks} blocks to {@code out}, in order. */
    private void addBlocks(double[] blk, int blocks, double[] out) {
        for (int k = 0; k < blocks; k++) {
            for (int i = 0; i < d; i++) {
                out[i] += blk[k * d + i];
            }
        }
    }

    @Override
    public StepStats step(float[] x, int off, int rows, int epoch) {
        if (rows > maxRows) {
            throw new IllegalArgumentException("batch of " + rows + " rows exceeds the configured " + maxRows);
        }
        long step = state.step;
        LossWeights w = cfg.weights(state);
        this.x = x;
        this.xOff = off;
        this.rows = rows;
        this.l1PerZ = w.l1Coef() / rows;
        this.l0PerH = act == Activation.JUMPRELU ? w.l0Coef() / rows : 0;

        // 1. x̃, Σ_b x̃_b, decoder scales, thresholds; then the GEMM with the selecting epilogue.
        timer.start();
        pool.run(prepareTask);
        // Σ_b x̃_b in double: with b_dec at the batch mean it is a near-total cancellation, and Adam would turn
        // float rounding noise in the dead latents' re-animation gradient into full-size steps.
        int rowBlocks = (rows + RB - 1) / RB;
        mergeBlocks(blkSumX, rowBlocks, sumXd);
        mergeBlocks(blkSumX2, rowBlocks, sumX2);
        for (int i = 0; i < d; i++) {
            sumX[i] = (float) (sumXd[i] - (sc.preEncoderBias() ? (double) rows * sae.bDec()[i] : 0));
        }
        sumXNorm2 = ops.sumSquares(sumX, 0, d);
        int windowDeadCount = state.windowDead(cfg.deadWindowTokens(), windowDead);
        useAux = w.auxkCoef() != 0 && windowDeadCount > 0;
        double auxScale = 0;
        if (useAux) {
            int nominal = w.auxkK() > 0 ? w.auxkK() : Math.max(1, d / 2);
            auxScale = Math.min(1.0, (double) windowDeadCount / nominal); // sparsify: fewer dead, less weight
            ensureAuxBuffers(nominal);
            auxBest.reset(rows, Math.min(nominal, windowDeadCount));
            for (int j = 0; j < n; j++) {
                auxFloor[j] = windowDead[j] ? 0f : Float.POSITIVE_INFINITY;
            }
        }
        dense = candCap == 0 && lastActiveFraction > denseSwitch;
        int deadCount = dense ? denseForward() : sparseForward();
        double auxk = useAux ? auxForward(w.auxkCoef(), auxScale) : 0;
        // The re-animation term's dead set: the seed's batch mask, or the window mask (from before this batch).
        reDead = cfg.reanimationWindowMask() ? windowDead : dead;
        int reDeadCount = cfg.reanimationWindowMask() ? windowDeadCount : deadCount;
        double perPre = w.reanimationForm() == ReanimationForm.SEED
                ? 1.0 / ((double) rows * n)
                : 1.0 / (reDeadCount + 1e-6);
        boolean useReanim = w.reanimationCoef() != 0;
        reanimGrad = useReanim ? -w.reanimationCoef() * perPre : 0;

        // 4. First pass over latents: squared gradient norm, re-animation value, b_dec's share.
        timer.lap(dense ? "dense: dead mask, aux" : "by latent, dead mask, aux");
        pool.run(dense ? denseNormTask : normTask);
        timer.lap("norm pass");
        double sse = 0;
        for (int b = 0; b < rows; b++) {
            sse += rowSse[b];
        }
        mergeBlocks(blkSumE, rowBlocks, bDecAcc);
        if (sc.preEncoderBias()) {
            // x̃ = x − b_dec: ∂/∂b_dec −= Σ_j (Σ_b ∂pre_bj) W_enc[j], summed per latent block by the norm pass.
            addBlocks(blkDecBias, (n + LB - 1) / LB, bDecAcc);
        }
        double norm2 = 0;
        double reanimSum = 0;
        double l1Sum = 0;
        long active = 0;
        for (int j = 0; j < n; j++) {
            norm2 += latNorm2[j];
            reanimSum += latReanim[j];
            l1Sum += latL1[j];
            active += latActive[j];
        }
        for (int i = 0; i < d; i++) {
            gBDec[i] = (float) bDecAcc[i];
            norm2 += (double) gBDec[i] * gBDec[i];
        }
        double mse = sse / ((double) rows * d);
        double reanimation = reanimSum * perPre;
        double l1 = l1Sum / rows;
        double l0 = (double) active / rows;
        lastActiveFraction = (double) active / ((double) rows * n);
        double loss = mse - (useReanim ? w.reanimationCoef() * reanimation : 0) + w.l1Coef() * l1
                + (act == Activation.JUMPRELU ? w.l0Coef() * l0 : 0) + w.auxkCoef() * auxk;
        if (!Double.isFinite(loss)) {
            throw new NonFiniteLossException(step, loss);
        }
        double gradNorm = Math.sqrt(norm2);
        clip = (float) GradientClipping.scale(gradNorm, cfg.clipGrad());
        double r = lr.at(step);
        rate = (float) r;
        state.step = step + 1;
        adamStep = AdamUpdate.Step.of(r, cfg.beta1(), cfg.beta2(), cfg.adamEps(), state.step);

        // 5. Second pass: rebuild each latent's gradient rows, clip, update, renormalise.
        timer.lap("sums");
        pool.run(updateTask);
        timer.lap("update pass");
        encoderPacked = true;
        decoderNormsFresh = true;
        update(sae.bDec(), 3, 0, gBDec, 0, d);
        if (batchTopk && !Float.isNaN(batchThetaStep)) {
            sae.setBatchTopKThreshold(BatchThreshold.mean(sae.batchTopKThreshold(), batchThetaStep, state.step));
        }

        // R² metrics from the per-feature sums prepare() took, rather than two more serial passes over the batch.
        Metrics.r2FromMoments(sumXd, sumX2, d, rows, sse, r2);
        StepStats st = new StepStats(step, epoch, rows, loss, mse, reanimation, r2[0], r2[1],
                l0, (double) deadCount / n, dead, windowDeadAfter(), auxk, w.reanimationCoef(), r, gradNorm);
        timer.lap("stats");
        timer.endStep();
        return st;
    }

    /** Sparse path: GEMM with the selecting epilogue, codes by row and by latent, per-row decode. */
    private int sparseForward() {
        if (candCap > 0) {
            best.reset(rows, candCap);
        } else {
            Arrays.fill(cooLen, 0);
        }
        packEncoderIfStale();
        timer.lap("prepare");
        gemm.multTransB(xin, 0, rows, ws, sae.bEnc(), 0, epilogue, pool);
        timer.lap("encode + select");
        int nnz = gatherByRow();
        codes = nnz;

        // Per row: decode, residual, ∂/∂z at kept entries.
        pool.run(rowTask);
        timer.lap("rows");

        // Entries by latent; dead mask.
        Arrays.fill(colPtr, 0);
        for (int s = 0; s < nnz; s++) {
            colPtr[codeIdx[s] + 1]++;
        }
        for (int j = 0; j < n; j++) {
            colPtr[j + 1] += colPtr[j];
        }
        int[] cur = scratchCursor(n);
        System.arraycopy(colPtr, 0, cur, 0, n);
        for (int s = 0; s < nnz; s++) {
            byLatent[cur[codeIdx[s]]++] = s;
        }
        int deadCount = 0;
        for (int j = 0; j < n; j++) {
            boolean fired = false;
            for (int q = colPtr[j]; q < colPtr[j + 1] && !fired; q++) {
                fired = isActive(codeVal[byLatent[q]], codeIdx[byLatent[q]]);
            }
            dead[j] = !fired;
            if (!fired) {
                deadCount++;
            }
        }
        return deadCount;
    }

    /**
     * Dense path, for ReLU/JumpReLU while most codes are active (early training): the B×n matrices are stored and
     * the other products are GEMMs too, as a dense framework does. Per latent, sums run in row order.
     */
    private int denseForward() {
        ensureDenseBuffers();
        packEncoderIfStale();
        timer.lap("prepare");
        gemm.multTransB(xin, 0, rows, ws, sae.bEnc(), 0, dPre, 0, pool);
        timer.lap("dense: X·W_encᵀ");
        if (useAux) {
            pool.run(denseAuxSelectTask);
        }
        pool.run(denseCodesTask);                                   // Zs = z · decode scale
        timer.lap("dense: codes");
        gemm.mult(dZs, 0, sae.wDec(), 0, rows, xhat, 0, wsDec, pool); // x̂ − b_dec
        timer.lap("dense: Zs·W_dec");
        pool.run(denseResidualTask);                                // x̂ += b_dec, e, sse
        gemm.packW(sae.wDec(), 0, wsDec, pool);
        timer.lap("dense: residual, pack W_dec");
        gemm.multTransB(e, 0, rows, wsDec, null, 0, dDz, 0, pool);   // e_b · W_dec[j]
        timer.lap("dense: e·W_decᵀ");
        pool.run(denseColumnTask);                                  // ∂/∂z, ∂/∂pre, per-latent sums
        timer.lap("dense: columns");
        gemm.multTransA(dDz, 0, xin, 0, rows, gEncAll, 0, ws, pool);    // Σ_b ∂pre_bj x̃_b
        timer.lap("dense: ∂preᵀ·X̃");
        gemm.multTransA(dZs, 0, e, 0, rows, gDecAll, 0, wsDec, pool);   // Σ_b (z_bj·scale_j) e_b
        timer.lap("dense: Zsᵀ·e");
        int deadCount = 0;
        for (int j = 0; j < n; j++) {
            dead[j] = colSums.active[j] == 0;
            if (dead[j]) {
                deadCount++;
            }
        }
        return deadCount;
    }

    private void ensureDenseBuffers() {
        if (dPre == null) {
            dPre = new float[maxRows * n];
            dZs = new float[maxRows * n];
            dDz = new float[maxRows * n];
            gEncAll = new float[n * d];
            gDecAll = new float[n * d];
            wsDec = gemm.newWorkspace(n, d);
            dzAdd = new float[n];
            colSums = new DenseCodes.Sums(n);
        }
    }

    private void denseCodes(int t, int parts) {
        for (int b = lo(rows, t, parts); b < lo(rows, t + 1, parts); b++) {
            denseOps.codes(dPre, dZs, b * n, n, theta, invNorm, 0);
        }
    }

    private void denseResidual(int t, int parts) {
        float c = (float) (2.0 / ((double) rows * d));
        float[] bDec = sae.bDec();
        int b1 = rowLo(t + 1, parts);
        for (int b = rowLo(t, parts); b < b1; b++) {
            for (int i = 0; i < d; i++) {
                xhat[b * d + i] += bDec[i];
            }
            residualRow(b, c);
        }
    }

    /**
     * Latents per block of {@link #denseColumns}: all rows of one block before the next, so the block's sums
     * (5 arrays) and per-latent inputs stay in L1/L2 instead of streaming n of them through the cache per row.
     */
    private static final int DENSE_COLUMN_BLOCK = 512;

    /**
     * Turns e·W_dec into ∂/∂pre in place and sums the per-latent figures. Each thread owns a latent range; within
     * it, rows run in order for each block of latents, so every latent's sums are in row order.
     */
    private void denseColumns(int t, int parts) {
        int j0 = lo(n, t, parts);
        int j1 = lo(n, t + 1, parts);
        colSums.clear(j0, j1);
        float[] add = null;
        if (l1PerZ != 0) {
            add = dzAdd;
            for (int j = j0; j < j1; j++) {
                dzAdd[j] = (float) (l1PerZ * (cfg.l1DecoderNormWeighted() ? norm[j] : 1.0));
            }
        }
        boolean jump = act == Activation.JUMPRELU;
        double eps = sc.jumpReluBandwidth();
        for (int c0 = j0; c0 < j1; c0 += DENSE_COLUMN_BLOCK) {
            int len = Math.min(DENSE_COLUMN_BLOCK, j1 - c0);
            if (jump) {
                denseOps.jumpGradient(dPre, dDz, c0, n, rows, len, theta, invNorm, add, c0, eps, l0PerH, colSums);
            } else {
                denseOps.gradient(dPre, dDz, c0, n, rows, len, theta, invNorm, add, c0, colSums);
            }
        }
    }

    /** Dense counterpart of {@link #normPass}: finishes the stored gradient rows in place. */
    private void denseNormPass(int t, int parts) {
        int j0 = latLo(t, parts);
        int j1 = latLo(t + 1, parts);
        clearDecoderBiasBlocks(j0, j1);
        for (int j = j0; j < j1; j++) {
            // gDecAll holds Σ_b z_bj·scale_j·e_b: undo the decode scale to get ∂/∂D_j.
            if (invNorm[j] != 1f) {
                ops.scale(1f / invNorm[j], gDecAll, j * d, d);
            }
            double bEncGrad = colSums.grad[j] + (useAux ? addAux(j, gEncAll, j * d, gDecAll, j * d, 0, d) : 0);
            finishRows(j, gEncAll, j * d, gDecAll, j * d, colSums.z[j], bEncGrad, colSums.theta[j]);
            addDecoderBiasShare(j);
            latNorm2[j] = ops.sumSquares(gEncAll, j * d, d) + ops.sumSquares(gDecAll, j * d, d)
                    + (double) gBEnc[j] * gBEnc[j] + (double) gT[j] * gT[j];
            latReanim[j] = reDead[j] ? colSums.pre[j] : 0;
            latL1[j] = colSums.z[j] * (cfg.l1DecoderNormWeighted() ? norm[j] : 1.0);
            latActive[j] = colSums.active[j];
        }
    }

    private void ensureAuxBuffers(int cap) {
        if (auxBest == null || auxBest.cap() != cap) {
            auxBest = new RowTopK(maxRows, cap);
            auxE = new float[maxRows * d];
            auxRes = new float[maxRows * d];
            auxDpre = new float[maxRows * cap];
            auxColPtr = new int[n + 1];
            auxByLatent = new int[maxRows * cap];
            rowAuxVar = new double[maxRows];
            rowAuxErr = new double[maxRows];
        }
    }

    private void denseAuxSelect(int t, int parts) {
        for (int b = lo(rows, t, parts); b < lo(rows, t + 1, parts); b++) {
            auxBest.offerAbove(select, b, 0, dPre, b * n, n, auxFloor, tCand[t]);
        }
    }

    /**
     * AuxK after the main forward pass: ê, the residual's variance, the error, ∂/∂pre at the kept entries and the
     * entries grouped by latent. Returns the normalised error before the coefficient.
     */
    private double auxForward(double coef, double scale) {
        pool.run(auxReconstructTask);
        Arrays.fill(auxMean, 0);
        for (int b = 0; b < rows; b++) {
            for (int i = 0; i < d; i++) {
                auxMean[i] += auxRes[b * d + i];
            }
        }
        for (int i = 0; i < d; i++) {
            auxMean[i] /= rows;
        }
        pool.run(auxErrorTask);
        double var = 0;
        double err = 0;
        for (int b = 0; b < rows; b++) {
            var += rowAuxVar[b];
            err += rowAuxErr[b];
        }
        auxC = var > 0 ? (float) (2 * coef * scale / var) : 0f;
        pool.run(auxGradientTask);
        int cap = auxBest.cap();
        Arrays.fill(auxColPtr, 0);
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < auxBest.size(b); q++) {
                auxColPtr[auxBest.index(b * cap + q) + 1]++;
            }
        }
        for (int j = 0; j < n; j++) {
            auxColPtr[j + 1] += auxColPtr[j];
        }
        int[] cur = scratchCursor(n);
        System.arraycopy(auxColPtr, 0, cur, 0, n);
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < auxBest.size(b); q++) {
                auxByLatent[cur[auxBest.index(b * cap + q)]++] = b * cap + q;
            }
        }
        return var > 0 ? scale * err / var : 0;
    }

    private void auxReconstruct(int t, int parts) {
        float[] wDec = sae.wDec();
        int cap = auxBest.cap();
        for (int b = lo(rows, t, parts); b < lo(rows, t + 1, parts); b++) {
            Arrays.fill(auxE, b * d, (b + 1) * d, 0f);
            for (int q = 0; q < auxBest.size(b); q++) {
                int j = auxBest.index(b * cap + q);
                ops.axpy(auxBest.value(b * cap + q) * invNorm[j], wDec, j * d, auxE, b * d, d);
            }
            for (int i = 0; i < d; i++) {
                auxRes[b * d + i] = x[xOff + b * d + i] - xhat[b * d + i];
            }
        }
    }

    private void auxError(int t, int parts) {
        for (int b = lo(rows, t, parts); b < lo(rows, t + 1, parts); b++) {
            double var = 0;
            double err = 0;
            for (int i = 0; i < d; i++) {
                double c = auxRes[b * d + i] - auxMean[i];
                double e2 = auxE[b * d + i] - auxRes[b * d + i];
                var += c * c;
                err += e2 * e2;
            }
            rowAuxVar[b] = var;
            rowAuxErr[b] = err;
        }
    }

    /** f_b = c·(ê_b − r_b) (into auxE) and ∂/∂pre = D_j·f_b at each kept entry. */
    private void auxGradient(int t, int parts) {
        float[] wDec = sae.wDec();
        int cap = auxBest.cap();
        for (int b = lo(rows, t, parts); b < lo(rows, t + 1, parts); b++) {
            for (int i = 0; i < d; i++) {
                auxE[b * d + i] = auxC * (auxE[b * d + i] - auxRes[b * d + i]);
            }
            for (int q = 0; q < auxBest.size(b); q++) {
                int j = auxBest.index(b * cap + q);
                auxDpre[b * cap + q] = invNorm[j] * ops.dot(auxE, b * d, wDec, j * d, d);
            }
        }
    }

    /**
     * Adds columns [c0, c0 + len) of latent j's AuxK share to its raw gradient rows at {@code encOff}/{@code decOff};
     * returns its share of ∂/∂b_enc[j].
     */
    private double addAux(int j, float[] gEnc, int encOff, float[] gDec, int decOff, int c0, int len) {
        int cap = auxBest.cap();
        double bEnc = 0;
        for (int q = auxColPtr[j]; q < auxColPtr[j + 1]; q++) {
            int slot = auxByLatent[q];
            int b = slot / cap;
            ops.axpy(auxDpre[slot], xin, b * d + c0, gEnc, encOff, len);
            ops.axpy(auxBest.value(slot), auxE, b * d + c0, gDec, decOff, len);
            bEnc += auxDpre[slot];
        }
        return bEnc;
    }

    /** Records this batch's firing and returns the windowed dead fraction after it. */
    private double windowDeadAfter() {
        state.observeFiring(dead, rows);
        double fraction = (double) state.windowDead(cfg.deadWindowTokens(), windowDead) / n;
        state.observeWindowDeadFraction(cfg.reanimation(), fraction, rows, cfg.deadWindowTokens());
        return fraction;
    }

    /** Counting-sort cursors for at least {@code size} buckets (rows or latents); grows once, then reused. */
    /**
     * Packs W_enc for the GEMM unless the previous step's update pass already re-packed every row it wrote (it also
     * measured the decoder norms). The step owns the parameters between its calls; a new step (or one whose model
     * was changed) packs once.
     */
    private void packEncoderIfStale() {
        if (!encoderPacked) {
            gemm.packW(sae.wEnc(), 0, ws, pool);
        }
    }

    private int[] scratchCursor(int size) {
        if (cursor.length < size) {
            cursor = new int[Math.max(size, Math.max(n, maxRows))];
        }
        return cursor;
    }

    /** ‖W_dec[j]‖ and the decode scale; the update pass calls it on each row it just wrote, while it is in cache. */
    private void setDecoderNorm(int j, float[] wDec) {
        norm[j] = (float) Math.sqrt(ops.sumSquares(wDec, j * d, d));
        invNorm[j] = sc.unitNormDecoder() ? 1f / norm[j] : 1f;
    }

    private boolean isActive(float pre, int j) {
        return act == Activation.JUMPRELU ? pre > theta[j] : pre > 0;
    }

    /** x̃ rows, per-latent decoder scale and thresholds, split over rows and latents. */
    private void prepare(int t, int parts) {
        float[] bDec = sae.bDec();
        for (int b0 = rowLo(t, parts); b0 < rowLo(t + 1, parts); b0 += RB) {
            int base = b0 / RB * d;
            Arrays.fill(blkSumX, base, base + d, 0);
            Arrays.fill(blkSumX2, base, base + d, 0);
            for (int b = b0; b < Math.min(rows, b0 + RB); b++) {
                int xb = xOff + b * d;
                for (int i = 0; i < d; i++) {
                    double v = x[xb + i];
                    blkSumX[base + i] += v;
                    blkSumX2[base + i] += v * v;
                }
                System.arraycopy(x, xb, xin, b * d, d);
                if (sc.preEncoderBias()) {
                    ops.axpy(-1f, bDec, 0, xin, b * d, d);
                }
            }
        }
        float[] wDec = sae.wDec();
        float[] t0 = sae.logThreshold();
        double halfBand = 0.5 * sc.jumpReluBandwidth();
        for (int j = lo(n, t, parts); j < lo(n, t + 1, parts); j++) {
            if (!decoderNormsFresh) {
                setDecoderNorm(j, wDec);
            }
            if (t0 != null) {
                theta[j] = (float) Math.exp(t0[j]);
                // A hair wider than the band: entries outside it are filtered exactly later.
                keepAbove[j] = (float) ((Math.exp(t0[j]) - halfBand) * (1 - 1e-5) - 1e-12);
            }
        }
    }

    /** GEMM epilogue: keep the entries this activation needs from one finished block. */
    private void acceptBlock(int t, int row0, int nRows, int col0, int cols, float[] buf, int off, int ld) {
        int[] cand = tCand[t];
        for (int r = 0; r < nRows; r++) {
            int row = row0 + r;
            int base = off + r * ld;
            if (useAux) {
                auxBest.offerAbove(select, row, col0, buf, base, cols, auxFloor, cand);
            }
            if (candCap > 0) {
                best.offer(select, row, col0, buf, base, cols, cand);
                continue;
            }
            int count = act == Activation.RELU
                    ? select.above(buf, base, cols, 0f, cand, 0)
                    : select.aboveEach(buf, base, cols, keepAbove, col0, cand, 0);
            for (int q = 0; q < count; q++) {
                append(t, row, col0 + cand[q], buf[base + cand[q]]);
            }
        }
    }

    private void append(int t, int row, int col, float v) {
        int len = cooLen[t];
        if (len == cooRow[t].length) {
            int cap = Math.max(16, len + (len >> 1));
            cooRow[t] = Arrays.copyOf(cooRow[t], cap);
            cooCol[t] = Arrays.copyOf(cooCol[t], cap);
            cooVal[t] = Arrays.copyOf(cooVal[t], cap);
        }
        cooRow[t][len] = row;
        cooCol[t][len] = col;
        cooVal[t][len] = v;
        cooLen[t] = len + 1;
    }

    // BatchTopK: candidates as sortable keys, value descending then row-major index ascending.
    private long[] batchKeys = new long[0];
    private float batchThetaStep; // smallest kept value of this batch (NaN when none was positive)

    private static long batchKey(float v, int flat) {
        return ((long) (0x7FFFFFFF - Float.floatToIntBits(v)) << 32) | flat;
    }

    private static float batchKeyValue(long key) {
        return Float.intBitsToFloat(0x7FFFFFFF - (int) (key >>> 32));
    }

    /**
     * BatchTopK's selection of the {@code B·k} largest positive pre-activations of the batch, from each row's best
     * {@code candCap} candidates. A row whose heap was full and whose worst candidate made the cut may have lost
     * entries that belong in it: then the exact selection is redone over the whole stored product (rare: a row needs
     * more than 4k of the batch's codes).
     */
    private int gatherBatchTopK() {
        int cap = candCap;
        if (batchKeys.length < rows * cap) {
            batchKeys = new long[rows * cap];
        }
        int count = 0;
        for (int b = 0; b < rows; b++) {
            for (int q = 0; q < best.size(b); q++) {
                float v = best.value(b * cap + q);
                if (v > 0) {
                    batchKeys[count++] = batchKey(v, b * n + best.index(b * cap + q));
                }
            }
        }
        Arrays.sort(batchKeys, 0, count);
        int budget = rows * k;
        int kept = Math.min(budget, count);
        boolean overflow = false;
        for (int b = 0; b < rows && cap < n && !overflow; b++) {
            float root = best.value(b * cap); // the row's worst candidate
            if (best.size(b) == cap && root > 0) {
                overflow = count <= budget || batchKey(root, b * n + best.index(b * cap)) <= batchKeys[kept - 1];
            }
        }
        if (overflow) {
            ensureDenseBuffers();
            gemm.multTransB(xin, 0, rows, ws, sae.bEnc(), 0, dPre, 0, pool);
            count = 0;
            for (int i = 0; i < rows * n; i++) {
                if (dPre[i] > 0) {
                    if (count == batchKeys.length) {
                        batchKeys = Arrays.copyOf(batchKeys, Math.max(16, count * 2));
                    }
                    batchKeys[count++] = batchKey(dPre[i], i);
                }
            }
            Arrays.sort(batchKeys, 0, count);
            kept = Math.min(budget, count);
        }
        batchThetaStep = kept > 0 ? batchKeyValue(batchKeys[kept - 1]) : Float.NaN;
        ensureCodeCapacity(kept);
        Arrays.fill(rowPtr, 0, rows + 1, 0);
        for (int q = 0; q < kept; q++) {
            rowPtr[(int) batchKeys[q] / n + 1]++;
        }
        for (int b = 0; b < rows; b++) {
            rowPtr[b + 1] += rowPtr[b];
        }
        int[] cur = scratchCursor(rows);
        System.arraycopy(rowPtr, 0, cur, 0, rows);
        for (int q = 0; q < kept; q++) {
            int flat = (int) batchKeys[q];
            int s = cur[flat / n]++;
            codeIdx[s] = flat % n;
            codeVal[s] = batchKeyValue(batchKeys[q]);
            codeRow[s] = flat / n;
        }
        return kept;
    }

    /** Lays the kept entries out by row; returns their number. */
    private int gatherByRow() {
        int nnz;
        if (batchTopk) {
            return gatherBatchTopK();
        }
        if (topk) {
            for (int b = 0; b <= rows; b++) {
                rowPtr[b] = b * k;
            }
            nnz = rows * k;
            for (int s = 0; s < nnz; s++) {
                codeIdx[s] = best.index(s);
                codeVal[s] = best.value(s);
                codeRow[s] = s / k;
            }
            return nnz;
        }
        Arrays.fill(rowPtr, 0, rows + 1, 0);
        nnz = 0;
        for (int t = 0; t < threads; t++) {
            for (int q = 0; q < cooLen[t]; q++) {
                rowPtr[cooRow[t][q] + 1]++;
            }
            nnz += cooLen[t];
        }
        ensureCodeCapacity(nnz);
        for (int b = 0; b < rows; b++) {
            rowPtr[b + 1] += rowPtr[b];
        }
        int[] cur = scratchCursor(rows);
        System.arraycopy(rowPtr, 0, cur, 0, rows);
        // Each row's entries come from one thread in increasing latent order, so rows stay sorted.
        for (int t = 0; t < threads; t++) {
            for (int q = 0; q < cooLen[t]; q++) {
                int s = cur[cooRow[t][q]]++;
                codeIdx[s] = cooCol[t][q];
                codeVal[s] = cooVal[t][q];
                codeRow[s] = cooRow[t][q];
            }
        }
        return nnz;
    }

    private void ensureCodeCapacity(int nnz) {
        if (codeIdx.length < nnz) {
            int cap = nnz + (nnz >> 2);
            codeIdx = new int[cap];
            codeVal = new float[cap];
            codeDz = new float[cap];
            codeEd = new float[cap];
            codeDpre = new float[cap];
            codeRow = new int[cap];
            byLatent = new int[cap];
        }
    }

    /**
     * Row b's residual gradient {@code e_b = c·(x̂_b − x_b)}, its squared error, and its share of Σ_b e_b (the block
     * partial is cleared at the block's first row: threads own whole blocks).
     */
    private void residualRow(int b, float c) {
        int xb = b * d;
        int blk = b / RB * d;
        if (b % RB == 0) {
            Arrays.fill(blkSumE, blk, blk + d, 0);
        }
        double sse = 0;
        for (int i = 0; i < d; i++) {
            float diff = xhat[xb + i] - x[xOff + xb + i];
            sse += (double) diff * diff;
            e[xb + i] = c * diff;
            blkSumE[blk + i] += e[xb + i];
        }
        rowSse[b] = sse;
    }

    /** Decode, residual, e_b and ∂/∂z, ∂/∂pre at the kept entries, for a chunk of rows. */
    private void rowPhase(int t, int parts) {
        float[] wDec = sae.wDec();
        float[] bDec = sae.bDec();
        float c = (float) (2.0 / ((double) rows * d));
        int b1 = rowLo(t + 1, parts);
        for (int b = rowLo(t, parts); b < b1; b++) {
            int xb = b * d;
            System.arraycopy(bDec, 0, xhat, xb, d);
            for (int s = rowPtr[b]; s < rowPtr[b + 1]; s++) {
                int j = codeIdx[s];
                if (isActive(codeVal[s], j)) {
                    ops.axpy(codeVal[s] * invNorm[j], wDec, j * d, xhat, xb, d);
                }
            }
            residualRow(b, c);
            rowE2[b] = ops.sumSquares(e, xb, d);   // for the norm pass's latents with ≤ 2 entries
            rowX2[b] = ops.sumSquares(xin, xb, d);
            for (int s = rowPtr[b]; s < rowPtr[b + 1]; s++) {
                int j = codeIdx[s];
                float dz = invNorm[j] * ops.dot(e, xb, wDec, j * d, d);
                codeEd[s] = dz;
                if (l1PerZ != 0) {
                    dz += (float) (l1PerZ * (cfg.l1DecoderNormWeighted() ? norm[j] : 1.0));
                }
                codeDz[s] = dz;
                codeDpre[s] = isActive(codeVal[s], j) ? dz : 0f;
            }
        }
    }

    /**
     * Latent j's scalars from its codes, without touching a row: sets {@code gBEnc[j]} (with the re-animation
     * share), {@code gT[j]}, {@code latZ[j]} = Σ_b z_bj, {@code latDg[j]} = D_j·(raw ∂/∂D_j) from the dots the row
     * phase took, and {@code latActive[j]}.
     */
    private void latentScalars(int j) {
        double bEncGrad = 0;
        double zSum = 0;
        double tGrad = 0;
        double dg = 0;
        int active = 0;
        float th = act == Activation.JUMPRELU ? theta[j] : 0f;
        double eps = sc.jumpReluBandwidth();
        for (int q = colPtr[j]; q < colPtr[j + 1]; q++) {
            int s = byLatent[q];
            bEncGrad += codeDpre[s];
            if (isActive(codeVal[s], j)) {
                zSum += codeVal[s];
                dg += (double) codeVal[s] * codeEd[s];
                active++;
            }
            if (act == Activation.JUMPRELU && Math.abs((codeVal[s] - (double) th) / eps) < 0.5) {
                tGrad += codeDz[s] * (-th / eps) - l0PerH / eps;
            }
        }
        if (useAux) {
            for (int q = auxColPtr[j]; q < auxColPtr[j + 1]; q++) {
                int slot = auxByLatent[q];
                bEncGrad += auxDpre[slot];
                dg += (double) auxBest.value(slot) * auxDpre[slot]; // auxDpre = D_j·f_b
            }
        }
        setLatentScalars(j, bEncGrad, tGrad);
        latZ[j] = zSum;
        latDg[j] = dg;
        latActive[j] = active;
    }

    /**
     * Columns [c0, c0 + len) of latent j's gradient rows into {@code gEnc[0..len)} (∂W_enc[j], complete) and
     * {@code gDec[0..len)} (∂W_dec[j] before {@link #finishDecoder}), rebuilt from the codes: the sparse path
     * stores no gradient row.
     */
    private void latentRows(int j, float[] gEnc, float[] gDec, int c0, int len) {
        Arrays.fill(gEnc, 0, len, 0f);
        Arrays.fill(gDec, 0, len, 0f);
        for (int q = colPtr[j]; q < colPtr[j + 1]; q++) {
            int s = byLatent[q];
            int b = codeRow[s];
            float dp = codeDpre[s];
            if (dp != 0f) {
                ops.axpy(dp, xin, b * d + c0, gEnc, 0, len);
            }
            if (isActive(codeVal[s], j) && codeVal[s] != 0f) {
                ops.axpy(codeVal[s], e, b * d + c0, gDec, 0, len);
            }
        }
        if (useAux) {
            addAux(j, gEnc, 0, gDec, 0, c0, len);
        }
        addReanimationRow(j, gEnc, 0, c0, len);
    }

    /**
     * A dead latent's re-animation share of ∂W_enc[j], columns [c0, c0 + len): every row's ∂pre_bj gets reanimGrad,
     * so the sum is reanimGrad·Σ_b x̃_b, without the B×n matrix.
     */
    private void addReanimationRow(int j, float[] gEnc, int encOff, int c0, int len) {
        if (reDead[j] && reanimGrad != 0) {
            ops.axpy((float) reanimGrad, sumX, c0, gEnc, encOff, len);
        }
    }

    /** Sets ∂b_enc[j] (adding a dead latent's re-animation share, reanimGrad per row) and ∂log θ_j. */
    private void setLatentScalars(int j, double bEncGrad, double tGrad) {
        if (reDead[j] && reanimGrad != 0) {
            bEncGrad += reanimGrad * rows;
        }
        gBEnc[j] = (float) bEncGrad;
        gT[j] = (float) (tGrad * (act == Activation.JUMPRELU ? theta[j] : 0f));
    }

    /**
     * Dense path: completes latent j's stored gradient rows from their raw sums with the pieces the sparse path
     * uses too: the re-animation share of a dead latent, ∂b_enc[j] and ∂log θ_j, and {@link #finishDecoder}.
     */
    private void finishRows(int j, float[] gEnc, int encOff, float[] gDec, int decOff, double zSum, double bEncGrad,
                            double tGrad) {
        addReanimationRow(j, gEnc, encOff, 0, d);
        setLatentScalars(j, bEncGrad, tGrad);
        finishDecoder(j, gDec, decOff, zSum);
    }

    private void finishDecoder(int j, float[] gDec, int decOff, double zSum) {
        float[] wDec = sae.wDec();
        float inv = invNorm[j];
        if (sc.unitNormDecoder()) {
            // Through D = W/‖W‖: (g − D (D·g)) / ‖W‖.
            float dg = inv * ops.dot(wDec, j * d, gDec, decOff, d);
            ops.axpy(-dg * inv, wDec, j * d, gDec, decOff, d);
            ops.scale(inv, gDec, decOff, d);
        }
        if (l1PerZ != 0 && cfg.l1DecoderNormWeighted()) {
            ops.axpy((float) (l1PerZ * zSum / norm[j]), wDec, j * d, gDec, decOff, d);
        }
    }

    /**
     * The squared gradient norm per latent, for clipping, plus the loss terms' per-latent values. Norms add over
     * columns, so the rows are rebuilt one column chunk at a time over all of the thread's latents: the chunk of
     * x̃ and e they gather from stays in L2 (whole rows of both do not). The decoder row's projection and L1 share
     * are applied analytically, so W_dec is not read.
     */
    private void normPass(int t, int parts) {
        float[] gEnc = tRowA[t];
        float[] gDec = tRowB[t];
        float[] wEnc = sae.wEnc();
        float[] bEnc = sae.bEnc();
        int j0 = latLo(t, parts);
        int j1 = latLo(t + 1, parts);
        clearDecoderBiasBlocks(j0, j1);
        for (int j = j0; j < j1; j++) {
            latentScalars(j);
            latSmall[j] = smallLatentNorms(j);
        }
        int chunk = normChunk();
        for (int c0 = 0; c0 < d; c0 += chunk) {
            int len = Math.min(chunk, d - c0);
            for (int j = j0; j < j1; j++) {
                if (latSmall[j]) {
                    continue;
                }
                if (c0 == 0) {
                    latEnc2[j] = 0;
                    latDec2[j] = 0;
                }
                latentRows(j, gEnc, gDec, c0, len);
                latEnc2[j] += ops.sumSquares(gEnc, 0, len);
                latDec2[j] += ops.sumSquares(gDec, 0, len);
            }
        }
        boolean weightedL1 = l1PerZ != 0 && cfg.l1DecoderNormWeighted();
        for (int j = j0; j < j1; j++) {
            double zSum = latZ[j];
            double dg = latDg[j];
            double dec2 = latDec2[j];
            if (sc.unitNormDecoder()) {
                // ‖(g − D(D·g))/‖W‖‖² = (‖g‖² − (D·g)²)/‖W‖² for unit D; the weighted-L1 share (l1·Σz/‖W‖)·W is
                // orthogonal to it, with norm l1·Σz.
                double inv = invNorm[j];
                dec2 = Math.max(0, dec2 - dg * dg) * inv * inv;
                if (weightedL1) {
                    dec2 += (l1PerZ * zSum) * (l1PerZ * zSum);
                }
            } else if (weightedL1) {
                // ‖g + αW‖² with α = l1·Σz/‖W‖ and W·g = dg (the row phase's dots are unscaled here).
                double alpha = (float) (l1PerZ * zSum / norm[j]);
                dec2 += 2 * alpha * dg + alpha * alpha * norm[j] * norm[j];
            }
            addDecoderBiasShare(j);
            latNorm2[j] = latEnc2[j] + dec2 + (double) gBEnc[j] * gBEnc[j] + (double) gT[j] * gT[j];
            latReanim[j] = reDead[j] ? ops.dot(sumX, 0, wEnc, j * d, d) + (double) rows * bEnc[j] : 0;
            latL1[j] = zSum * (cfg.l1DecoderNormWeighted() ? norm[j] : 1.0);
        }
    }

    /**
     * Norms of a latent with at most two entries (TopK: most latents) without building its rows, from the rows'
     * squared norms and one dot: ‖a·u + b·w‖² = a²‖u‖² + b²‖w‖² + 2ab·u·w. Returns false (rows must be built) with
     * AuxK, or when the re-animation row Σ_b x̃_b would mix with entries.
     */
    private boolean smallLatentNorms(int j) {
        int c = colPtr[j + 1] - colPtr[j];
        boolean reanim = reDead[j] && reanimGrad != 0;
        if (c > 2 || useAux || (reanim && c > 0)) {
            return false;
        }
        double enc2 = 0;
        double dec2 = 0;
        if (c == 0) {
            double r = (float) reanimGrad;
            enc2 = reanim ? r * r * sumXNorm2 : 0;
        } else {
            int s1 = byLatent[colPtr[j]];
            int b1 = codeRow[s1];
            double a1 = codeDpre[s1];
            double z1 = isActive(codeVal[s1], j) ? codeVal[s1] : 0;
            enc2 = a1 * a1 * rowX2[b1];
            dec2 = z1 * z1 * rowE2[b1];
            if (c == 2) {
                int s2 = byLatent[colPtr[j] + 1];
                int b2 = codeRow[s2];
                double a2 = codeDpre[s2];
                double z2 = isActive(codeVal[s2], j) ? codeVal[s2] : 0;
                enc2 += a2 * a2 * rowX2[b2];
                dec2 += z2 * z2 * rowE2[b2];
                if (a1 * a2 != 0) {
                    enc2 += 2 * a1 * a2 * ops.dot(xin, b1 * d, xin, b2 * d, d);
                }
                if (z1 * z2 != 0) {
                    dec2 += 2 * z1 * z2 * ops.dot(e, b1 * d, e, b2 * d, d);
                }
            }
        }
        latEnc2[j] = enc2;
        latDec2[j] = dec2;
        return true;
    }

    /** For tests: a smaller norm-pass chunk budget crosses chunk boundaries at small sizes. */
    void normChunkBytes(int bytes) {
        normChunkBytes = bytes;
    }

    /**
     * Columns per norm-pass chunk: x̃ and e (and AuxK's ê) restricted to a chunk take ≈ 1 MiB. Chunking pays only
     * when latents gather several rows each (measured: ReLU at L0 = 64, 4 per latent, 14-17 ms against 19-21 ms;
     * TopK k=32, 2 per latent, 10-13 against 7-11), so below 3 per latent rows are built whole.
     */
    private int normChunk() {
        if (codes < 3L * n) {
            return d;
        }
        int arrays = useAux ? 3 : 2;
        int c = normChunkBytes / (arrays * 4 * Math.max(1, rows));
        return Math.max(16, Math.min(d, c / 16 * 16));
    }

    private void updatePass(int t, int parts) {
        int j1 = latLo(t + 1, parts);
        for (int j = latLo(t, parts); j < j1; j++) {
            float[] gEnc = gEncAll;
            float[] gDec = gDecAll;
            int off = j * d;
            if (!dense) {
                gEnc = tRowA[t];
                gDec = tRowB[t];
                off = 0;
                latentRows(j, gEnc, gDec, 0, d);
                finishDecoder(j, gDec, 0, latZ[j]);
            }
            update(sae.wEnc(), 0, j * d, gEnc, off, d);
            if ((j + 1) % PACK_GROUP == 0 || j + 1 == j1) {
                // The group's rows are still in cache: re-pack them for the next step's GEMM (no packW then). Whole
                // groups of panels take the GEMM's vectorised transpose; single rows would be scattered stores.
                gemm.packRows(sae.wEnc(), 0, Math.max(latLo(t, parts), j / PACK_GROUP * PACK_GROUP), j + 1, ws);
            }
            update(sae.bEnc(), 1, j, gBEnc, j, 1);
            update(sae.wDec(), 2, j * d, gDec, off, d);
            if (act == Activation.JUMPRELU) {
                update(sae.logThreshold(), 4, j, gT, j, 1);
            }
            if (sc.unitNormDecoder()) {
                float nrm = (float) Math.sqrt(ops.sumSquares(sae.wDec(), j * d, d));
                if (nrm > 0) {
                    ops.scale(1f / nrm, sae.wDec(), j * d, d);
                }
            }
            setDecoderNorm(j, sae.wDec()); // for the next step (latent j's gradients are done with it)
        }
    }

    private void update(float[] p, int tensor, int off, float[] g, int gOff, int len) {
        if (cfg.optimizer() == Optimizer.ADAM) {
            adam.update(p, state.m[tensor], state.v[tensor], off, g, gOff, len, clip, adamStep);
        } else {
            ops.axpy(-rate * clip, g, gOff, p, off, len);
        }
    }
}
