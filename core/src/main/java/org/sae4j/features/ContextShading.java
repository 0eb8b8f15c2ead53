package org.sae4j.features;

import java.util.Arrays;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;

/**
 * Latent j's activation at each context row around the rows the page shows for it ({@link FeatureData#shownRows}),
 * so the page can shade every token, not only the firing one. One pass over the distinct rows needed (at most the
 * whole data set, read in row order), each encoded exactly as {@link FeatureScan} does (every firing code).
 */
public final class ContextShading {
    private static final int SLOT_BITS = 27;

    private ContextShading() {
    }

    public static FeatureData.Shading compute(SaeEncoder enc, NpyDataset data, FeatureData f, int context,
            int batch) {
        long[] shown = f.shownRows();
        int per = f.shownPerLatent();
        int w = 2 * context + 1;
        long cells = (long) shown.length * w;
        if (cells >= 1L << SLOT_BITS) {
            throw new org.sae4j.BadInputException("features: " + cells + " context cells to shade; expected fewer"
                    + " than " + (1L << SLOT_BITS) + " (a smaller --context or --top)");
        }
        long rows = data.rows();
        // One request per (shown row, offset): its data row in the high bits, its cell in the low ones.
        long[] req = new long[(int) cells];
        int m = 0;
        for (int q = 0; q < shown.length; q++) {
            long r = shown[q];
            if (r < 0) {
                continue;
            }
            for (int o = -context; o <= context; o++) {
                long u = r + o;
                if (u >= 0 && u < rows) {
                    req[m++] = (u << SLOT_BITS) | ((long) q * w + o + context);
                }
            }
        }
        Arrays.sort(req, 0, m);
        float[] values = new float[(int) cells];
        int d = enc.dim();
        float[] x = new float[batch * d];
        long[] ids = new long[batch];
        int i = 0;
        while (i < m) {
            int b = 0;
            int first = i;
            while (i < m && b < batch) {
                long u = req[i] >>> SLOT_BITS;
                data.readRows(u, 1, x, b * d);
                ids[b++] = u;
                while (i < m && req[i] >>> SLOT_BITS == u) {
                    i++;
                }
            }
            int end = i;
            FeatureScan.codes(enc, (row, xs, xhat, off, idx, val, codeOff, k) -> {
                // Rows may come back out of order (the wide re-encode): find this row's requests.
                int lo = lowerBound(req, first, end, row << SLOT_BITS);
                for (int p = lo; p < end && req[p] >>> SLOT_BITS == row; p++) {
                    int cell = (int) (req[p] & ((1L << SLOT_BITS) - 1));
                    int j = cell / w / per;
                    for (int c = codeOff; c < codeOff + k; c++) {
                        if (idx[c] == j && val[c] > 0) {
                            values[cell] = val[c];
                        }
                    }
                }
            }, x, ids, b);
        }
        return new FeatureData.Shading(context, values);
    }

    private static int lowerBound(long[] a, int lo, int hi, long key) {
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
