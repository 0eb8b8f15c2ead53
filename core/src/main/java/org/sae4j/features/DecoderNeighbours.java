package org.sae4j.features;

import java.util.Arrays;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.kernels.Gemm;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;

/**
 * Each latent's nearest latents by the cosine of their decoder directions, on the GEMM kernels: the unit
 * directions {@code U} (latents × d) are multiplied by {@code Uᵀ} in blocks of {@value #BLOCK} rows, and each row of
 * a block keeps its best {@code k} (larger cosine first, then the lower index; itself excluded).
 *
 * <p>A direction is what the latent adds to a reconstruction, {@code decode(e_j) − decode(0)}, taken from
 * {@link SaeEncoder}'s decoder, so it is in the data's units (the decoder row, scaled back by the model's
 * standardisation when it has one). A latent with a zero direction has no neighbours (index −1, cosine 0).
 */
public final class DecoderNeighbours {
    private static final int BLOCK = 256;

    /** @param indices latents × k, padding −1; @param cosines latents × k, padding 0 */
    public record Result(int k, int[] indices, float[] cosines) {
    }

    private DecoderNeighbours() {
    }

    public static Result compute(SaeEncoder enc, int k) {
        int n = enc.latents();
        int d = enc.outDim(); // decoder directions live in the output space (a transcoder's target)
        int kk = Math.min(k, n - 1);
        float[] u = directions(enc);
        boolean[] zero = new boolean[n];
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += (double) u[j * d + i] * u[j * d + i];
            }
            zero[j] = s == 0;
            float inv = s == 0 ? 0f : (float) (1 / Math.sqrt(s));
            for (int i = 0; i < d; i++) {
                u[j * d + i] *= inv;
            }
        }
        int[] idx = new int[n * k];
        float[] cos = new float[n * k];
        Arrays.fill(idx, -1);
        if (kk <= 0) {
            return new Result(k, idx, cos);
        }
        Gemm gemm = VectorizationProvider.getInstance().gemm();
        KernelPool pool = KernelPool.common();
        Gemm.Workspace ws = gemm.newWorkspace(n, d);
        gemm.packW(u, 0, ws, pool);
        int block = Math.min(BLOCK, n);
        float[] c = new float[block * n];
        int[] bi = new int[kk];
        float[] bv = new float[kk];
        for (int r0 = 0; r0 < n; r0 += block) {
            int br = Math.min(block, n - r0);
            gemm.multTransB(u, r0 * d, br, ws, null, 0, c, 0, pool);
            for (int r = 0; r < br; r++) {
                int j = r0 + r;
                if (zero[j]) {
                    continue;
                }
                int got = best(c, r * n, n, j, zero, bi, bv);
                System.arraycopy(bi, 0, idx, j * k, got);
                System.arraycopy(bv, 0, cos, j * k, got);
            }
        }
        return new Result(k, idx, cos);
    }

    /** The best {@code bi.length} of one row of cosines (larger first, then the lower index), skipping {@code self}. */
    private static int best(float[] c, int off, int n, int self, boolean[] zero, int[] bi, float[] bv) {
        int m = bi.length;
        int size = 0;
        for (int j = 0; j < n; j++) {
            if (j == self || zero[j]) {
                continue;
            }
            float v = Math.min(1f, Math.max(-1f, c[off + j]));
            if (size == m && !(v > bv[m - 1])) {
                continue; // j is larger than every kept index, so an equal cosine loses the tie
            }
            int p = size < m ? size++ : m - 1;
            while (p > 0 && v > bv[p - 1]) {
                bv[p] = bv[p - 1];
                bi[p] = bi[p - 1];
                p--;
            }
            bv[p] = v;
            bi[p] = j;
        }
        return size;
    }

    /** Row j = {@code decode(e_j) − decode(0)}: latents × d. */
    static float[] directions(SaeEncoder enc) {
        int n = enc.latents();
        int d = enc.outDim(); // decoder directions live in the output space (a transcoder's target)
        float[] out = new float[n * d];
        int rows = Math.min(n, 1024);
        int[] idx = new int[rows];
        float[] val = new float[rows];
        float[] base = new float[d];
        enc.decode(new int[] {-1}, new float[] {0f}, 1, 1, base);
        Arrays.fill(val, 1f);
        float[] part = new float[rows * d];
        for (int j0 = 0; j0 < n; j0 += rows) {
            int br = Math.min(rows, n - j0);
            for (int r = 0; r < br; r++) {
                idx[r] = j0 + r;
            }
            enc.decode(idx, val, br, 1, part);
            for (int r = 0; r < br; r++) {
                for (int i = 0; i < d; i++) {
                    out[(j0 + r) * d + i] = part[r * d + i] - base[i];
                }
            }
        }
        return out;
    }
}
