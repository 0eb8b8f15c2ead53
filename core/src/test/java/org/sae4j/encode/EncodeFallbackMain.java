package org.sae4j.encode;

import java.util.ArrayList;
import java.util.List;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.model.Activation;

/**
 * Encodes fixed inputs with a fixed model and prints the provider and the codes, one line per row and path
 * ({@code single|batch row index=value ...}). {@link ScalarFallbackTest} runs it in a JVM without the Vector API.
 */
public final class EncodeFallbackMain {
    static final int D = 48;
    static final int N = 300;
    static final int K = 6;
    static final int ROWS = 20;

    private EncodeFallbackMain() {
    }

    public static void main(String[] args) {
        System.out.println("provider " + VectorizationProvider.getInstance().name());
        for (String line : lines()) {
            System.out.println(line);
        }
    }

    static List<String> lines() {
        SaeEncoder enc = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, N, K, true, 23));
        float[] x = EncoderFixtures.gaussian(ROWS * D, 24);
        List<String> out = new ArrayList<>();
        for (int b = 0; b < ROWS; b++) {
            SparseCode c = enc.encode(java.util.Arrays.copyOfRange(x, b * D, (b + 1) * D));
            StringBuilder sb = new StringBuilder("single " + b);
            for (int q = 0; q < c.size(); q++) {
                sb.append(' ').append(c.index(q)).append('=').append(c.value(q));
            }
            out.add(sb.toString());
        }
        int[] idx = new int[ROWS * K];
        float[] val = new float[ROWS * K];
        enc.encode(x, ROWS, idx, val, K);
        for (int b = 0; b < ROWS; b++) {
            StringBuilder sb = new StringBuilder("batch " + b);
            for (int q = b * K; q < (b + 1) * K && idx[q] >= 0; q++) {
                sb.append(' ').append(idx[q]).append('=').append(val[q]);
            }
            out.add(sb.toString());
        }
        return out;
    }
}
