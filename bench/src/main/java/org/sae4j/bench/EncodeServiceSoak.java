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
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.serve.EncodeHandler;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * A soak of {@code POST /encode} (not a JMH benchmark, not a test): {@link EncodeHandler} on 127.0.0.1 with a saved
 * model, for each level N closed-loop clients sending a mix of valid and hostile requests for a long interval, while
 * a sampler records heap, threads and open file descriptors every 10 s. Every 200 answer is compared with the codes
 * {@code sae4j encode} (the CLI, batch GEMM path) wrote for the same vector, and bit for bit with the in-process
 * single-vector encoder; every hostile request must get its documented outcome.
 *
 * <pre>
 * # 1. a model and a pool of vectors, 2. their codes from the CLI, 3. the soak
 * java ... org.sae4j.bench.EncodeServiceSoak prepare dir=DIR [d=768] [n=16384] [k=32] [pool=256]
 * ./sae4j encode --model DIR/model --data DIR/vectors.npy --out DIR/codes
 * java ... org.sae4j.bench.EncodeServiceSoak run dir=DIR [seconds=600] [levels=1,32,256] [sample=10] [settle=45]
 * </pre>
 *
 * <p>Each client draws its next request: 80 % a valid vector (1 in 16 of them with {@code ?top=5}), 4 % a wrong
 * length, 3 % NaN / Infinity / out-of-float-range, 3 % not JSON, 2 % a body over the limit (declared and unsent,
 * chunked, or sent in full), 3 % a valid body trickled in 8 pieces over ~0.4 s, 3 % a connection closed mid-body,
 * 2 % a valid request whose answer is never read. A client given 503 checks its {@code Retry-After: 1} and waits
 * that second before its next request, as a well-behaved client does. Besides the N clients, two background senders run at every
 * level: one that declares a body, sends half and stalls (every 2 s; the handler must close it within its body
 * timeout), one that sends half a header block and stalls (every 10 s; the JDK server must close it within
 * {@code maxReqTime}, 30 s as {@link EncodeHandler#start} sets it).
 */
public final class EncodeServiceSoak {
    private static final int LIMIT = EncodeHandler.MAX_BODY;

    private EncodeServiceSoak() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || !(args[0].equals("prepare") || args[0].equals("run"))) {
            System.err.println("usage: EncodeServiceSoak prepare|run dir=DIR [options]");
            System.exit(2);
        }
        Path dir = Path.of(arg(args, "dir", "soak"));
        if (args[0].equals("prepare")) {
            prepare(dir, intArg(args, "d", 768), intArg(args, "n", 16384), intArg(args, "k", 32),
                    intArg(args, "pool", 256));
        } else {
            run(dir, args);
        }
    }

    // ---------------------------------------------------------------- prepare

    private static void prepare(Path dir, int d, int n, int k, int pool) throws IOException {
        Files.createDirectories(dir);
        Checkpoint.save(dir.resolve("model"), Sae.initialize(SaeConfig.topK(d, n, k)), null);
        SplittableRandom r = new SplittableRandom(7);
        float[] x = new float[pool * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian());
        }
        NpyWriter.writeF32(dir.resolve("vectors.npy"), x, pool, d);
        System.out.printf(Locale.ROOT, "wrote %s (TopK d=%d n=%d k=%d) and %s (%d × %d)%n", dir.resolve("model"), d,
                n, k, dir.resolve("vectors.npy"), pool, d);
    }

    // ---------------------------------------------------------------- run

    /** What a request is and what it must get. */
    private enum Kind {
        VALID, VALID_TOP, WRONG_LENGTH, NOT_A_NUMBER, NOT_JSON, HUGE_DECLARED, HUGE_CHUNKED, HUGE_SENT, SLOW_VALID,
        CLOSED_MID_BODY, UNREAD_ANSWER, STALLED_BODY, STALLED_HEADERS
    }

    /** Per-kind counters: sent, as documented, 503, deviations. */
    private static final class Tally {
        final AtomicLongArray sent = new AtomicLongArray(Kind.values().length);
        final AtomicLongArray ok = new AtomicLongArray(Kind.values().length);
        final AtomicLongArray busy = new AtomicLongArray(Kind.values().length);
        final AtomicLongArray bad = new AtomicLongArray(Kind.values().length);
        final AtomicLongArray closed = new AtomicLongArray(Kind.values().length); // reset while sending (huge)
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong answers200 = new AtomicLong();
        // Requests resent after the server closed their kept-alive connection before any answer byte, by how the
        // close surfaced (end of stream, or the reset / broken pipe of a read or write).
        final Map<String, AtomicLong> stale = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> examples = new ConcurrentLinkedQueue<>();

        void deviation(Kind k, String what) {
            bad.incrementAndGet(k.ordinal());
            if (examples.size() < 20) {
                examples.add(k + ": " + what);
            }
        }
    }

    private record Pool(int d, float[][] x, String[] json, int[][] cliIdx, float[][] cliVal, SparseCode[] single) {}

    private static void run(Path dir, String[] args) throws Exception {
        int seconds = intArg(args, "seconds", 600);
        int sampleS = intArg(args, "sample", 10);
        int settleS = intArg(args, "settle", 45);
        int[] levels = Arrays.stream(arg(args, "levels", "1,32,256").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        SaeEncoder enc = ModelFormats.loadEncoder(dir.resolve("model"));
        Pool pool = loadPool(dir, enc);
        EncodeHandler handler = new EncodeHandler(enc);
        // start sets the JDK server's maxReqTime and maxIdleConnections unless given (-D...): read what it used.
        HttpServer server = EncodeHandler.start(handler, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        long maxReqS = Long.parseLong(System.getProperty("sun.net.httpserver.maxReqTime"));
        String maxIdle = System.getProperty("sun.net.httpserver.maxIdleConnections");
        int port = server.getAddress().getPort();
        long bodyTimeoutMs = EncodeHandler.DEFAULT_BODY_TIMEOUT.toMillis();
        System.out.printf(Locale.ROOT, "EncodeServiceSoak: %s SAE d=%d n=%d k=%d from %s, pool of %d vectors, handler"
                + " defaults (%d in flight + %d queued, body limit %d B, body timeout %d ms), maxReqTime %d s,"
                + " maxIdleConnections %s, %d cores, max heap %d MiB, %d s per level, levels %s, started %s%n",
                enc.config().activation().id(), enc.dim(), enc.latents(), enc.config().k(), dir.resolve("model"),
                pool.x().length, EncodeHandler.DEFAULT_IN_FLIGHT, EncodeHandler.DEFAULT_QUEUED, LIMIT, bodyTimeoutMs,
                maxReqS, maxIdle, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                seconds, Arrays.toString(levels), Instant.now());
        List<String> summary = new ArrayList<>();
        List<String> quiet = new ArrayList<>();
        quiet.add(quiescent("start"));
        long t0 = System.nanoTime();
        try {
            for (int c : levels) {
                Tally tally = new Tally();
                List<long[]> samples = new ArrayList<>();
                Thread sampler = Thread.ofPlatform().daemon().name("soak-sampler").start(() -> {
                    try {
                        while (true) {
                            Thread.sleep(sampleS * 1000L);
                            long[] s = sample(t0, tally);
                            synchronized (samples) {
                                samples.add(s);
                            }
                            System.out.printf(Locale.ROOT, "sample t=%ds clients=%d heap=%dMiB heapAfterGc=%dMiB"
                                    + " threads=%d fds=%d answers200=%d%n", s[0], c, s[1] >> 20, s[2] >> 20, s[3],
                                    s[4], s[5]);
                        }
                    } catch (InterruptedException e) {
                        // level over
                    }
                });
                Map<String, Long> tcp0 = tcpCounters();
                long[] lat = level(port, pool, c, seconds * 1000L, tally, bodyTimeoutMs, maxReqS);
                sampler.interrupt();
                sampler.join();
                Arrays.sort(lat);
                long all = 0;
                long ok = 0;
                long busy = 0;
                long bad = 0;
                StringBuilder kinds = new StringBuilder();
                for (Kind k : Kind.values()) {
                    int i = k.ordinal();
                    all += tally.sent.get(i);
                    ok += tally.ok.get(i);
                    busy += tally.busy.get(i);
                    bad += tally.bad.get(i);
                    kinds.append(String.format(Locale.ROOT, " %s=%d/%d/%d/%d/%d", k, tally.sent.get(i),
                            tally.ok.get(i), tally.busy.get(i), tally.closed.get(i), tally.bad.get(i)));
                }
                long resent = tally.stale.values().stream().mapToLong(AtomicLong::get).sum();
                System.out.println("level " + c + " kinds (sent/as documented/503/reset while sending/deviations):" + kinds
                        + "; resent after the server closed a kept-alive connection: " + resent + " "
                        + new java.util.TreeMap<>(tally.stale));
                System.out.println("level " + c + " kernel TCP counters (this network namespace, any process): "
                        + tcpDelta(tcp0, tcpCounters()));
                for (String e : tally.examples) {
                    System.out.println("  deviation " + e);
                }
                long heapMin = Long.MAX_VALUE, heapMax = 0, thMin = Long.MAX_VALUE, thMax = 0, fdMin = Long.MAX_VALUE,
                        fdMax = 0;
                for (long[] s : samples) {
                    heapMin = Math.min(heapMin, s[2]);
                    heapMax = Math.max(heapMax, s[2]);
                    thMin = Math.min(thMin, s[3]);
                    thMax = Math.max(thMax, s[3]);
                    fdMin = Math.min(fdMin, s[4]);
                    fdMax = Math.max(fdMax, s[4]);
                }
                summary.add(String.format(Locale.ROOT, "| %d | %d | %.0f | %.0f | %.1f | %.1f | %.1f | %.2f %% | %d"
                        + " | %d | %d–%d | %d–%d | %d–%d |", c, all, all / (double) seconds,
                        tally.answers200.get() / (double) seconds, pct(lat, 0.50) / 1e6, pct(lat, 0.99) / 1e6,
                        pct(lat, 0.999) / 1e6, 100.0 * busy / Math.max(1, all), tally.mismatches.get(), bad,
                        heapMin >> 20, heapMax >> 20, thMin, thMax, fdMin, fdMax));
                System.out.println("level " + c + " done: " + summary.getLast() + " (as documented " + ok + ")");
                Thread.sleep(settleS * 1000L); // stalled connections time out, idle ones close
                quiet.add(quiescent("after " + c + " clients"));
                System.out.println(quiet.getLast());
            }
        } finally {
            EncodeHandler.stop(server);
        }
        System.out.println();
        System.out.println("| clients | requests | requests/s | 200/s | p50 ms | p99 ms | p99.9 ms | 503 | mismatches"
                + " | deviations | heap after GC MiB | threads | fds |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        summary.forEach(System.out::println);
        System.out.println();
        quiet.forEach(System.out::println);
        System.out.println("finished " + Instant.now());
    }

    /** [t s, heap used, heap used after the last GC, live platform threads, open fds, 200 answers so far]. */
    private static long[] sample(long t0, Tally tally) {
        long afterGc = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP && p.getCollectionUsage() != null) {
                afterGc += p.getCollectionUsage().getUsed();
            }
        }
        return new long[] {(System.nanoTime() - t0) / 1_000_000_000L,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), afterGc,
                ManagementFactory.getThreadMXBean().getThreadCount(), fds(), tally.answers200.get()};
    }

    /** Heap after a full GC, threads and fds with no client connected: what must not grow from level to level. */
    private static String quiescent(String when) {
        System.gc();
        return String.format(Locale.ROOT, "quiescent %s: heap after System.gc() %d MiB, %d threads, %d fds", when,
                ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
                ManagementFactory.getThreadMXBean().getThreadCount(), fds());
    }

    private static long fds() {
        String[] l = Path.of("/proc/self/fd").toFile().list();
        return l == null ? -1 : l.length;
    }

    /** Linux's TcpExt counters on accept-queue overflows, syncookies and the resets TCP sent; empty elsewhere. */
    private static final List<String> TCP = List.of("ListenOverflows", "ListenDrops", "SyncookiesSent",
            "SyncookiesFailed", "TCPAbortOnClose", "TCPAbortOnData");

    private static Map<String, Long> tcpCounters() {
        Map<String, Long> m = new java.util.LinkedHashMap<>();
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/net/netstat"));
            for (int i = 0; i + 1 < lines.size(); i++) {
                if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                    String[] k = lines.get(i).split(" ");
                    String[] v = lines.get(i + 1).split(" ");
                    for (int j = 1; j < Math.min(k.length, v.length); j++) {
                        if (TCP.contains(k[j])) {
                            m.put(k[j], Long.parseLong(v[j]));
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no /proc: nothing to report
        }
        return m;
    }

    private static String tcpDelta(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder sb = new StringBuilder();
        for (String k : TCP) {
            if (before.containsKey(k) && after.containsKey(k)) {
                sb.append(sb.isEmpty() ? "" : " ").append(k).append("=+").append(after.get(k) - before.get(k));
            }
        }
        return sb.isEmpty() ? "n/a" : sb.toString();
    }

    /** Runs one level; returns the latencies (ns) of the 200 answers to VALID requests. */
    private static long[] level(int port, Pool pool, int clients, long millis, Tally tally, long bodyTimeoutMs,
            long maxReqS) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        List<Future<long[]>> fs = new ArrayList<>();
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            // Background stallers, independent of the level (so the 1-client level is not mostly waiting on them).
            ex.submit(() -> stallers(port, end, 2000, Kind.STALLED_BODY, tally, bodyTimeoutMs, ex));
            ex.submit(() -> stallers(port, end, 10_000, Kind.STALLED_HEADERS, tally, maxReqS * 1000, ex));
            for (int c = 0; c < clients; c++) {
                long seed = 1000L * clients + c;
                fs.add(ex.submit(() -> client(port, pool, end, new SplittableRandom(seed), tally)));
            }
            long[] all = new long[0];
            for (Future<long[]> f : fs) {
                long[] x = f.get();
                int at = all.length;
                all = Arrays.copyOf(all, at + x.length);
                System.arraycopy(x, 0, all, at, x.length);
            }
            return all; // the executor's close waits for the stallers still holding connections
        }
    }

    private static Void stallers(int port, long end, long everyMs, Kind kind, Tally tally, long limitMs,
            ExecutorService ex) throws InterruptedException {
        while (System.nanoTime() < end) {
            ex.submit(() -> stall(port, kind, tally, limitMs));
            Thread.sleep(everyMs);
        }
        return null;
    }

    /** Sends part of a request and waits: the server must close the connection within its limit (+2 s slack). */
    private static void stall(int port, Kind kind, Tally tally, long limitMs) {
        tally.sent.incrementAndGet(kind.ordinal());
        String part = kind == Kind.STALLED_BODY
                ? "POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n[0.5,"
                : "POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le";
        long t0 = System.nanoTime();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) limitMs + 2000);
            s.getOutputStream().write(part.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] first;
            try {
                first = s.getInputStream().readNBytes(12);
            } catch (SocketException reset) {
                first = new byte[0];
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            String got = new String(first, StandardCharsets.US_ASCII);
            if (first.length == 0 && ms >= limitMs - 1000) {
                tally.ok.incrementAndGet(kind.ordinal());
            } else if (got.equals("HTTP/1.1 503")) {
                tally.busy.incrementAndGet(kind.ordinal()); // every place taken: refused before the body is read
            } else {
                tally.deviation(kind, first.length == 0 ? "closed after only " + ms + " ms" : "an answer: " + got);
            }
        } catch (SocketTimeoutException e) {
            tally.deviation(kind, "still open after " + (limitMs + 2000) + " ms");
        } catch (IOException e) {
            tally.deviation(kind, e.toString());
        }
    }

    private static long[] client(int port, Pool pool, long end, SplittableRandom r, Tally tally) {
        long[] lat = new long[1024];
        int count = 0;
        Connection conn = null;
        while (System.nanoTime() < end) {
            int p = r.nextInt(100);
            Kind kind = p < 80 ? (r.nextInt(16) == 0 ? Kind.VALID_TOP : Kind.VALID)
                    : p < 84 ? Kind.WRONG_LENGTH : p < 87 ? Kind.NOT_A_NUMBER : p < 90 ? Kind.NOT_JSON
                    : p < 92 ? (p == 90 ? (r.nextBoolean() ? Kind.HUGE_DECLARED : Kind.HUGE_CHUNKED) : Kind.HUGE_SENT)
                    : p < 95 ? Kind.SLOW_VALID : p < 98 ? Kind.CLOSED_MID_BODY : Kind.UNREAD_ANSWER;
            int v = r.nextInt(pool.x().length);
            tally.sent.incrementAndGet(kind.ordinal());
            try {
                if (conn != null && kind == Kind.SLOW_VALID) {
                    // Its own connection: what this kind tests is a slow sender the server has not answered yet,
                    // not a trickle crossing the server's close of a kept-alive connection mid-write.
                    conn.close();
                    conn = null;
                }
                if (conn == null) {
                    conn = new Connection(port);
                }
                long t0 = System.nanoTime();
                Answer a;
                conn.begin();
                try {
                    a = send(conn, kind, pool, v, r);
                } catch (IOException e) {
                    String how = conn.staleClose(e, kind);
                    if (how == null) {
                        throw e;
                    }
                    // The server closed this kept-alive connection (idle 30 s, or going idle beyond its
                    // maxIdleConnections) and the request crossed the close: no answer byte came, so nothing of it
                    // was answered; resend once on a new connection, as HTTP clients do for a request that is
                    // safe to repeat (an encode changes nothing). On a new connection the same is a deviation.
                    tally.stale.computeIfAbsent(how, x -> new AtomicLong()).incrementAndGet();
                    conn.close();
                    conn = new Connection(port);
                    conn.begin();
                    t0 = System.nanoTime();
                    a = send(conn, kind, pool, v, r);
                }
                long t = System.nanoTime() - t0;
                if (a == null) { // no answer expected; the connection is gone
                    tally.ok.incrementAndGet(kind.ordinal());
                    conn.close();
                    conn = null;
                    continue;
                }
                if (a.status == 200) {
                    tally.answers200.incrementAndGet();
                }
                if (a.status == 503) {
                    tally.busy.incrementAndGet(kind.ordinal());
                    String after = a.retryAfter();
                    if (after == null || !after.equals("1")) {
                        tally.deviation(kind, "503 without Retry-After: 1 (" + after + ")");
                    }
                    sleep(1000); // as a well-behaved client does; see the Retry-After header
                } else {
                    String why = judge(kind, a, pool, v, tally);
                    if (why == null) {
                        tally.ok.incrementAndGet(kind.ordinal());
                        if (kind == Kind.VALID) {
                            if (count == lat.length) {
                                lat = Arrays.copyOf(lat, 2 * count);
                            }
                            lat[count++] = t;
                        }
                    } else {
                        tally.deviation(kind, why);
                    }
                }
                if (a.closed) {
                    conn.close();
                    conn = null;
                }
            } catch (IOException e) {
                if (kind == Kind.HUGE_SENT || kind == Kind.HUGE_CHUNKED) {
                    // Documented: the server reads at most 64 KiB past what it needs (past the head after a 413
                    // or a 503) and closes the connection; a client still sending then sees a reset.
                    tally.closed.incrementAndGet(kind.ordinal());
                } else {
                    tally.deviation(kind, e + (conn == null ? "" : conn.where()));
                }
                if (conn != null) {
                    try {
                        conn.close();
                    } catch (IOException ignored) {
                        // already gone
                    }
                    conn = null;
                }
            }
        }
        if (conn != null) {
            try {
                conn.close();
            } catch (IOException ignored) {
                // already gone
            }
        }
        return Arrays.copyOf(lat, count);
    }

    /** Null when the answer is the documented one for {@code kind}, else what was wrong. */
    private static String judge(Kind kind, Answer a, Pool pool, int v, Tally tally) {
        int want = switch (kind) {
            case VALID, VALID_TOP, SLOW_VALID -> 200;
            case WRONG_LENGTH, NOT_A_NUMBER, NOT_JSON -> 400;
            case HUGE_DECLARED, HUGE_CHUNKED, HUGE_SENT -> 413;
            default -> -1;
        };
        if (a.status != want) {
            return "status " + a.status + ", expected " + want + ": " + abbreviate(a.body);
        }
        Map<?, ?> m;
        try {
            m = (Map<?, ?>) Json.parse(a.body);
        } catch (RuntimeException e) {
            return "answer not JSON: " + abbreviate(a.body);
        }
        if (want != 200) {
            Object e = m.get("error");
            return e instanceof String s && !s.isEmpty() && !s.contains("\n") ? null
                    : "no one-line error: " + abbreviate(a.body);
        }
        int top = kind == Kind.VALID_TOP ? 5 : Integer.MAX_VALUE;
        String why = compare(m, pool, v, top);
        if (why != null) {
            tally.mismatches.incrementAndGet();
        }
        return why;
    }

    /**
     * Null when the answer's codes are the in-process single-vector encoder's bit for bit and the CLI's (batch GEMM,
     * another summation order) with the same indices and values within 1e-5 relative.
     */
    private static String compare(Map<?, ?> m, Pool pool, int v, int top) {
        List<?> idx = (List<?>) m.get("indices");
        List<?> val = (List<?>) m.get("values");
        SparseCode s = pool.single()[v];
        int[] ci = pool.cliIdx()[v];
        float[] cv = pool.cliVal()[v];
        int cliCount = 0;
        while (cliCount < ci.length && ci[cliCount] >= 0 && cv[cliCount] != 0) {
            cliCount++;
        }
        int want = Math.min(top, s.size());
        if (idx.size() != want || val.size() != want || Math.min(top, cliCount) != want) {
            return "vector " + v + ": " + idx.size() + " codes, single-vector encoder " + s.size() + ", CLI "
                    + cliCount + " (top " + top + ")";
        }
        for (int q = 0; q < want; q++) {
            int i = ((Number) idx.get(q)).intValue();
            float x = ((Number) val.get(q)).floatValue();
            if (i != s.index(q) || Float.floatToIntBits(x) != Float.floatToIntBits(s.value(q))) {
                return "vector " + v + " code " + q + ": " + i + "=" + x + ", single-vector encoder " + s.index(q)
                        + "=" + s.value(q);
            }
            if (i != ci[q] || Math.abs(x - cv[q]) > 1e-5f * Math.max(1f, Math.abs(cv[q]))) {
                return "vector " + v + " code " + q + ": " + i + "=" + x + ", CLI " + ci[q] + "=" + cv[q];
            }
        }
        return null;
    }

    private record Answer(int status, String body, boolean closed, String retryAfter) {}

    private static Answer send(Connection c, Kind kind, Pool pool, int v, SplittableRandom r) throws IOException {
        String good = pool.json()[v];
        switch (kind) {
            case VALID -> {
                return c.exchange(request("/encode", good));
            }
            case VALID_TOP -> {
                return c.exchange(request("/encode?top=5", good));
            }
            case WRONG_LENGTH -> {
                // One number too few or one too many.
                String body = r.nextBoolean() ? good.substring(0, good.lastIndexOf(',')) + "]"
                        : good.substring(0, good.length() - 1) + ",0.25]";
                return c.exchange(request("/encode", body));
            }
            case NOT_A_NUMBER -> {
                String bad = switch (r.nextInt(3)) {
                    case 0 -> "NaN";
                    case 1 -> "Infinity";
                    default -> "1e39";
                };
                int cut = good.indexOf(',');
                return c.exchange(request("/encode", "[" + bad + good.substring(cut)));
            }
            case NOT_JSON -> {
                String body = switch (r.nextInt(3)) {
                    case 0 -> good.substring(0, good.length() / 2);
                    case 1 -> "{\"x\":" + good + "}";
                    default -> "\u00ff\u00fe garbage " + r.nextLong();
                };
                return c.exchange(request("/encode", body));
            }
            case HUGE_DECLARED -> {
                // Declares 8 MiB, sends only the head: the answer must come without the body.
                c.write(("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + 2 * LIMIT + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                return c.read();
            }
            case HUGE_CHUNKED -> {
                // Chunked, LIMIT + 16 KiB of spaces: read up to the limit, then 413.
                c.write("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] spaces = new byte[64 * 1024];
                Arrays.fill(spaces, (byte) ' ');
                String size = Integer.toHexString(spaces.length) + "\r\n";
                for (int sent = 0; sent < LIMIT; sent += spaces.length) {
                    c.write(size.getBytes(StandardCharsets.US_ASCII));
                    c.write(spaces);
                    c.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                // 16 KiB more: within what the server drains after its answer, so it reads to the end.
                c.write(("4000\r\n" + " ".repeat(16 * 1024) + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                return c.read();
            }
            case HUGE_SENT -> {
                // 8 MiB declared and sent at once: 413, or a reset once the server stops reading.
                c.write(("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + 2 * LIMIT + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] block = new byte[64 * 1024];
                Arrays.fill(block, (byte) '1');
                for (int sent = 0; sent < 2 * LIMIT; sent += block.length) {
                    c.write(block);
                }
                return c.read();
            }
            case SLOW_VALID -> {
                byte[] req = request("/encode", good);
                int pieces = 8;
                for (int i = 0; i < pieces; i++) {
                    int from = req.length * i / pieces;
                    int to = req.length * (i + 1) / pieces;
                    c.write(Arrays.copyOfRange(req, from, to));
                    sleep(50);
                }
                return c.read();
            }
            case CLOSED_MID_BODY -> {
                byte[] req = request("/encode", good);
                c.write(Arrays.copyOf(req, req.length - good.length() / 2));
                return null;
            }
            case UNREAD_ANSWER -> {
                c.write(request("/encode", good));
                return null;
            }
            default -> throw new IllegalStateException(kind.toString());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] request(String path, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] req = Arrays.copyOf(head, head.length + b.length);
        System.arraycopy(b, 0, req, head.length, b.length);
        return req;
    }

    // ---------------------------------------------------------------- the pool and the CLI's codes

    private static Pool loadPool(Path dir, SaeEncoder enc) throws IOException {
        int d = enc.dim();
        float[] flat = readNpyF32(dir.resolve("vectors.npy"), d);
        int rows = flat.length / d;
        int k = cols(dir.resolve("codes.indices.npy"));
        int[] idx = readNpyI32(dir.resolve("codes.indices.npy"), k);
        float[] val = readNpyF32(dir.resolve("codes.values.npy"), k);
        if (idx.length != rows * k || val.length != rows * k) {
            throw new IOException(dir + "/codes.*.npy: " + idx.length / k + " rows; expected " + rows
                    + " (run sae4j encode on vectors.npy)");
        }
        float[][] x = new float[rows][];
        String[] json = new String[rows];
        int[][] ci = new int[rows][];
        float[][] cv = new float[rows][];
        SparseCode[] single = new SparseCode[rows];
        int disagree = 0;
        for (int i = 0; i < rows; i++) {
            x[i] = Arrays.copyOfRange(flat, i * d, (i + 1) * d);
            StringBuilder sb = new StringBuilder("[");
            for (int j = 0; j < d; j++) {
                sb.append(j > 0 ? "," : "").append(x[i][j]); // Float.toString: parses back to the same float
            }
            json[i] = sb.append(']').toString();
            ci[i] = Arrays.copyOfRange(idx, i * k, (i + 1) * k);
            cv[i] = Arrays.copyOfRange(val, i * k, (i + 1) * k);
            single[i] = enc.encode(x[i]);
            for (int q = 0; q < single[i].size(); q++) {
                if (single[i].index(q) != ci[i][q]) {
                    // The two paths sum in different orders (SaeEncoder's documented rounding difference), so at a
                    // near-tie they may keep different latents: no answer could match the CLI; leave it out.
                    System.out.printf(Locale.ROOT, "pool: vector %d left out: code %d is latent %d = %s on the"
                            + " single-vector path, %d = %s in the CLI's batch%n", i, q, single[i].index(q),
                            single[i].value(q), ci[i][q], cv[i][q]);
                    x[i] = null;
                    disagree++;
                    break;
                }
            }
        }
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            if (x[i] != null) {
                keep.add(i);
            }
        }
        System.out.printf(Locale.ROOT, "pool: %d vectors; the single-vector encoder keeps the CLI's latents in the"
                + " CLI's order for %d of them, which the soak sends%n", rows, rows - disagree);
        int m = keep.size();
        float[][] kx = new float[m][];
        String[] kj = new String[m];
        int[][] ki = new int[m][];
        float[][] kv = new float[m][];
        SparseCode[] ks = new SparseCode[m];
        for (int j = 0; j < m; j++) {
            int i = keep.get(j);
            kx[j] = x[i];
            kj[j] = json[i];
            ki[j] = ci[i];
            kv[j] = cv[i];
            ks[j] = single[i];
        }
        return new Pool(d, kx, kj, ki, kv, ks);
    }

    private static int cols(Path p) throws IOException {
        String h = header(Files.readAllBytes(p), p);
        int open = h.indexOf("'shape': (");
        String[] dims = h.substring(open + 10, h.indexOf(')', open)).split(",");
        return Integer.parseInt(dims[1].trim());
    }

    private static String header(byte[] b, Path p) throws IOException {
        if (b.length < 10 || b[0] != (byte) 0x93 || b[1] != 'N') {
            throw new IOException(p + ": not a .npy file");
        }
        int len = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        return new String(b, 10, len, StandardCharsets.US_ASCII);
    }

    private static ByteBuffer data(Path p, String type, int cols) throws IOException {
        byte[] b = Files.readAllBytes(p);
        String h = header(b, p);
        if (!h.contains("'descr': '" + type + "'") || h.contains("'fortran_order': True") || cols(p) != cols) {
            throw new IOException(p + ": header " + h.trim() + "; expected " + type + ", C order, " + cols
                    + " columns");
        }
        int len = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        return ByteBuffer.wrap(b, 10 + len, b.length - 10 - len).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static float[] readNpyF32(Path p, int cols) throws IOException {
        ByteBuffer bb = data(p, "<f4", cols);
        float[] out = new float[bb.remaining() / 4];
        bb.asFloatBuffer().get(out);
        return out;
    }

    private static int[] readNpyI32(Path p, int cols) throws IOException {
        ByteBuffer bb = data(p, "<i4", cols);
        int[] out = new int[bb.remaining() / 4];
        bb.asIntBuffer().get(out);
        return out;
    }

    // ---------------------------------------------------------------- a raw HTTP/1.1 connection

    /** Blocking keep-alive connection on its own virtual thread, as in {@link EncodeServiceLoad}. */
    private static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private boolean used; // an answer has been read on it
        private boolean reused; // an answer had been read on it before the current request
        private boolean reading; // the current request is written; its answer is being read
        private boolean answered; // a byte of the current answer has been read

        Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(60_000); // an answer later than this is a hang, reported as a deviation
            in = new BufferedInputStream(socket.getInputStream());
            out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
        }

        /** Marks the start of a request: what {@link #staleClose} and {@link #where} judge is about this one. */
        void begin() {
            reused = used;
            reading = false;
            answered = false;
        }

        /**
         * How the server's close of this kept-alive connection surfaced, when {@code e} ended the current request on
         * a reused connection before any answer byte (the request then crossed the close and may be resent); null
         * when it is the request's own outcome. An end of stream is a close whatever the request; a reset or broken
         * pipe is one too, except while sending a huge body, whose reset is the documented answer to that body.
         */
        String staleClose(IOException e, Kind kind) {
            if (!reused || answered) {
                return null;
            }
            if (e instanceof StaleConnection) {
                return "end of stream";
            }
            if (e instanceof SocketException && kind != Kind.HUGE_SENT && kind != Kind.HUGE_CHUNKED) {
                return (reading ? "read: " : "write: ") + e.getMessage();
            }
            return null;
        }

        /** Where the current request failed, for a deviation's text. */
        String where() {
            return " (" + (reused ? "kept-alive" : "new") + " connection, while "
                    + (answered ? "reading the answer" : reading ? "waiting for the answer" : "sending") + ")";
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        Answer exchange(byte[] request) throws IOException {
            write(request);
            return read();
        }

        Answer read() throws IOException {
            reading = true;
            int first = in.read();
            if (first < 0 && reused) {
                throw new StaleConnection();
            }
            if (first < 0) {
                throw new IOException("connection closed before any answer");
            }
            answered = true;
            String status = (char) first + line();
            used = true;
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean closed = false;
            String retryAfter = null;
            for (String h; !(h = line()).isEmpty(); ) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closed = true;
                } else if (lower.startsWith("retry-after:")) {
                    retryAfter = h.substring(12).trim();
                }
            }
            if (length < 0) {
                throw new IOException("answer without Content-Length: " + status);
            }
            return new Answer(code, new String(in.readNBytes((int) length), StandardCharsets.UTF_8), closed,
                    retryAfter);
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

    /** A reused connection closed by the server before the answer's first byte. */
    private static final class StaleConnection extends IOException {
        StaleConnection() {
            super("kept-alive connection closed by the server");
        }
    }

    private static String abbreviate(String s) {
        String one = s.replace('\n', ' ');
        return one.length() > 120 ? one.substring(0, 120) + "…" : one;
    }
}
