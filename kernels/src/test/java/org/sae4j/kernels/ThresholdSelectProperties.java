package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link PanamaThresholdSelect} against its twin {@link ScalarThresholdSelect}: the same positions, exactly. */
class ThresholdSelectProperties {
    private final ThresholdSelect scalar = new ScalarThresholdSelect();
    private final ThresholdSelect panama = new PanamaThresholdSelect();

    private static float[] values(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            // Repeated values and exact ties with the threshold are the interesting cases.
            a[i] = r.nextInt(4) == 0 ? 0.5f : (float) r.nextGaussian();
        }
        return a;
    }

    @Property(tries = 300)
    void sameIndicesAsScalar(@ForAll @IntRange(min = 0, max = 1100) int len,
                             @ForAll @IntRange(min = 0, max = 17) int off, @ForAll long seed) {
        Random r = new Random(seed);
        float[] a = values(r, len + off);
        float threshold = r.nextBoolean() ? 0.5f : (float) r.nextGaussian() * 2;
        int[] i1 = new int[len + 3];
        int[] i2 = new int[len + 3];
        int c1 = scalar.above(a, off, len, threshold, i1, 3);
        int c2 = panama.above(a, off, len, threshold, i2, 3);
        assertThat(c2).isEqualTo(c1);
        assertThat(Arrays.copyOfRange(i2, 3, 3 + c2)).containsExactly(Arrays.copyOfRange(i1, 3, 3 + c1));
        for (int q = 0; q < c1; q++) {
            assertThat(a[off + i1[3 + q]]).isGreaterThan(threshold);
        }

        float[] t = values(r, len + 5);
        c1 = scalar.aboveEach(a, off, len, t, 5, i1, 0);
        c2 = panama.aboveEach(a, off, len, t, 5, i2, 0);
        assertThat(Arrays.copyOf(i2, c2)).containsExactly(Arrays.copyOf(i1, c1));
    }
}
