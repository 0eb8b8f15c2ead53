package org.sae4j.encode.select;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.sae4j.kernels.ThresholdSelect;
import org.sae4j.kernels.VectorizationProvider;

/**
 * {@link RowTopK} fed in column blocks, with a floor, then drained, equals {@link TopK#select} over the whole row
 * restricted to values above the floor, sorted value descending then index ascending.
 */
class RowTopKProperties {
    private final ThresholdSelect select = VectorizationProvider.getInstance().thresholdSelect();

    @Property(tries = 200)
    void blockwiseTopKAboveAFloorEqualsTheWholeRowSelection(@ForAll @IntRange(min = 1, max = 700) int n,
                                                            @ForAll @IntRange(min = 1, max = 40) int k,
                                                            @ForAll @IntRange(min = 1, max = 300) int block,
                                                            @ForAll long seed) {
        Random r = new Random(seed);
        int rows = 3;
        int limit = Math.min(k, n);
        float floor = r.nextBoolean() ? 0f : Float.NEGATIVE_INFINITY;
        float[] m = new float[rows * n];
        for (int i = 0; i < m.length; i++) {
            // Few distinct values: ties at the k-th place are common.
            m[i] = r.nextInt(3) == 0 ? (float) (r.nextInt(5) - 2) : (float) r.nextGaussian();
        }
        RowTopK heaps = new RowTopK(rows, limit + r.nextInt(3));
        heaps.reset(rows, limit);
        int[] cand = new int[block];
        for (int c0 = 0; c0 < n; c0 += block) {
            for (int b = 0; b < rows; b++) {
                heaps.offerAbove(select, b, c0, m, b * n + c0, Math.min(block, n - c0), floor, cand);
            }
        }
        for (int b = 0; b < rows; b++) {
            double[] row = new double[n];
            for (int j = 0; j < n; j++) {
                row[j] = m[b * n + j];
            }
            boolean[] sel = new boolean[n];
            TopK.select(row, 0, n, limit, new double[n], sel);
            int want = 0;
            for (int j = 0; j < n; j++) {
                if (sel[j] && row[j] > floor) {
                    want++;
                }
            }
            int[] idx = new int[limit];
            float[] val = new float[limit];
            int got = heaps.drainSorted(b, idx, val, 0);
            assertThat(got).isEqualTo(want);
            assertThat(heaps.size(b)).isZero();
            for (int q = 0; q < got; q++) {
                assertThat(sel[idx[q]]).as("latent %d selected", idx[q]).isTrue();
                assertThat(val[q]).isEqualTo(m[b * n + idx[q]]).isGreaterThan(floor);
                if (q > 0) {
                    assertThat(val[q] < val[q - 1] || val[q] == val[q - 1] && idx[q] > idx[q - 1]).isTrue();
                }
            }
        }
    }
}
