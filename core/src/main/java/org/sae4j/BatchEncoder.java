package org.sae4j;

import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;

/**
 * The forward pass of a fixed model over many batches, for encode and eval: {@code W_enc} is packed once and
 * {@code X·W_encᵀ + b_enc} runs on the GEMM kernels across threads (the product training uses), then the
 * activation of {@link Sae#activate} and a sparse decode with the dictionary computed once. Same function as
 * {@link Sae#forward}; values differ from it by float rounding only, since the GEMM sums in another order (a TopK
 * selection can therefore differ where two pre-activations are within rounding of each other).
 *
 * <p>Not thread-safe; close it to stop the worker threads. The model must not change while an encoder uses it.
 */
public final class BatchEncoder implements AutoCloseable {
    private final Sae sae;
    private final int maxRows;
    private final KernelPool pool;
    private final Gemm gemm;
    private final Gemm.Workspace ws;
    private final float[] dict;
    private final float[] xin;
    private final ForwardRule rule; // imported models only, else null

    /**
     * @param maxRows largest batch {@link #forward} will be given
     * @param threads threads for the product (the caller's included)
     */
    public BatchEncoder(Sae sae, int maxRows, int threads) {
        if (maxRows <= 0) {
            throw new IllegalArgumentException("maxRows must be positive: " + maxRows);
        }
        this.sae = sae;
        this.maxRows = maxRows;
        this.pool = new KernelPool(threads);
        this.gemm = VectorizationProvider.getInstance().gemm();
        this.ws = gemm.newWorkspace(sae.latents(), sae.dim());
        gemm.packW(sae.wEnc(), 0, ws, pool);
        this.dict = sae.dictionary();
        this.rule = sae.rule();
        boolean rowNorm = rule != null && rule.norm() != ForwardRule.RowNorm.NONE;
        this.xin = sae.config().preEncoderBias() || rowNorm ? new float[maxRows * sae.dim()] : null;
    }

    /** Pre-activations, codes and reconstruction of {@code rows} rows of {@code x} (row-major, width d). */
    public Sae.Forward forward(float[] x, int rows) {
        int d = sae.dim();
        int n = sae.latents();
        if (rows < 0 || rows > maxRows || x.length < (long) rows * d) {
            throw new IllegalArgumentException("batch of " + rows + " rows (" + x.length + " values); this encoder"
                    + " takes up to " + maxRows + " rows of " + d);
        }
        float[] in = x;
        if (xin != null) {
            System.arraycopy(x, 0, xin, 0, rows * d);
            if (rule != null) {
                rule.normalize(xin, 0, rows, d);
            }
            if (sae.config().preEncoderBias()) {
                float[] bDec = sae.bDec();
                for (int b = 0; b < rows; b++) {
                    for (int i = 0; i < d; i++) {
                        xin[b * d + i] -= bDec[i];
                    }
                }
            }
            in = xin;
        }
        float[] pre = new float[rows * n];
        if (rows > 0) {
            gemm.multTransB(in, 0, rows, ws, sae.bEnc(), 0, pre, 0, pool);
        }
        float[] z = sae.activate(pre, rows);
        float[] xhat = new float[rows * d];
        sae.decodeWith(dict, z, rows, xhat);
        if (rule != null) {
            rule.denormalize(xhat, 0, x, 0, rows, d);
        }
        return new Sae.Forward(pre, z, xhat);
    }

    @Override
    public void close() {
        pool.close();
    }
}
