package org.sae4j.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Vector API twin of {@link ScalarAdamUpdate}: the same operations lane by lane (no FMA, so results match). */
final class PanamaAdamUpdate implements AdamUpdate {
    private static final VectorSpecies<Float> S = PanamaSpecies.FLOAT;
    private final ScalarAdamUpdate tail = new ScalarAdamUpdate();

    @Override
    public void update(float[] p, float[] m, float[] v, int off, float[] g, int gOff, int len, float scale, Step s) {
        float oneMinusB1 = s.oneMinusBeta1();
        float oneMinusB2 = s.oneMinusBeta2();
        int bound = S.loopBound(len);
        int i = 0;
        for (; i < bound; i += S.length()) {
            FloatVector gi = FloatVector.fromArray(S, g, gOff + i).mul(scale);
            FloatVector m0 = FloatVector.fromArray(S, m, off + i);
            FloatVector mi = m0.add(gi.sub(m0).mul(oneMinusB1));
            FloatVector vi = FloatVector.fromArray(S, v, off + i).mul(s.beta2()).add(gi.mul(oneMinusB2).mul(gi));
            mi.intoArray(m, off + i);
            vi.intoArray(v, off + i);
            FloatVector denom = vi.sqrt().div(s.bc2Sqrt()).add(s.eps());
            FloatVector.fromArray(S, p, off + i).sub(mi.div(denom).mul(s.stepSize())).intoArray(p, off + i);
        }
        if (i < len) {
            tail.update(p, m, v, off + i, g, gOff + i, len - i, scale, s);
        }
    }
}
