package org.sae4j.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * {@link PanamaGemm} against its scalar twin {@link ScalarGemm} for every product, over shapes with tails at lane,
 * panel and tile boundaries, offsets, 1..3 threads and with/without bias; plus the {@link Gemm.Epilogue} contract
 * for both implementations.
 */
class GemmProperties {
    private static final KernelPool[] POOLS = {new KernelPool(1), new KernelPool(2), new KernelPool(3)};
    private static final Gemm SCALAR = new ScalarGemm();
    private static final Gemm PANAMA = new PanamaGemm();

    @AfterContainer
    static void closePools() {
        for (KernelPool p : POOLS) {
            p.close();
        }
    }

    private static KernelPool pool(int threads) {
        return POOLS[threads - 1];
    }

    /** Panama with the default column blocks, or with tiny ones (1..3 panels) to cross many block boundaries. */
    private static Gemm panama(int blockPanels, int d) {
        return blockPanels == 0 ? PANAMA
                : new PanamaGemm(blockPanels * 4 * PanamaGemm.NR * d, PanamaGemm.KB, PanamaGemm.A_BUDGET);
    }

    /**
     * Panama with the default reduction and A blocks, or a tiny reduction block (so the accumulate-into-C path runs
     * too) with A blocks of 1..3 tiles (to cross A-block boundaries).
     */
    private static Gemm panamaKb(int kb, int aTiles) {
        int tileBytes = 4 * (PanamaGemm.MR * kb + PanamaGemm.NR / 3);
        return kb == 0 ? PANAMA : new PanamaGemm(PanamaGemm.L2_BUDGET, kb, aTiles * tileBytes);
    }

