package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link Gemm#packRows} over any split of the rows, in any order, leaves the workspace exactly as {@link Gemm#packW}
 * does: the products from both are bit-equal. Both implementations.
 */
class GemmPackRowsProperties {

    @Property(tries = 150)
    void packingRowRangesEqualsPackingAll(@ForAll @IntRange(min = 1, max = 150) int n,
                                          @ForAll @IntRange(min = 1, max = 70) int d,
                                          @ForAll @IntRange(min = 1, max = 6) int pieces,
                                          @ForAll boolean panama, @ForAll long seed) {
        Gemm gemm = panama ? new PanamaGemm() : new ScalarGemm();
        Random r = new Random(seed);
        float[] w = new float[n * d + 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        Gemm.Workspace whole = gemm.newWorkspace(n, d);
        gemm.packW(w, 3, whole, null);
        Gemm.Workspace parts = gemm.newWorkspace(n, d);
        gemm.packW(new float[n * d + 3], 3, parts, null); // stale contents that every piece must overwrite
        List<int[]> ranges = new ArrayList<>();
        int start = 0;
        for (int p = 1; p <= pieces; p++) {
            int end = p == pieces ? n : start + r.nextInt(n - start + 1);
            ranges.add(new int[] {start, end});
            start = end;
        }
        Collections.shuffle(ranges, r);
        for (int[] range : ranges) {
            gemm.packRows(w, 3, range[0], range[1], parts);
        }
        int batch = 1 + r.nextInt(9);
        float[] x = new float[batch * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] c1 = new float[batch * n];
        float[] c2 = new float[batch * n];
        gemm.multTransB(x, 0, batch, whole, null, 0, c1, 0, null);
        gemm.multTransB(x, 0, batch, parts, null, 0, c2, 0, null);
        assertThat(c2).containsExactly(c1);
    }
}
