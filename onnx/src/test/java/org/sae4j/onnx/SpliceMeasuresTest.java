package org.sae4j.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The arithmetic of the downstream measures on hand-made outputs, where the answer is known. */
class SpliceMeasuresTest {
    private static TextTokenizer.Tokens doc(long... ids) {
        return new TextTokenizer.Tokens(ids, new long[ids.length], new boolean[ids.length], new String[ids.length],
                false);
    }

    @Test
    void neighboursAndOverlapOnPoints() {
        // four unit vectors on a circle at 0°, 10°, 90°, 100°: 0's nearest is 1, 2's nearest is 3
        float[][] e = new float[4][];
        double[] deg = {0, 10, 90, 100};
        for (int i = 0; i < 4; i++) e[i] = new float[] {(float) Math.cos(Math.toRadians(deg[i])),
                (float) Math.sin(Math.toRadians(deg[i]))};
        int[][] nn = SpliceMeasures.neighbours(e, 1);
        assertThat(nn).isDeepEqualTo(new int[][] {{1}, {0}, {3}, {2}});
        int[][] swapped = {{2}, {0}, {3}, {1}}; // two of four lists agree
        assertThat(SpliceMeasures.overlap(nn, swapped, 1)).isEqualTo(0.5);
    }

    @Test
    void pooledIsTheNormalisedMeanOverRealTokensOnly() {
        // one document of 2 tokens in a batch padded to 3: the padding row must not count
        float[] y = {3, 0, 3, 8, 100, 100};
        float[] e = SpliceMeasures.pooled(y, 0, 3, 2, 2); // mean (3, 4), norm 5
        assertThat((double) e[0]).isCloseTo(0.6, Offset.offset(1e-7));
        assertThat((double) e[1]).isCloseTo(0.8, Offset.offset(1e-7));
    }

    @Test
    void ceAndKlOfKnownDistributions() {
        // vocabulary 2; clean logits (0, 0): p = (½, ½); spliced logits (ln 3, 0): q = (¾, ¼); next token 1
        float[] clean = {0, 0, 0, 0};
        float[] spliced = {(float) Math.log(3), 0, 0, 0};
        SpliceMeasures m = new SpliceMeasures(SpliceMeasures.Kind.LOGITS, 3, 1);
        m.observe(List.of(doc(0, 1)), new int[] {0}, 2, 2, clean, new float[][] {spliced, clean, spliced});
        List<SpliceMeasure> out = m.finish(new int[1]);
        SpliceMeasure ce = out.get(0);
        SpliceMeasure kl = out.get(1);
        assertThat(m.count()).isEqualTo(1); // two tokens, one of them has a next token
        assertThat(ce.clean()).isCloseTo(Math.log(2), Offset.offset(1e-7));
        assertThat(ce.sae()).isCloseTo(Math.log(4), Offset.offset(1e-7));
        assertThat(ce.zero()).isCloseTo(Math.log(2), Offset.offset(1e-7));
        double klHalfQuarter = 0.5 * Math.log(0.5 / 0.75) + 0.5 * Math.log(0.5 / 0.25);
        assertThat(kl.sae()).isCloseTo(klHalfQuarter, Offset.offset(1e-7));
        assertThat(kl.zero()).isZero();
        assertThat(kl.recoveredVsZero()).isNaN(); // the "zero" run here is clean: nothing to recover
        assertThat(kl.recoveredVsMean()).isEqualTo(0.0); // the "mean" run here equals the SAE run: none recovered
    }
}
