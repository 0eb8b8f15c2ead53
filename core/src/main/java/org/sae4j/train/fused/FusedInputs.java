package org.sae4j.train.fused;

import org.sae4j.Sae;
import org.sae4j.kernels.VectorOps;
import org.sae4j.train.loss.LatentInputs;

/**
 * The fused step's {@link LatentInputs}: per-latent aggregates computed when a loss term asks, from what the forward
 * pass left. On the sparse path {@code Σ_b pre_bj = (Σ_b x̃_b)·W_enc[j] + B·b_enc[j]} (one dot of length d) and the
 * counts and code sums come from the latent's own entries; on the dense path all three are the {@code DenseCodes}
 * pass's per-latent sums. Valid between {@link FusedPhases#forward} and {@link FusedPhases#update}.
 */
final class FusedInputs implements LatentInputs {
    private final Sae sae;
    private final RowBuffers rowsBuf;
    private final LatentScales scales;
    private final Codes codes;
    private final LatentGradients grads;
    private final VectorOps ops;
    private final int n;
    private final int d;

    private DensePath dense;
    private boolean afterForward;
    private long step;
    private int batchDeadCount;
    private boolean[] windowDead;
    private int windowDeadCount;

    FusedInputs(Sae sae, RowBuffers rows, LatentScales scales, Codes codes, LatentGradients grads, VectorOps ops) {
        this.sae = sae;
        this.rowsBuf = rows;
        this.scales = scales;
        this.codes = codes;
        this.grads = grads;
        this.ops = ops;
        this.n = sae.latents();
        this.d = sae.dim();
    }

    /** Before the forward pass: only B, n, d, the step, the window's mask and the decoder norms are known. */
    void bindBefore(long step, boolean[] windowDead, int windowDeadCount) {
        this.afterForward = false;
        this.dense = null;
        this.step = step;
        this.windowDead = windowDead;
        this.windowDeadCount = windowDeadCount;
    }

    /** Binds this step's figures; {@code dense} is the dense path when it ran, else null. */
    void bind(DensePath dense, long step, int batchDeadCount, boolean[] windowDead, int windowDeadCount) {
        this.afterForward = true;
        this.dense = dense;
        this.step = step;
        this.batchDeadCount = batchDeadCount;
        this.windowDead = windowDead;
        this.windowDeadCount = windowDeadCount;
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
        if (dense != null) {
            return dense.sums().active[j];
        }
        int c = 0;
        for (int q = codes.colPtr[j]; q < codes.colPtr[j + 1]; q++) {
            int s = codes.byLatent[q];
            c += scales.isActive(codes.val[s], j) ? 1 : 0;
        }
        return c;
    }

    @Override
    public double sumPre(int j) {
        requireForward("Σ pre");
        if (dense != null) {
            return dense.sums().pre[j];
        }
        // The same expression the re-animation value always used on this path (bit-identical results).
        return ops.dot(rowsBuf.sumX, 0, sae.wEnc(), j * d, d) + (double) rowsBuf.rows * sae.bEnc()[j];
    }

    @Override
    public double sumZ(int j) {
        requireForward("Σ z");
        if (dense != null) {
            return dense.sums().z[j];
        }
        double z = 0;
        for (int q = codes.colPtr[j]; q < codes.colPtr[j + 1]; q++) {
            int s = codes.byLatent[q];
            if (scales.isActive(codes.val[s], j)) {
                z += codes.val[s];
            }
        }
        return z;
    }

    @Override
    public double decoderNorm(int j) {
        return scales.norm[j];
    }
}
