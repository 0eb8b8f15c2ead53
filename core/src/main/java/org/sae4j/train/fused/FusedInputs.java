package org.sae4j.train.fused;

import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Sae;
import org.sae4j.train.loss.LatentInputs;

/**
 * The fused step's {@link LatentInputs}, from what the forward pass left. On the sparse path the counts and code sums
 * are {@link Codes#groupByLatent}'s, and {@code Σ_b pre_bj = (Σ_b x̃_b)·W_enc[j] + B·b_enc[j]} (one dot of length d)
 * is computed when first asked, in parallel and cached for the step: first for the latents dead in either mask (the
 * re-animation term's), then, if a latent outside them is asked, for the rest. On the dense path all three are the
 * {@code DenseCodes} pass's per-latent sums. Valid between {@link FusedPhases#forward} and
 * {@link FusedPhases#update}.
 */
final class FusedInputs implements LatentInputs {
    private final Sae sae;
    private final RowBuffers rowsBuf;
    private final LatentScales scales;
    private final Codes codes;
    private final LatentGradients grads;
    private final VectorOps ops;
    private final KernelPool pool;
    private final int n;
    private final int d;
    /** Σ_b pre_bj on the sparse path, for the latents {@link #preDead} / {@link #preAll} cover: n. */
    private final double[] pre;
    private boolean preDead;
    private boolean preAll;
    /** Σ pre of the latents dead in either mask (the re-animation term's), and of the others. */
    private final KernelPool.Task sumPreDead = (t, parts) -> sumPreBlock(t, parts, false);
    private final KernelPool.Task sumPreRest = (t, parts) -> sumPreBlock(t, parts, true);

    private DensePath dense;
    private boolean afterForward;
    private long step;
    private int batchDeadCount;
    private boolean[] windowDead;
    private int windowDeadCount;

    FusedInputs(Sae sae, RowBuffers rows, LatentScales scales, Codes codes, LatentGradients grads, VectorOps ops,
                KernelPool pool) {
        this.sae = sae;
        this.rowsBuf = rows;
        this.scales = scales;
        this.codes = codes;
        this.grads = grads;
        this.ops = ops;
        this.pool = pool;
        this.n = sae.latents();
        this.d = sae.dim();
        this.pre = new double[n];
    }

    /** Before the forward pass: only B, n, d, the step, the window's mask and the decoder norms are known. */
    void bindBefore(long step, boolean[] windowDead, int windowDeadCount) {
        this.afterForward = false;
        this.dense = null;
        this.step = step;
        this.windowDead = windowDead;
        this.windowDeadCount = windowDeadCount;
    }

    /** After the forward pass: {@code dense} is the dense path when it ran, else null. */
    void bindAfter(DensePath dense, int batchDeadCount) {
        this.afterForward = true;
        this.dense = dense;
        this.preDead = false;
        this.preAll = false;
        this.batchDeadCount = batchDeadCount;
    }

    /** The window's dead mask {@link #bindBefore} bound (this step's caller's buffer). */
    boolean[] windowDeadMask() {
        return windowDead;
    }

    @Override
    public int rows() {
        return rowsBuf.rows;
    }

    @Override
    public int latents() {
        return n;
    }

    @Override
    public int dim() {
        return d;
    }

    @Override
    public long step() {
        return step;
    }

    private void requireForward(String what) {
        if (!afterForward) {
            throw new IllegalStateException(what + " is not known before the forward pass (LossTerm.codeGradient)");
        }
    }

    @Override
    public boolean batchDead(int j) {
        requireForward("the batch's dead mask");
        return grads.dead[j];
    }

    @Override
    public int batchDeadCount() {
        requireForward("the batch's dead count");
        return batchDeadCount;
    }

    @Override
    public boolean windowDead(int j) {
        return windowDead[j];
    }

    @Override
    public int windowDeadCount() {
        return windowDeadCount;
    }

    @Override
    public int count(int j) {
        requireForward("count");
        return dense != null ? dense.sums().active[j] : grads.active[j];
    }

    @Override
    public double sumPre(int j) {
        requireForward("Σ pre");
        if (dense != null) {
            return dense.sums().pre[j];
        }
        if (!preAll) {
            if (!preDead) {
                pool.run(sumPreDead);
                preDead = true;
            }
            if (!deadInEither(j)) {
                pool.run(sumPreRest);
                preAll = true;
            }
        }
        return pre[j];
    }

    private boolean deadInEither(int j) {
        return grads.dead[j] || windowDead[j];
    }

    /** Σ pre of latent share t of the latents dead in either mask ({@code forRest} false) or of the others. */
    private void sumPreBlock(int t, int parts, boolean forRest) {
        int j1 = Blocks.lo(n, t + 1, parts);
        float[] wEnc = sae.wEnc();
        float[] bEnc = sae.bEnc();
        for (int j = Blocks.lo(n, t, parts); j < j1; j++) {
            if (deadInEither(j) != forRest) {
                // The same expression the re-animation value always used on this path (bit-identical results).
                pre[j] = ops.dot(rowsBuf.sumX, 0, wEnc, j * d, d) + (double) rowsBuf.rows * bEnc[j];
            }
        }
    }

    @Override
    public double sumZ(int j) {
        requireForward("Σ z");
        return dense != null ? dense.sums().z[j] : codes.zSum[j];
    }

    @Override
    public double decoderNorm(int j) {
        return scales.norm[j];
    }

    @Override
    public double threshold(int j) {
        return sae.config().activation() == org.sae4j.model.Activation.JUMPRELU ? scales.theta[j] : Double.NaN;
    }
}