    // Sizes one either side of lane (8/16), panel (24/48) and tile (4/8) boundaries, plus small randoms.
    @Provide
    Arbitrary<Integer> batch() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 25, 33),
                Arbitraries.integers().between(1, 40));
    }

    @Provide
    Arbitrary<Integer> latents() {
        return Arbitraries.oneOf(Arbitraries.of(1, 15, 16, 17, 23, 24, 25, 47, 48, 49, 63, 65, 95, 97, 145),
                Arbitraries.integers().between(1, 160));
    }

    @Provide
    Arbitrary<Integer> dim() {
        return Arbitraries.oneOf(Arbitraries.of(1, 7, 15, 16, 17, 33, 47, 48, 49, 63, 65, 767),
                Arbitraries.integers().between(1, 130));
    }

    private static float[] uniform(Random r, int len) {
        float[] a = new float[len];
        for (int i = 0; i < len; i++) {
            a[i] = r.nextFloat() * 2f - 1f;
        }
        return a;
    }

    // Entries in [-1, 1): a length-m dot product of float rounding errors stays far below 1e-5·m, while a missing
    // or misplaced term is ~1/3 on average.
    private static void assertClose(String what, float[] expected, float[] actual, int reduction) {
        double tol = 1e-5 * (reduction + 1);
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail("%s: index %d expected %s but was %s (tol %s)", what, i, expected[i], actual[i], tol);
            }
        }
    }

    @Property(tries = 120)
    void multTransBMatchesScalar(@ForAll("batch") int batch, @ForAll("latents") int n, @ForAll("dim") int d,
                                 @ForAll @IntRange(min = 0, max = 5) int xOff,
                                 @ForAll @IntRange(min = 0, max = 3) int cOff,
                                 @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll boolean withBias,
                                 @ForAll @IntRange(min = 0, max = 3) int blockPanels, @ForAll long seed) {
        Random r = new Random(seed);
        int wOff = r.nextInt(4);
        float[] x = uniform(r, xOff + batch * d);
        float[] w = uniform(r, wOff + n * d);
        float[] bias = withBias ? uniform(r, 2 + n) : null;
        Gemm panama = panama(blockPanels, d);
        Gemm.Workspace sw = SCALAR.newWorkspace(n, d);
        Gemm.Workspace pw = panama.newWorkspace(n, d);
        SCALAR.packW(w, wOff, sw, pool(threads));
        panama.packW(w, wOff, pw, pool(threads));
        float[] expected = new float[cOff + batch * n];
        float[] actual = new float[cOff + batch * n];
        SCALAR.multTransB(x, xOff, batch, sw, bias, 2, expected, cOff, pool(threads));
        panama.multTransB(x, xOff, batch, pw, bias, 2, actual, cOff, pool(threads));
        assertClose("X·Wᵀ", expected, actual, d);

        // Training repacks every step: a second W must fully replace the first (and padding must stay zero).
        float[] w2 = uniform(r, wOff + n * d);
        SCALAR.packW(w2, wOff, sw, null);
        panama.packW(w2, wOff, pw, pool(threads));
        SCALAR.multTransB(x, xOff, batch, sw, bias, 2, expected, cOff, null);
        panama.multTransB(x, xOff, batch, pw, bias, 2, actual, cOff, pool(threads));
        assertClose("X·W2ᵀ after repack", expected, actual, d);
    }

    @Property(tries = 80)
    void multTransAMatchesScalar(@ForAll("batch") int batch, @ForAll("latents") int n, @ForAll("dim") int d,
                                 @ForAll @IntRange(min = 0, max = 5) int gOff,
                                 @ForAll @IntRange(min = 0, max = 3) int cOff,
                                 @ForAll @IntRange(min = 1, max = 3) int threads,
                                 @ForAll @IntRange(min = 0, max = 9) int kb,
                                 @ForAll @IntRange(min = 1, max = 3) int aTiles, @ForAll long seed) {
        Gemm panama = panamaKb(kb, aTiles);
        Random r = new Random(seed);
        int xOff = r.nextInt(4);
        float[] g = uniform(r, gOff + batch * n);
        float[] x = uniform(r, xOff + batch * d);
        float[] expected = new float[cOff + n * d];
        float[] actual = uniform(r, cOff + n * d); // garbage in C must be overwritten, not accumulated
        System.arraycopy(actual, 0, expected, 0, cOff);
        SCALAR.multTransA(g, gOff, x, xOff, batch, expected, cOff, SCALAR.newWorkspace(n, d), pool(threads));
        panama.multTransA(g, gOff, x, xOff, batch, actual, cOff, panama.newWorkspace(n, d), pool(threads));
        assertClose("Gᵀ·X", expected, actual, batch);
    }

    @Property(tries = 80)
    void multMatchesScalar(@ForAll("batch") int batch, @ForAll("latents") int n, @ForAll("dim") int d,
                           @ForAll @IntRange(min = 0, max = 5) int gOff,
                           @ForAll @IntRange(min = 0, max = 3) int cOff,
                           @ForAll @IntRange(min = 1, max = 3) int threads,
                           @ForAll @IntRange(min = 0, max = 9) int kb,
                           @ForAll @IntRange(min = 1, max = 3) int aTiles, @ForAll long seed) {
        Gemm panama = panamaKb(kb, aTiles);
        Random r = new Random(seed);
        int wOff = r.nextInt(4);
        float[] g = uniform(r, gOff + batch * n);
        float[] w = uniform(r, wOff + n * d);
        float[] expected = new float[cOff + batch * d];
        float[] actual = uniform(r, cOff + batch * d);
        System.arraycopy(actual, 0, expected, 0, cOff);
        SCALAR.mult(g, gOff, w, wOff, batch, expected, cOff, SCALAR.newWorkspace(n, d), pool(threads));
        panama.mult(g, gOff, w, wOff, batch, actual, cOff, panama.newWorkspace(n, d), pool(threads));
        assertClose("G·W", expected, actual, n);
    }

    /**
     * The epilogue sees every element exactly once, with the values the storing call writes, each row from one
     * thread in increasing, gap-free column order; per-thread positive counts add up to the stored result's.
     */
    @Property(tries = 80)
    void epilogueReassemblesTheProductInContractOrder(
            @ForAll("batch") int batch, @ForAll("latents") int n, @ForAll("dim") int d,
            @ForAll @IntRange(min = 1, max = 3) int threads, @ForAll boolean withBias, @ForAll boolean scalar,
            @ForAll @IntRange(min = 0, max = 3) int blockPanels, @ForAll long seed) {
        Random r = new Random(seed);
        Gemm gemm = scalar ? SCALAR : panama(blockPanels, d);
        float[] x = uniform(r, batch * d);
        float[] w = uniform(r, n * d);
        float[] bias = withBias ? uniform(r, n) : null;
        Gemm.Workspace ws = gemm.newWorkspace(n, d);
        gemm.packW(w, 0, ws, pool(threads));
        float[] stored = new float[batch * n];
        gemm.multTransB(x, 0, batch, ws, bias, 0, stored, 0, pool(threads));

        float[] reassembled = new float[batch * n];
        Arrays.fill(reassembled, Float.NaN);
        int[] nextCol = new int[batch];
        int[] owner = new int[batch];
        Arrays.fill(owner, -1);
        int[][] fires = new int[threads][n];
        String[] violation = new String[threads];
        gemm.multTransB(x, 0, batch, ws, bias, 0, (t, row0, rows, col0, cols, buf, off, ld) -> {
            for (int i = 0; i < rows; i++) {
                int row = row0 + i;
                // Each row is only touched by its owning thread, so these plain arrays need no locks.
                if (owner[row] == -1) {
                    owner[row] = t;
                }
                if (owner[row] != t || nextCol[row] != col0 || cols < 1) {
                    violation[t] = "row " + row + " thread " + t + " (owner " + owner[row] + ") col0 " + col0
                            + " expected " + nextCol[row];
                }
                nextCol[row] = col0 + cols;
                for (int j = 0; j < cols; j++) {
                    float v = buf[off + i * ld + j];
                    reassembled[row * n + col0 + j] = v;
                    if (v > 0) {
                        fires[t][col0 + j]++;
                    }
                }
            }
        }, pool(threads));
        for (String v : violation) {
            assertThat(v).as("order violation").isNull();
        }
        for (int row = 0; row < batch; row++) {
            assertThat(nextCol[row]).as("row %d covered up to n", row).isEqualTo(n);
        }
        assertThat(reassembled).containsExactly(stored);
        int[] expectedFires = new int[n];
        for (int i = 0; i < stored.length; i++) {
            if (stored[i] > 0) {
                expectedFires[i % n]++;
            }
        }
        int[] summed = new int[n];
        for (int[] perThread : fires) {
            for (int j = 0; j < n; j++) {
                summed[j] += perThread[j];
            }
        }
        assertThat(summed).containsExactly(expectedFires);
    }

    @Example
    void oneByOneByOne() {
        for (Gemm g : new Gemm[] {SCALAR, PANAMA}) {
            Gemm.Workspace ws = g.newWorkspace(1, 1);
            g.packW(new float[] {3f}, 0, ws, null);
            float[] c = new float[1];
            g.multTransB(new float[] {2f}, 0, 1, ws, new float[] {0.5f}, 0, c, 0, null);
            assertThat(c[0]).isEqualTo(6.5f);
            g.multTransA(new float[] {2f}, 0, new float[] {3f}, 0, 1, c, 0, ws, pool(2));
            assertThat(c[0]).isEqualTo(6f);
            g.mult(new float[] {2f}, 0, new float[] {4f}, 0, 1, c, 0, ws, pool(3));
            assertThat(c[0]).isEqualTo(8f);
        }
    }

    @Example
    void providerGemmIsTheRequestedKind() {
        VectorizationProvider p = VectorizationProvider.getInstance();
        Class<?> expected = p.name().equals("panama") ? PanamaGemm.class : ScalarGemm.class;
        assertThat(p.gemm()).isInstanceOf(expected);
    }

    @Example
    void refusesForeignWorkspacesAndShortArrays() {
        Gemm.Workspace scalarWs = SCALAR.newWorkspace(4, 4);
        assertThatThrownBy(() -> PANAMA.packW(new float[16], 0, scalarWs, null))
                .isInstanceOf(IllegalArgumentException.class);
        Gemm.Workspace ws = PANAMA.newWorkspace(4, 4);
        assertThatThrownBy(() -> PANAMA.packW(new float[15], 0, ws, null))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PANAMA.multTransB(new float[8], 0, 2, ws, null, 0, new float[7], 0, null))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> PANAMA.newWorkspace(0, 4)).isInstanceOf(IllegalArgumentException.class);
    }
}
