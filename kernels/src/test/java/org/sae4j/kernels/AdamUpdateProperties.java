package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link PanamaAdamUpdate} against its twin {@link ScalarAdamUpdate}: the same float operations, so bit-equal. */
class AdamUpdateProperties {

    @Property(tries = 200)
    void panamaEqualsScalarBitForBit(@ForAll @IntRange(min = 0, max = 1100) int len,
                                     @ForAll @IntRange(min = 0, max = 9) int off,
                                     @ForAll @IntRange(min = 1, max = 50) int t, @ForAll long seed) {
        Random r = new Random(seed);
        float[] p = new float[len + off];
        float[] m = new float[len + off];
        float[] v = new float[len + off];
        float[] g = new float[len + 3];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
            m[i] = (float) r.nextGaussian() * 0.1f;
            v[i] = r.nextFloat() * 0.01f;
        }
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) r.nextGaussian() * (r.nextBoolean() ? 1e-3f : 1f);
        }
        float[] p2 = p.clone();
        float[] m2 = m.clone();
        float[] v2 = v.clone();
        AdamUpdate.Step s = AdamUpdate.Step.of(1e-3, 0.9, 0.999, 1e-8, t);
        float scale = r.nextBoolean() ? 1f : r.nextFloat();
        new ScalarAdamUpdate().update(p, m, v, off, g, 3, len, scale, s);
        new PanamaAdamUpdate().update(p2, m2, v2, off, g, 3, len, scale, s);
        assertThat(p2).containsExactly(p);
        assertThat(m2).containsExactly(m);
        assertThat(v2).containsExactly(v);
    }
}
