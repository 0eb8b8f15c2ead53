package org.sae4j.bench;

import static org.sae4j.bench.LoadMainSupport.arg;
import static org.sae4j.bench.LoadMainSupport.intArg;
import static org.sae4j.bench.LoadMainSupport.pct;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.serve.EncodeHandler;

/**
 * Load generator for {@code POST /encode} (not a JMH benchmark: it measures a server and its clients together).
 * Starts {@link EncodeHandler} on loopback with a random TopK model, then for each concurrency level runs that many
 * closed-loop clients (each on its own keep-alive connection, sending its next request when the previous answer
 * arrives; a connection the server closes is reopened) for a warm-up and a measured
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
        List<byte[]> requests = new ArrayList<>();
        for (String b : bodies) {
            byte[] body = b.getBytes(StandardCharsets.US_ASCII);
            byte[] head = ("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] req = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, req, head.length, body.length);
            requests.add(req);
        }
        HttpServer server = EncodeHandler.start(new EncodeHandler(enc, inFlight, queued),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = server.getAddress().getPort();
        System.out.printf(Locale.ROOT, "EncodeHandler, TopK d=%d n=%d k=%d, %d in flight + %d queued, %d cores,"
                + " %d s per level after %d s warm-up%n", d, n, k, inFlight, queued,
                Runtime.getRuntime().availableProcessors(), seconds, warmup);
        System.out.println("| clients | requests/s (200) | p50 ms | p99 ms | max ms | 503 | other |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
        try {
            for (int c : levels) {
                run(port, requests, c, warmup * 1000L); // warm-up, discarded
                Result res = run(port, requests, c, seconds * 1000L);
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

    private static Result run(int port, List<byte[]> requests, int clients, long millis) throws Exception {
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
                    Connection conn = null;
                    while (System.nanoTime() < end) {
                        if (conn == null) {
                            conn = new Connection(port);
                        }
                        long t0 = System.nanoTime();
                        int status = conn.post(requests.get(i++ % requests.size()));
                        long t = System.nanoTime() - t0;
                        if (status == 200) {
                            if (count == lat.length) {
                                lat = Arrays.copyOf(lat, 2 * count);
                            }
                            lat[count++] = t;
                        } else if (status == 503) {
                            busy++;
                        } else {
                            other++;
                        }
                        if (conn.closed) {
                            conn.close();
                            conn = null;
                        }
                    }
                    if (conn != null) {
                        conn.close();
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

    /**
     * A keep-alive HTTP/1.1 connection with blocking I/O on its own (virtual) thread: far cheaper than
     * {@code java.net.http.HttpClient}, whose single selector thread became the bottleneck on two shared cores and
     * hid the server's behaviour (no request ever waited in the server's queue).
     */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        boolean closed;

        Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream());
        }

        /** Sends one request (head and body pre-built) and reads the whole answer; returns the status. */
        int post(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = line();
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            for (String h; !(h = line()).isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closed = true;
                }
            }
            if (length < 0) {
                throw new IOException("answer without Content-Length: " + status);
            }
            in.skipNBytes(length);
            return code;
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) {
                    throw new IOException("connection closed mid-answer");
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
