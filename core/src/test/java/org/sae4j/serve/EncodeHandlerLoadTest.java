package org.sae4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.sae4j.encode.EncoderFixtures;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.io.json.Json;
import org.sae4j.model.Activation;

/**
 * {@code EncodeHandler} on loopback under many concurrent clients for a few seconds, good and malformed requests
 * mixed: every good answer is byte-identical to the single-threaded encoder's, every bad one a 400 with a one-line
 * message, every request answered, and the heap after GC ends where it started. Then the overload rules: with the
 * encoding slots and the queue full, a request gets 503 at once, and service resumes when they drain. Throughput
 * figures come from {@code org.sae4j.bench.EncodeServiceLoad}, not from here.
 */
class EncodeHandlerLoadTest {
    private static final int D = 64;
    private static final long RUN_MILLIS = 3000;

    /** A request and what must come back: the exact body for good ones, 400 and a message start for bad ones. */
    private record Case(String path, String body, int status, String answer) {}

    private static List<Case> cases(SaeEncoder enc) {
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            float[] x = EncoderFixtures.gaussian(D, 100 + i);
            List<Object> body = new ArrayList<>();
            for (float v : x) {
                body.add(v);
            }
            int top = i % 3 == 0 ? 1 + i % 5 : 0;
            SparseCode want = top > 0 ? enc.topFeatures(x, top) : enc.encode(x);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("indices", want.indices());
            m.put("values", want.values());
            cases.add(new Case(top > 0 ? "/encode?top=" + top : "/encode", Json.write(body), 200,
                    Json.write(m) + "\n"));
        }
        String ok = "[" + "0.5,".repeat(D - 1) + "0.5]";
        cases.add(new Case("/encode", "[1, 2,", 400, "request body: JSON line 1"));
        cases.add(new Case("/encode", "[1, 2, 3]", 400, "request body: array of 3 values; expected " + D));
        cases.add(new Case("/encode", "{\"x\": 1}", 400, "request body: an object; expected a JSON array"));
        cases.add(new Case("/encode", ok.replaceFirst("0\\.5", "\"a\""), 400, "request body: element 0 is a string"));
        cases.add(new Case("/encode", ok.replaceFirst("0\\.5", "1e39"), 400, "request body: element 0 = "));
        cases.add(new Case("/encode", "", 400, "request body: JSON "));
        cases.add(new Case("/encode", "[".repeat(5000), 400, "request body: JSON line 1"));
        cases.add(new Case("/encode", "\"" + "x".repeat(100_000) + "\"", 400, "request body: a string; expected"));
        cases.add(new Case("/encode?top=0", ok, 400, "query top=0: expected a positive integer"));
        cases.add(new Case("/encode?top=x", ok, 400, "query top=x: expected a positive integer"));
        return cases;
    }

    private static long heapAfterGc(MemoryMXBean mem) throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }

    @Test
    void manyConcurrentClientsGetCorrectAnswersAndMemoryStaysFlat() throws Exception {
        SaeEncoder enc = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, 512, 8, false, 5));
        List<Case> cases = cases(enc);
        // Queue room for every client: this run is about correctness, nothing may be turned away.
        int clients = 48;
        HttpServer server = EncodeHandler.start(new EncodeHandler(enc, 2, clients),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
        AtomicLong sent = new AtomicLong();
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
             ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            runClients(client, base, cases, 4, 500, pool, sent, new ConcurrentHashMap<>()); // warm-up
            long before = heapAfterGc(mem);
            runClients(client, base, cases, clients, RUN_MILLIS, pool, sent, byStatus);
            long after = heapAfterGc(mem);
            assertThat(after - before).as("heap growth after GC over a %d ms run (%d → %d bytes)", RUN_MILLIS,
                    before, after).isLessThan(32L << 20);
        } finally {
            EncodeHandler.stop(server);
        }
        long answered = byStatus.values().stream().mapToLong(AtomicLong::get).sum();
        assertThat(byStatus.keySet()).containsExactlyInAnyOrder(200, 400);
        assertThat(byStatus.get(200).get()).isGreaterThan(100);
        assertThat(byStatus.get(400).get()).isGreaterThan(10);
        System.out.printf("load test: %d clients, %d requests in %d ms: %s%n", clients, answered, RUN_MILLIS,
                byStatus);
    }

    /**
     * {@code clients} virtual threads send random cases until {@code millis} have passed; each answer is checked
     * against its case (a 503 must carry Retry-After and a message). Returns when all have finished; a lost or
     * wrong answer fails the test.
     */
    private static void runClients(HttpClient client, URI base, List<Case> cases, int clients, long millis,
            ExecutorService pool, AtomicLong sent, Map<Integer, AtomicLong> byStatus) throws Exception {
        long end = System.nanoTime() + millis * 1_000_000;
        List<Future<?>> fs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            long seed = c;
            fs.add(pool.submit(() -> {
                SplittableRandom r = new SplittableRandom(seed);
                while (System.nanoTime() < end) {
                    Case k = cases.get(r.nextInt(cases.size()));
                    HttpRequest req = HttpRequest.newBuilder(base.resolve(k.path())).timeout(Duration.ofSeconds(30))
                            .POST(HttpRequest.BodyPublishers.ofString(k.body())).build();
                    sent.incrementAndGet();
                    HttpResponse<String> resp = client.send(req, HttpResponse.BodyHandlers.ofString());
                    byStatus.computeIfAbsent(resp.statusCode(), s -> new AtomicLong()).incrementAndGet();
                    check(k, resp);
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(); // rethrows the first wrong answer or I/O failure
        }
    }

    private static void check(Case k, HttpResponse<String> resp) {
        if (resp.statusCode() == 503) {
            assertThat(resp.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(error(resp)).startsWith("server busy: ");
            return;
        }
        assertThat(resp.statusCode()).as("%s %s → %s", k.path(), abbreviate(k.body()), resp.body())
                .isEqualTo(k.status());
        if (k.status() == 200) {
            assertThat(resp.body()).isEqualTo(k.answer());
        } else {
            assertThat(error(resp)).startsWith(k.answer()).doesNotContain("\n");
        }
    }

    private static String error(HttpResponse<String> resp) {
        assertThat(resp.body()).endsWith("\n");
        Object e = ((Map<?, ?>) Json.parse(resp.body())).get("error");
        assertThat(e).isInstanceOf(String.class);
        return (String) e;
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    @Test
    void whenSlotsAndQueueAreFullNewRequestsGet503AtOnce() throws Exception {
        SaeEncoder enc = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, 128, 4, false, 6));
        List<Case> cases = cases(enc);
        Case good = cases.get(1);
        HttpServer server = EncodeHandler.start(new EncodeHandler(enc, 1, 2),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        int port = server.getAddress().getPort();
        URI base = URI.create("http://127.0.0.1:" + port);
        List<Socket> stalled = new ArrayList<>();
        try (HttpClient client = HttpClient.newHttpClient()) {
            // Three clients that announce a body and never send it hold the one slot and the two queue places.
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                OutputStream o = s.getOutputStream();
                o.write(("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n[1,")
                        .getBytes(StandardCharsets.US_ASCII));
                o.flush();
                stalled.add(s);
            }
            HttpRequest req = HttpRequest.newBuilder(base.resolve(good.path()))
                    .POST(HttpRequest.BodyPublishers.ofString(good.body())).build();
            HttpResponse<String> busy = null;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) { // the stalled requests reach the handler asynchronously
                HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 503) {
                    busy = r;
                    break;
                }
                check(good, r);
                Thread.sleep(20);
            }
            assertThat(busy).as("a 503 once the queue is full").isNotNull();
            assertThat(error(busy)).isEqualTo("server busy: 1 requests encoding and 2 waiting; retry later");
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");

            // Many clients at once against a full server: every request is still answered (503), none hangs.
            Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                runClients(client, base, List.of(good), 16, 500, pool, new AtomicLong(), byStatus);
            }
            assertThat(byStatus.keySet()).containsExactly(503);

            for (Socket s : stalled) {
                s.close();
            }
            stalled.clear();
            HttpResponse<String> r = null;
            deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) { // the handler notices the closed sockets and frees the places
                r = client.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 503) {
                    break;
                }
                Thread.sleep(20);
            }
            check(good, r);
            assertThat(r.statusCode()).isEqualTo(200);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
            EncodeHandler.stop(server);
        }
    }
}
