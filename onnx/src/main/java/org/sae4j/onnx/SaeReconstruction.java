package org.sae4j.onnx;

import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.LoadedModel;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.Sae;

/**
 * {@code x̂ = decode(encode(x))} of hook rows in the hook's own units, for a model read in any format: its input
 * standardisation applied before and undone after, as {@code sae4j eval} measures it.
 */
public final class SaeReconstruction implements SpliceEvaluator.Replacement {
    private final Sae sae;
    private final SaeEncoder encoder;
    private final boolean rowNorm;
    private final org.sae4j.model.Standardizer standardizer;

    public SaeReconstruction(LoadedModel model, KernelPool pool) {
        this.sae = model.sae();
        this.standardizer = model.standardizer();
        this.encoder = SaeEncoder.of(sae, standardizer, pool);
        this.rowNorm = sae.rule() != null && sae.rule().norm() != ForwardRule.RowNorm.NONE;
    }

    @Override
    public int width() {
        return sae.dim();
    }

    @Override
    public void apply(float[] x, int rows, float[] out) {
        int d = sae.dim();
        if (rowNorm) {
            // A per-row normalising model maps x̂ back with the row's own statistics: the single-row path does.
            float[] row = new float[d];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(x, r * d, row, 0, d);
                System.arraycopy(encoder.reconstruct(row), 0, out, r * d, d);
            }
            return;
        }
        float[] z = new float[rows * sae.latents()];
        encoder.encodeDense(x, rows, z); // batch GEMM; the encoder standardises the input and un-does it on decode
        encoder.decodeDense(z, rows, out);
    }
}
