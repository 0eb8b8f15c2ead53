import java.util.concurrent.*;
/** Same memory traffic as the update pass, no arithmetic to speak of: per latent j, read-modify-write of six rows
 *  (W_enc, its m, v; W_dec, its m, v) and a write of one packed row. Two threads over halves of the latents. */
public class Traffic {
    public static void main(String[] a) throws Exception {
        int n = Integer.parseInt(a[0]), d = Integer.parseInt(a[1]), threads = 2;
        int blk = a.length > 2 ? Integer.parseInt(a[2]) : 1; // latents per array before switching arrays
        int nd = n * d;
        float[][] rmw = new float[6][nd];
        float[] packed = new float[nd];
        for (float[] x : rmw) java.util.Arrays.fill(x, 1f);
        ExecutorService ex = Executors.newFixedThreadPool(threads);
        for (int rep = 0; rep < 30; rep++) {
            long t0 = System.nanoTime();
            Future<?>[] f = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                int lo = n * t / threads, hi = n * (t + 1) / threads;
                f[t] = ex.submit(() -> {
                    for (int j0 = lo; j0 < hi; j0 += blk) {
                        int o = j0 * d, e = Math.min(hi, j0 + blk) * d;
                        for (float[] x : rmw) for (int i = o; i < e; i++) x[i] = x[i] * 0.999f + 1e-3f;
                        for (int i = o; i < e; i++) packed[i] = rmw[0][i];
                    }
                });
            }
            for (Future<?> x : f) x.get();
            long dt = System.nanoTime() - t0;
            double bytes = (double) nd * 4 * (6 * 2 + 1);
            if (rep >= 10) System.out.printf("blk=" + blk + " n=%d d=%d pass %.2f ms  %.1f GB/s (6 RMW + 1 write = %.0f MB)%n", n, d, dt / 1e6, bytes / dt, bytes / 1e6);
        }
        ex.shutdown();
    }
}
