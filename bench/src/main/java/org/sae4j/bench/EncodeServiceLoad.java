package org.sae4j.bench;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sae4j.Sae;
import org.sae4j.SaeConfig;
import org.sae4j.SaeEncoder;
import org.sae4j.serve.EncodeHandler;

/**
 * Load generator for {@code POST /encode} (not a JMH benchmark: it measures a server and its clients together).
 * Starts {@link EncodeHandler} on loopback with a random TopK model, then for each concurrency level runs that many
 * closed-loop clients (each sends its next request when the previous answer arrives) for a warm-up and a measured
 * interval, and prints throughput, p50/p99/max latency of the 200s, and how many requests got 503. Clients and
 * server share the machine's cores, so the figures are for the pair.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.sae4j.bench.EncodeServiceLoad \
 *     [d=768] [n=16384] [k=32] [seconds=10] [warmup=3] [levels=1,2,8,32,128] [inflight=cores] [queued=32*cores]
 * </pre>
 */
public final class EncodeServiceLoad {
    private EncodeServiceLoad() {
    }

    public static void main(String[] args) throws Exception {
        int d = intArg(args, "d", 768);
        int n = intArg(args, "n", 16384);
        int k = intArg(args, "k", 32);
        int seconds = intArg(args, "seconds", 10);
        int warmup = intArg(args, "warmup", 3);
        int inFlight = intArg(args, "inflight", EncodeHandler.DEFAULT_IN_FLIGHT);
        int queued = intArg(args, "queued", EncodeHandler.DEFAULT_QUEUED);
        int[] levels = Arrays.stream(arg(args, "levels", "1,2,8,32,128").split(",")).mapToInt(Integer::parseInt)
                .toArray();

        SaeEncoder enc = SaeEncoder.of(Sae.initialize(SaeConfig.topK(d, n, k)));
        List<String> bodies = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 256; i++) {
            StringBuilder sb = new StringBuilder("[");
            for (int j = 0; j < d; j++) {
                sb.append(j > 0 ? "," : "").append((float) (r.nextDouble() * 2 - 1));
            }
            bodies.add(sb.append(']').toString());
        }
        HttpServer server = EncodeHandler.start(new EncodeHandler(enc, inFlight, queued),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/encode");
        System.out.printf(Locale.ROOT, "EncodeHandler, TopK d=%d n=%d k=%d, %d in flight + %d queued, %d cores,"
                + " %d s per level after %d s warm-up%n", d, n, k, inFlight, queued,
                Runtime.getRuntime().availableProcessors(), seconds, warmup);
        System.out.println("| clients | requests/s (200) | p50 ms | p99 ms | max ms | 503 | other |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build()) {
            for (int c : levels) {
                run(client, uri, bodies, c, warmup * 1000L); // warm-up, discarded
                Result res = run(client, uri, bodies, c, seconds * 1000L);
                long[] lat = res.latencies();
                Arrays.sort(lat);
                System.out.printf(Locale.ROOT, "| %d | %.0f | %.2f | %.2f | %.2f | %d | %d |%n", c,
                        lat.length / (seconds * 1.0), pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6,
                        lat.length == 0 ? 0 : lat[lat.length - 1] / 1e6, res.busy(), res.other());
            }
        } finally {
            EncodeHandler.stop(server);
        }
    }

    private record Result(long[] latencies, long busy, long other) {}

    private static Result run(HttpClient client, URI uri, List<String> bodies, int clients, long millis)
            throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        List<Future<long[]>> fs = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int seed = c;
                fs.add(pool.submit(() -> {
                    long[] lat = new long[1024];
                    int count = 0;
                    long busy = 0;
                    long other = 0;
                    int i = seed;
                    while (System.nanoTime() < end) {
                        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                                .POST(HttpRequest.BodyPublishers.ofString(bodies.get(i++ % bodies.size()))).build();
                        long t0 = System.nanoTime();
                        HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
                        long t = System.nanoTime() - t0;
                        if (resp.statusCode() == 200) {
                            if (count == lat.length) {
                                lat = Arrays.copyOf(lat, 2 * count);
                            }
                            lat[count++] = t;
                        } else if (resp.statusCode() == 503) {
                            busy++;
                        } else {
                            other++;
                        }
                    }
                    long[] out = Arrays.copyOf(lat, count + 2);
                    out[count] = busy;
                    out[count + 1] = other;
                    return out;
                }));
            }
        }
        long[] all = new long[0];
        long busy = 0;
        long other = 0;
        for (Future<long[]> f : fs) {
            long[] x = f.get();
            int m = x.length - 2;
            busy += x[m];
            other += x[m + 1];
            int at = all.length;
            all = Arrays.copyOf(all, at + m);
            System.arraycopy(x, 0, all, at, m);
        }
        return new Result(all, busy, other);
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }

    private static String arg(String[] args, String name, String def) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return def;
    }

    private static int intArg(String[] args, String name, int def) {
        return Integer.parseInt(arg(args, name, Integer.toString(def)));
    }
}
