package org.sae4j.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sae4j.BadInputException;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;

/**
 * {@code POST /encode} for the JDK's built-in HTTP server: the body is a JSON array of d numbers, the answer
 * {@code {"indices":[...],"values":[...]}} with the input's non-zero codes, strongest first ({@code ?top=m} keeps the
 * m strongest). Anything the client can fix (bad JSON, wrong length, NaN, a bad {@code top}) gets 400 and
 * {@code {"error":"..."}} with a one-line message; a body over {@link #MAX_BODY} bytes gets 413 (at once, unread,
 * when its {@code Content-Length} says so; after {@code MAX_BODY} bytes when it is chunked) and the connection is
 * then closed; another method gets 405.
 * One handler serves concurrent requests through the shared, thread-safe {@link SaeEncoder}.
 *
 * <p><b>Slow senders.</b> A request's body must arrive within {@code bodyTimeout} (default
 * {@link #DEFAULT_BODY_TIMEOUT}) of the handler starting to read it; otherwise the connection is closed without an
 * answer (a half-read request leaves nothing to answer on) and its place is freed. Without this a client that sends
 * part of a body and stops would hold one of the places below for as long as it kept the connection open. Slow
 * <em>headers</em> are read by the JDK server before any handler runs; they are bounded by the JDK's
 * {@code sun.net.httpserver.maxReqTime} (a whole request's time), which {@link #start} sets to
 * {@link #DEFAULT_MAX_REQ_TIME_S} unless given.
 *
 * <p><b>Kept-alive connections.</b> The JDK server keeps at most {@code sun.net.httpserver.maxIdleConnections}
 * connections idle (its default 200) and closes, without {@code Connection: close}, any connection that goes idle
 * while that many others are; a client whose next request crosses that close sees the connection end before any
 * answer. A service with more clients than that has more idle at once whenever they wait (e.g. out a 503's
 * {@code Retry-After}), so {@link #start} sets it to {@link #DEFAULT_MAX_IDLE_CONNECTIONS} unless given. Both
 * properties are read once, when the JVM's first JDK HTTP server is created: give them with {@code -D} or set them
 * before any other server starts.
 *
 * <p><b>Overload.</b> Encoding is CPU-bound, so it runs on {@code maxInFlight} platform threads of the handler's own
 * (default: one per core) and at most {@code maxQueued} more requests wait their turn; a request beyond that is
 * answered at once with 503, {@code Retry-After: 1} and a one-line error, instead of joining an unbounded queue whose
 * latency and memory (each waiting body is held) would grow without limit. Memory for request bodies is thus bounded
 * by {@code (maxInFlight + maxQueued) × MAX_BODY}; a slow sender holds its place for at most {@code bodyTimeout}. Requests themselves are read and answered on virtual threads,
 * which park while their encode runs: CPU-bound work on the virtual threads would pin their few carrier threads, and
 * new requests would then wait, unseen and unbounded, in the scheduler's queue before any admission check.
 */
public final class EncodeHandler implements HttpHandler {
    /** Largest request body accepted: room for d = 65 536 floats written out in full. */
    public static final int MAX_BODY = 4 << 20;
    /** Default number of requests encoding at once: one per core. */
    public static final int DEFAULT_IN_FLIGHT = Runtime.getRuntime().availableProcessors();
    /** Default number of requests waiting for an encoding slot before new ones get 503. */
    public static final int DEFAULT_QUEUED = 32 * DEFAULT_IN_FLIGHT;
    /** Default time for a request's whole body to arrive: 4 MiB at ≥ 400 kB/s; any real client is far faster. */
    public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
    /** {@code sun.net.httpserver.maxReqTime} that {@link #start} sets unless given: the JDK's default is forever. */
    public static final int DEFAULT_MAX_REQ_TIME_S = 30;
    /**
     * {@code sun.net.httpserver.maxIdleConnections} that {@link #start} sets unless given: room for this many clients
     * idle at once (the JDK's default, 200, closes kept-alive connections of a service with more clients).
     */
    public static final int DEFAULT_MAX_IDLE_CONNECTIONS = 1024;

