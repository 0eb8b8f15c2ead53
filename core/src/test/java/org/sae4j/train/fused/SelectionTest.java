package org.sae4j.train.fused;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.random.Gaussian;

/**
 * The selection phase alone (as sparsify tests its fused encoder): after {@link Prepare} and {@link Selection}, the
 * codes by row are exactly the entries a brute-force selection over {@link Sae#preActivations} keeps — the k best
 * per row (TopK), the B·k best of the batch (BatchTopK), every positive one (ReLU), every one above θ − ε/2
 * (JumpReLU), the first maximum of each of the k groups of 25 (GroupMax, whose groups straddle the GEMM's column
 * blocks) — and {@link Codes#groupByLatent} indexes them by latent with the right dead mask.
 */
class SelectionTest {

    @ParameterizedTest(name = "{0} on {1} thread(s)")
    @CsvSource({"TOPK, 1", "TOPK, 2", "BATCHTOPK, 2", "RELU, 1", "RELU, 2", "JUMPRELU, 2", "GROUPMAX, 1",
            "GROUPMAX, 2"})
    void keepsWhatABruteForceSelectionKeeps(Activation act, int threads) {
        int d = 24;
        int n = 150;
        int rows = 37;
        int k = 6;
        SaeConfig cfg = new SaeConfig(d, n, act, k, true, true, 0.05, 0.05, 7);
        Sae sae = Sae.initialize(cfg);
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Gaussian.next(r);
        }
        sae.initDecoderBiasToMean(x, 0, rows);
        float[] pre = sae.preActivations(x, rows);

        VectorizationProvider p = VectorizationProvider.getInstance();
        try (KernelPool pool = new KernelPool(threads)) {
            RowBuffers buf = new RowBuffers(rows, d);
            LatentScales scales = new LatentScales(n, d, act, true, p.vectorOps());
            AuxK aux = new AuxK(sae, buf, scales, p.thresholdSelect(), p.vectorOps(), pool.threads());
            Selection sel = new Selection(sae, rows, pool.threads(), scales, aux, p.thresholdSelect());
            Codes codes = new Codes(rows, n, Selection.initialCodeCapacity(rows, n, pool.threads(), sel.candCap));
            PackedEncoder enc = new PackedEncoder(p.gemm(), sae.wEnc(), n, d);
            buf.bind(x, 0, rows);
            new Prepare(sae, buf, scales, p.vectorOps()).run(pool);
            aux.begin(0, 0, new boolean[n], 0, rows);
            enc.ensurePacked(pool);
            sel.encode(pool, buf, enc);
            sel.gather(pool, buf, enc, codes);

            List<List<Integer>> expected = bruteForce(act, pre, rows, n, k, scales, cfg.jumpReluBandwidth());
            int total = 0;
            for (int b = 0; b < rows; b++) {
                List<Integer> got = new ArrayList<>();
                for (int s = codes.rowPtr[b]; s < codes.rowPtr[b + 1]; s++) {
                    got.add(codes.idx[s]);
                    assertThat(codes.row[s]).isEqualTo(b);
                    assertThat(codes.val[s]).isCloseTo(pre[b * n + codes.idx[s]], within(1e-4f));
                }
                assertThat(got).as("row %d", b).containsExactlyInAnyOrderElementsOf(expected.get(b));
                total += got.size();
            }
            assertThat(codes.count).isEqualTo(total);

            boolean[] dead = new boolean[n];
            int deadCount = codes.groupByLatent(pool, scales, new int[n], dead);
            int seenDead = 0;
            for (int j = 0; j < n; j++) {
                boolean fired = false;
                int lastRow = -1;
                for (int q = codes.colPtr[j]; q < codes.colPtr[j + 1]; q++) {
                    int s = codes.byLatent[q];
                    assertThat(codes.idx[s]).isEqualTo(j);
                    assertThat(codes.row[s]).isGreaterThan(lastRow); // row order within a latent
                    lastRow = codes.row[s];
                    fired |= scales.isActive(codes.val[s], j);
                }
                assertThat(dead[j]).isEqualTo(!fired);
                seenDead += dead[j] ? 1 : 0;
            }
            assertThat(deadCount).isEqualTo(seenDead);
            assertThat(codes.colPtr[n]).isEqualTo(codes.count);
        }
    }

    private static List<List<Integer>> bruteForce(Activation act, float[] pre, int rows, int n, int k,
                                                  LatentScales scales, double eps) {
        List<List<Integer>> out = new ArrayList<>();
        for (int b = 0; b < rows; b++) {
            out.add(new ArrayList<>());
        }
        Comparator<Integer> byValue = Comparator.comparingDouble((Integer i) -> -pre[i]);
        switch (act) {
            case TOPK -> {
                for (int b = 0; b < rows; b++) {
                    List<Integer> all = new ArrayList<>();
                    for (int j = 0; j < n; j++) {
                        all.add(b * n + j);
                    }
                    all.sort(byValue);
                    for (int q = 0; q < k; q++) {
                        out.get(b).add(all.get(q) - b * n);
                    }
                }
            }
            case BATCHTOPK -> {
                List<Integer> all = new ArrayList<>();
                for (int i = 0; i < rows * n; i++) {
                    if (pre[i] > 0) {
                        all.add(i);
                    }
                }
                all.sort(byValue);
                for (int q = 0; q < Math.min(rows * k, all.size()); q++) {
                    out.get(all.get(q) / n).add(all.get(q) % n);
                }
            }
            case GROUPMAX -> {
                int size = n / k;
                for (int b = 0; b < rows; b++) {
                    for (int g = 0; g < k; g++) {
                        int best = g * size;
                        for (int j = best + 1; j < (g + 1) * size; j++) {
                            if (pre[b * n + j] > pre[b * n + best]) {
                                best = j;
                            }
                        }
                        out.get(b).add(best);
                    }
                }
            }
            case RELU, JUMPRELU -> {
                for (int b = 0; b < rows; b++) {
                    for (int j = 0; j < n; j++) {
                        double cut = act == Activation.RELU ? 0 : scales.theta[j] - eps / 2;
                        if (pre[b * n + j] > cut) {
                            out.get(b).add(j);
                        }
                    }
                }
            }
        }
        return out;
    }
}
