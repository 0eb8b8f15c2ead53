package org.sae4j.kernels;

/** Scalar twin of {@link PanamaAdamUpdate}; also the reference step's optimizer. */
public final class ScalarAdamUpdate implements AdamUpdate {

    @Override
    public void update(float[] p, float[] m, float[] v, int off, float[] g, int gOff, int len, float scale, Step s) {
        float oneMinusB1 = s.oneMinusBeta1();
        float oneMinusB2 = s.oneMinusBeta2();
        for (int i = 0; i < len; i++) {
            float gi = g[gOff + i] * scale;
            float mi = m[off + i] + oneMinusB1 * (gi - m[off + i]);
            float vi = v[off + i] * s.beta2() + oneMinusB2 * gi * gi;
            m[off + i] = mi;
            v[off + i] = vi;
            p[off + i] -= s.stepSize() * (mi / ((float) Math.sqrt(vi) / s.bc2Sqrt() + s.eps()));
        }
    }
}
