package org.sae4j.train;

import org.sae4j.Sae;

/** Optimizer moments per parameter tensor (same order as {@link Sae#tensors()}) and the number of steps taken. */
public final class OptimizerState {
    /** Steps taken so far; Adam's bias correction uses {@code step} after incrementing. */
    public long step;
    public final float[][] m;
    public final float[][] v;

    public OptimizerState(Sae sae) {
        float[][] t = sae.tensors();
        m = new float[t.length][];
        v = new float[t.length][];
        for (int i = 0; i < t.length; i++) {
            m[i] = new float[t[i].length];
            v[i] = new float[t[i].length];
        }
    }
}
