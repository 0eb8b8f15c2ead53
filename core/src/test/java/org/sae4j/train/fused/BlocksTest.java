package org.sae4j.train.fused;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The row and latent partitions cover everything once, in whole blocks, for any number of parts. */
class BlocksTest {

    @Property(tries = 300)
    void rowSharesAreWholeBlocksCoveringEveryRowOnce(@ForAll @IntRange(min = 0, max = 5000) int rows,
                                                     @ForAll @IntRange(min = 1, max = 64) int parts) {
        assertThat(Blocks.rowLo(rows, 0, parts)).isZero();
        assertThat(Blocks.rowLo(rows, parts, parts)).isEqualTo(rows);
        for (int t = 0; t < parts; t++) {
            int lo = Blocks.rowLo(rows, t, parts);
            int hi = Blocks.rowLo(rows, t + 1, parts);
            assertThat(hi).isGreaterThanOrEqualTo(lo);
            assertThat(lo % Blocks.ROWS == 0 || lo == rows).isTrue();
        }
    }

    @Property(tries = 300)
    void latentSharesAreWholeBlocksCoveringEveryLatentOnce(@ForAll @IntRange(min = 1, max = 70000) int n,
                                                           @ForAll @IntRange(min = 1, max = 64) int parts) {
        assertThat(Blocks.latentLo(n, 0, parts)).isZero();
        assertThat(Blocks.latentLo(n, parts, parts)).isEqualTo(n);
        for (int t = 0; t < parts; t++) {
            int lo = Blocks.latentLo(n, t, parts);
            assertThat(Blocks.latentLo(n, t + 1, parts)).isGreaterThanOrEqualTo(lo);
            assertThat(lo % Blocks.LATENTS == 0 || lo == n).isTrue();
        }
    }

    @Property(tries = 100)
    void mergeAddsBlocksInOrder(@ForAll @IntRange(min = 1, max = 9) int blocks, @ForAll @IntRange(min = 1, max = 7) int d) {
        double[] blk = new double[blocks * d];
        double[] expected = new double[d];
        for (int k = 0; k < blocks; k++) {
            for (int i = 0; i < d; i++) {
                blk[k * d + i] = Math.scalb(1.0, k * 7 - 20) + i; // sums whose order shows in the rounding
                expected[i] += blk[k * d + i];
            }
        }
        double[] out = new double[d];
        out[0] = 123; // merge overwrites
        Blocks.merge(blk, blocks, d, out);
        assertThat(out).containsExactly(expected);
    }
}
