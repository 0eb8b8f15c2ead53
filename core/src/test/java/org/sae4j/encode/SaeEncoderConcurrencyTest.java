package org.sae4j.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.sae4j.model.Activation;

/** One shared {@link SaeEncoder}, 8 threads × 10 000 encodes: every result equals the single-threaded one exactly. */
class SaeEncoderConcurrencyTest {
    private static final int D = 32;
    private static final int N = 256;
    private static final int K = 8;
    private static final int INPUTS = 64;
    private static final int BATCH = 16;
    private static final int THREADS = 8;
    private static final int ENCODES = 10_000;

    @Test
    void sharedEncoderGivesTheSingleThreadedResults() throws Exception {
        SaeEncoder enc = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, N, K, true, 17));
        float[] x = EncoderFixtures.gaussian(INPUTS * D, 18);
        SparseCode[] single = new SparseCode[INPUTS];
        for (int i = 0; i < INPUTS; i++) {
            single[i] = enc.encode(row(x, i));
        }
        int[] batchIdx = new int[INPUTS * K];
        float[] batchVal = new float[INPUTS * K];
        enc.encode(x, INPUTS, batchIdx, batchVal, K);

        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int seed = t;
                done.add(pool.submit(() -> {
                    int[] idx = new int[BATCH * K];
                    float[] val = new float[BATCH * K];
                    start.await();
                    int checked = 0;
                    for (int e = 0; e < ENCODES; e++) {
                        int i = (e * 7 + seed * 13) % INPUTS;
                        if (e % 100 == seed) {
                            // A batch now and then, so batch products (serialised) overlap lock-free single encodes.
                            int r0 = i % (INPUTS - BATCH + 1);
                            enc.encode(Arrays.copyOfRange(x, r0 * D, (r0 + BATCH) * D), BATCH, idx, val, K);
                            assertThat(idx).isEqualTo(Arrays.copyOfRange(batchIdx, r0 * K, (r0 + BATCH) * K));
                            assertThat(val).isEqualTo(Arrays.copyOfRange(batchVal, r0 * K, (r0 + BATCH) * K));
                        } else {
                            assertThat(enc.encode(row(x, i))).isEqualTo(single[i]);
                        }
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertThat(total).isEqualTo(THREADS * ENCODES);
        } finally {
            pool.shutdownNow();
        }
    }

    private static float[] row(float[] x, int i) {
        return Arrays.copyOfRange(x, i * D, (i + 1) * D);
    }
}
