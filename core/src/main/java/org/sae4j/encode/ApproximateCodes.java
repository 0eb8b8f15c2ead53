package org.sae4j.encode;

import org.sae4j.encode.select.RowTopK;
import org.sae4j.kernels.ThresholdSelect;

/**
 * The approximate modes' codes of one prepared row: the compressed copy's pre-activations
 * ({@link ScreenedEncoder#preActivations}), then the float32 path's bounded selection over them — a {@link RowTopK}
 * fed block by block, values strictly above their threshold, value descending, ties to the lower index. Scratch is
 * kept between rows, so one instance serves a batch; not thread-safe.
 */
final class ApproximateCodes {
    private static final int BLOCK = 256;

    private final EncoderWeights w;
    private final ScreenedEncoder screen;
    private final ThresholdSelect select;
    private final float[] pre;
    private final int[] cand = new int[BLOCK];
    private final RowTopK heap;

    /** For rows keeping at most {@code limit} codes. */
    ApproximateCodes(EncoderWeights w, ScreenedEncoder screen, ThresholdSelect select, int limit) {
        this.w = w;
        this.screen = screen;
        this.select = select;
        this.pre = new float[w.n];
        this.heap = new RowTopK(1, Math.min(limit, w.n));
    }

    /** Codes of {@code in} (prepared) into {@code idx/val[off ..]} best first; returns how many. */
    int encode(float[] in, int[] idx, float[] val, int off) {
        screen.preActivations(in, pre);
        heap.reset(1, heap.cap());
        for (int j0 = 0; j0 < w.n; j0 += BLOCK) {
            w.offer(heap, select, j0, pre, j0, Math.min(BLOCK, w.n - j0), cand);
        }
        return heap.drainSorted(0, idx, val, off);
    }
}
