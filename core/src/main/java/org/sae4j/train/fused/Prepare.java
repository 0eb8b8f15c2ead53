package org.sae4j.train.fused;

import java.util.Arrays;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorOps;
import org.sae4j.model.Sae;

/**
 * Phase 1, prepare: the encoder input x̃ (x, or x − b_dec with a pre-encoder bias) and the per-feature input sums
 * by row block, then per latent the decoder scales (unless the last update pass measured them) and JumpReLU's
 * thresholds. Rows and latents are split over the same threads in one pool job. Built once, with the tensors it
 * reads and writes (the step's {@link StepTensors}), and run every step.
 */
final class Prepare {
    private final Sae sae;
    private final RowBuffers rowsBuf;
    private final LatentScales scales;
    private final VectorOps ops;
    private final int n;
    private final KernelPool.Task task = this::run;

    Prepare(Sae sae, RowBuffers rows, LatentScales scales, VectorOps ops) {
        this.sae = sae;
        this.rowsBuf = rows;
        this.scales = scales;
        this.ops = ops;
        this.n = sae.latents();
    }

    /**
     * Reads the batch bound to {@code rows}, b_dec, W_dec and log θ; writes x̃ (a transcoder's target too) and the
     * input sums into {@code rows}, the decoder norms, decode scales and thresholds into {@code scales}.
     */
    void run(KernelPool pool) {
        pool.run(task);
        rowsBuf.mergeInputSums(sae.bDec(), sae.config().preEncoderBias(), ops);
    }

    private void run(int t, int parts) {
        RowBuffers r = rowsBuf;
        int d = r.d;
        int dIn = r.dIn;
        float[] in = r.rowsIn;
        float[] bDec = sae.bDec();
        boolean preEnc = sae.config().preEncoderBias();
        boolean transcoder = r.target != null;
        for (int b0 = Blocks.rowLo(r.rows, t, parts); b0 < Blocks.rowLo(r.rows, t + 1, parts); b0 += Blocks.ROWS) {
            int base = b0 / Blocks.ROWS * d;
            Arrays.fill(r.blkSumX, base, base + d, 0);
            Arrays.fill(r.blkSumX2, base, base + d, 0);
            if (transcoder) {
                Arrays.fill(r.blkSumIn, b0 / Blocks.ROWS * dIn, (b0 / Blocks.ROWS + 1) * dIn, 0);
            }
            for (int b = b0; b < Math.min(r.rows, b0 + Blocks.ROWS); b++) {
                int xb = r.rowsOff + b * r.stride;
                // The target's sums (R²): the input itself, or a transcoder's y after it in the row.
                int yb = transcoder ? xb + dIn : xb;
                for (int i = 0; i < d; i++) {
                    double v = in[yb + i];
                    r.blkSumX[base + i] += v;
                    r.blkSumX2[base + i] += v * v;
                }
                System.arraycopy(in, xb, r.xin, b * dIn, dIn);
                if (transcoder) {
                    int inBase = b0 / Blocks.ROWS * dIn;
                    for (int i = 0; i < dIn; i++) {
                        r.blkSumIn[inBase + i] += in[xb + i];
                    }
                    System.arraycopy(in, yb, r.target, b * d, d);
                }
                if (preEnc) {
                    ops.axpy(-1f, bDec, 0, r.xin, b * dIn, dIn);
                }
            }
        }
        float[] wDec = sae.wDec();
        float[] t0 = sae.logThreshold();
        double halfBand = 0.5 * sae.config().jumpReluBandwidth();
        for (int j = Blocks.lo(n, t, parts); j < Blocks.lo(n, t + 1, parts); j++) {
            if (!scales.decoderNormsFresh) {
                scales.setDecoderNorm(j, wDec);
            }
            if (t0 != null) {
                scales.setThreshold(j, t0[j], halfBand);
            }
        }
    }
}
