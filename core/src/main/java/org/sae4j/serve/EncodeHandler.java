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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.sae4j.BadInputException;
import org.sae4j.SaeEncoder;
import org.sae4j.SparseCode;
import org.sae4j.io.Json;
import org.sae4j.io.JsonFields;

/**
 * {@code POST /encode} for the JDK's built-in HTTP server: the body is a JSON array of d numbers, the answer
 * {@code {"indices":[...],"values":[...]}} with the input's non-zero codes, strongest first ({@code ?top=m} keeps the
 * m strongest). Anything the client can fix (bad JSON, wrong length, NaN, a bad {@code top}) gets 400 and
 * {@code {"error":"..."}} with a one-line message; a body over {@link #MAX_BODY} bytes gets 413, another method 405.
 * One handler serves concurrent requests through the shared, thread-safe {@link SaeEncoder}.
 *
 * <p><b>Overload.</b> Encoding is CPU-bound, so it runs on {@code maxInFlight} platform threads of the handler's own
 * (default: one per core) and at most {@code maxQueued} more requests wait their turn; a request beyond that is
 * answered at once with 503, {@code Retry-After: 1} and a one-line error, instead of joining an unbounded queue whose
 * latency and memory (each waiting body is held) would grow without limit. Memory for request bodies is thus bounded
 * by {@code (maxInFlight + maxQueued) × MAX_BODY}. Requests themselves are read and answered on virtual threads,
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

    private final SaeEncoder encoder;
    private final int maxInFlight;
    private final int maxQueued;
    private final Semaphore admitted; // in flight + queued
    private final ExecutorService encoding; // maxInFlight platform threads; its queue never exceeds maxQueued

    public EncodeHandler(SaeEncoder encoder) {
        this(encoder, DEFAULT_IN_FLIGHT, DEFAULT_QUEUED);
    }

    /** A handler encoding at most {@code maxInFlight} requests at once with at most {@code maxQueued} waiting. */
    public EncodeHandler(SaeEncoder encoder, int maxInFlight, int maxQueued) {
        if (maxInFlight < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("maxInFlight " + maxInFlight + " must be ≥ 1 and maxQueued "
                    + maxQueued + " ≥ 0");
        }
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
     * thread per request, with the default overload limits. Stop it with {@link #stop(HttpServer)}.
     */
    public static HttpServer start(SaeEncoder encoder, InetSocketAddress address) throws IOException {
        return start(new EncodeHandler(encoder), address);
    }

    /** As {@link #start(SaeEncoder, InetSocketAddress)} with a configured handler. */
    public static HttpServer start(EncodeHandler handler, InetSocketAddress address) throws IOException {
        HttpServer server = HttpServer.create(address, 0);
        server.createContext("/encode", handler);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
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
        byte[] body = readBody(ex.getRequestBody());
        if (body == null) {
            reply(ex, 413, error("request body over " + MAX_BODY + " bytes"));
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