    private final SaeEncoder encoder;
    private final int maxInFlight;
    private final int maxQueued;
    private final Semaphore admitted; // in flight + queued
    private final ExecutorService encoding; // maxInFlight platform threads; its queue never exceeds maxQueued
    private final long bodyTimeoutNanos;
    private final ScheduledThreadPoolExecutor alarms; // one thread, only while requests are being read

    public EncodeHandler(SaeEncoder encoder) {
        this(encoder, DEFAULT_IN_FLIGHT, DEFAULT_QUEUED);
    }

    /** A handler encoding at most {@code maxInFlight} requests at once with at most {@code maxQueued} waiting. */
    public EncodeHandler(SaeEncoder encoder, int maxInFlight, int maxQueued) {
        this(encoder, maxInFlight, maxQueued, DEFAULT_BODY_TIMEOUT);
    }

    /** As {@link #EncodeHandler(SaeEncoder, int, int)}, closing a request whose body takes over {@code bodyTimeout}. */
    public EncodeHandler(SaeEncoder encoder, int maxInFlight, int maxQueued, Duration bodyTimeout) {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " must be ≥ 1 and maxQueued "
                    + maxQueued + " ≥ 0");
        }
        if (bodyTimeout.isNegative() || bodyTimeout.isZero()) {
            throw new IllegalArgumentException("bodyTimeout " + bodyTimeout + " must be positive");
        }
        this.bodyTimeoutNanos = bodyTimeout.toNanos();
        AtomicInteger a = new AtomicInteger();
        this.alarms = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "sae4j-encode-timeout-" + a.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        alarms.setRemoveOnCancelPolicy(true); // a finished read leaves no task behind
        alarms.setKeepAliveTime(30, TimeUnit.SECONDS);
        alarms.allowCoreThreadTimeOut(true);
        this.encoder = encoder;
        this.maxInFlight = maxInFlight;
        this.maxQueued = maxQueued;
        this.admitted = new Semaphore(maxInFlight + maxQueued);
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(maxInFlight, maxInFlight, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "sae4j-encode-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true); // an idle handler holds no threads
        this.encoding = pool;
    }

    /**
     * Starts a server with this handler at {@code /encode} on {@code address} (port 0 = any free port), one virtual
     * thread per request, with the default overload limits. Stop it with {@link #stop(HttpServer)}. Sets the JDK
     * server's {@code sun.net.httpserver.maxReqTime} and {@code sun.net.httpserver.maxIdleConnections} system
     * properties to {@link #DEFAULT_MAX_REQ_TIME_S} and {@link #DEFAULT_MAX_IDLE_CONNECTIONS} unless they are set
     * (see the class comment: they take effect for the JVM's first JDK HTTP server).
     */
    public static HttpServer start(SaeEncoder encoder, InetSocketAddress address) throws IOException {
        return start(new EncodeHandler(encoder), address);
    }

    /** As {@link #start(SaeEncoder, InetSocketAddress)} with a configured handler. */
    public static HttpServer start(EncodeHandler handler, InetSocketAddress address) throws IOException {
        defaultProperty("sun.net.httpserver.maxReqTime", DEFAULT_MAX_REQ_TIME_S);
        defaultProperty("sun.net.httpserver.maxIdleConnections", DEFAULT_MAX_IDLE_CONNECTIONS);
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/encode", handler);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    /** Sets a JDK server property unless the user gave one (read once, as the JVM's first server is created). */
    private static void defaultProperty(String name, int value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, Integer.toString(value));
        }
    }

    /** Stops a server made by {@link #start} and its executor (in-flight requests get a second to finish). */
    public static void stop(HttpServer server) {
        server.stop(1);
        if (server.getExecutor() instanceof ExecutorService e) {
            e.shutdown();
        }
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                ex.getResponseHeaders().set("Allow", "POST");
                reply(ex, 405, error("method " + ex.getRequestMethod() + ": expected POST with a JSON array"));
                return;
            }
            long declared = declaredLength(ex);
            if (declared > MAX_BODY) {
                // Reject unread: reading it would hold a place while MAX_BODY bytes arrive. The server reads at
                // most 64 KiB more of it and, as the rest is unread, closes the connection after the answer.
                ex.getResponseHeaders().set("Connection", "close");
                guarded(() -> reply(ex, 413, error("request body of " + declared + " bytes is over the limit of "
                        + MAX_BODY + " bytes")));
                return;
            }
            if (!admitted.tryAcquire()) {
                ex.getResponseHeaders().set("Retry-After", "1");
                reply(ex, 503, error("server busy: " + maxInFlight + " requests encoding and " + maxQueued
                        + " waiting; retry later"));
                return;
            }
            try {
                serve(ex);
            } finally {
                admitted.release();
            }
        }
    }

    private void serve(HttpExchange ex) throws IOException {
        byte[][] read = new byte[1][];
        if (!guarded(() -> read[0] = readBody(ex.getRequestBody()))) {
            // Thrown, not answered: the server then closes the connection and forgets it (a handler that
            // returned normally would leave it in the server's books).
            throw new IOException("request body not received within " + bodyTimeoutNanos / 1_000_000 + " ms");
        }
        byte[] body = read[0];
        if (body == null) {
            ex.getResponseHeaders().set("Connection", "close");
            guarded(() -> reply(ex, 413, error("request body over " + MAX_BODY + " bytes")));
            return;
        }
        String answer;
        try {
            int top = top(ex.getRequestURI());
            float[] x = parseVector(new String(body, StandardCharsets.UTF_8), encoder.dim());
            SparseCode code = encodeOnPool(x, top);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("indices", code.indices());
            m.put("values", code.values());
            answer = Json.write(m);
        } catch (BadInputException e) {
            reply(ex, 400, error(e.getMessage()));
            return;
        }
        reply(ex, 200, answer);
    }

    private SparseCode encodeOnPool(float[] x, int top) throws IOException {
        Future<SparseCode> f = encoding.submit(() -> top > 0 ? encoder.topFeatures(x, top) : encoder.encode(x));
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while encoding", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException(e.getCause());
        }
    }

    private interface Io {
        void run() throws IOException;
    }

    /**
     * Runs {@code io} (blocking reads or writes on this exchange) with the body deadline: past it, this thread is
     * interrupted, which closes the connection's channel and ends a blocked read. Returns false when the deadline
     * passed (the connection is then closed or about to be); IOExceptions from {@code io} otherwise propagate.
     */
    private boolean guarded(Io io) throws IOException {
        Thread self = Thread.currentThread();
        AtomicInteger state = new AtomicInteger(); // 0 running, 1 expired, 2 done
        ScheduledFuture<?> alarm = alarms.schedule(() -> {
            if (state.compareAndSet(0, 1)) {
                self.interrupt();
            }
        }, bodyTimeoutNanos, TimeUnit.NANOSECONDS);
        try {
            io.run();
        } catch (IOException e) {
            if (state.get() != 1) {
                throw e;
            }
        } finally {
            alarm.cancel(false);
            if (!state.compareAndSet(0, 2)) {
                Thread.interrupted(); // the alarm's interrupt must not reach later waits on this thread
            }
        }
        return state.get() == 2;
    }

    /** The request's Content-Length, or −1 when absent or not a number (the server rejects bad ones itself). */
    private static long declaredLength(HttpExchange ex) {
        String v = ex.getRequestHeaders().getFirst("Content-Length");
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The body, or null when it is longer than {@link #MAX_BODY}. */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] b = in.readNBytes(MAX_BODY + 1);
        return b.length > MAX_BODY ? null : b;
    }

    /** {@code ?top=m} (m ≥ 1), or 0 when absent. */
    private static int top(URI uri) {
        String q = uri.getRawQuery();
        if (q == null || q.isEmpty()) {
            return 0;
        }
        for (String part : q.split("&")) {
            if (part.startsWith("top=")) {
                try {
                    int m = Integer.parseInt(part.substring(4));
                    if (m >= 1) {
                        return m;
                    }
                } catch (NumberFormatException e) {
                    // reported below with the accepted form
                }
                throw new BadInputException("query top=" + part.substring(4) + ": expected a positive integer");
            }
        }
        return 0;
    }

    /** A JSON array of exactly {@code dim} numbers as floats; anything else is a one-line {@link BadInputException}. */
    public static float[] parseVector(String json, int dim) {
        return JsonFields.requireFloats(Json.parse(json, "request body"), dim, "request body");
    }

    private static String error(String message) {
        return Json.write(Map.of("error", message));
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] out = (json + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }
}
