package org.sae4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sae4j.encode.EncoderFixtures;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.io.json.Json;
import org.sae4j.model.Activation;

/** {@code POST /encode} on a loopback server with an ephemeral port, through a real HTTP client. */
class EncodeHandlerTest {
    private static final int D = 12;
    private static SaeEncoder encoder;
    private static HttpServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        encoder = SaeEncoder.of(EncoderFixtures.model(Activation.TOPK, D, 40, 4, false, 3));
        server = EncodeHandler.start(encoder, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        EncodeHandler.stop(server);
        client.close();
    }

    @Test
    void encodesAJsonArray() throws Exception {
        float[] x = EncoderFixtures.gaussian(D, 8);
        List<Object> body = new ArrayList<>();
        for (float v : x) {
            body.add(v);
        }
        HttpResponse<String> r = post("/encode", Json.write(body));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        Map<?, ?> m = (Map<?, ?>) Json.parse(r.body());
        SparseCode want = encoder.encode(x);
        List<?> idx = (List<?>) m.get("indices");
        List<?> val = (List<?>) m.get("values");
        assertThat(idx).hasSize(want.size());
        for (int q = 0; q < want.size(); q++) {
            assertThat(((Number) idx.get(q)).intValue()).isEqualTo(want.index(q));
            // Float.toString and back is exact.
            assertThat(((Number) val.get(q)).floatValue()).isEqualTo(want.value(q));
        }

        Map<?, ?> top = (Map<?, ?>) Json.parse(post("/encode?top=2", Json.write(body)).body());
        assertThat((List<?>) top.get("indices")).hasSize(Math.min(2, want.size()));
    }

    @Test
    void clientErrorsGet400WithAMessage() throws Exception {
        assertError(post("/encode", "[1, 2,"), 400, "request body: ");
        assertError(post("/encode", "[1, 2, 3]"), 400, "request body: array of 3 values; expected 12");
        assertError(post("/encode", "{\"x\": 1}"), 400, "request body: an object; expected a JSON array of 12 numbers");
        assertError(post("/encode", "[1,2,3,4,5,6,7,8,9,10,11,\"a\"]"), 400,
                "request body: element 11 is a string; expected a number");
        assertError(post("/encode", "[1,2,3,4,5,6,7,8,9,10,11,1e39]"), 400,
                "request body: element 11 = 1.0E39 is outside float range");
        assertError(post("/encode?top=0", "[1,2,3,4,5,6,7,8,9,10,11,12]"), 400,
                "query top=0: expected a positive integer");
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(uri("/encode")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(get, 405, "method GET: expected POST");
    }

    @Test
    void aBodyDeclaredOverTheLimitGets413WithoutBeingRead() throws Exception {
        // Only the head is sent: a handler that read the body first would wait for 100 MB that never come.
        try (Socket s = socket(server)) {
            s.getOutputStream().write(("POST /encode HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n[1,")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readAnswer(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 413 ").contains("over the limit of " + EncodeHandler.MAX_BODY)
                    .containsIgnoringCase("connection: close");
        }
    }

    @Test
    void aChunkedBodyOverTheLimitGets413() throws Exception {
        byte[] big = new byte[EncodeHandler.MAX_BODY + 1];
        java.util.Arrays.fill(big, (byte) ' ');
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri("/encode"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(big))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertError(r, 413, "request body over " + EncodeHandler.MAX_BODY + " bytes");
    }

    @Test
    void aStalledBodyIsClosedAndItsPlaceFreed() throws Exception {
        // One place in all: while the stalled request holds it every other request would get 503.
        HttpServer one = EncodeHandler.start(new EncodeHandler(encoder, 1, 0, Duration.ofMillis(300)),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Socket s = socket(one)) {
            s.getOutputStream().write(("POST /encode HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[1,")
                    .getBytes(StandardCharsets.US_ASCII));
            // The server closes it: end of stream (or a reset) rather than this read's 20 s socket timeout.
            int first;
            try {
                first = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                first = -1;
            }
            assertThat(first).as("no answer to a half-sent request, the connection closed").isEqualTo(-1);
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < D; i++) {
                body.append(i > 0 ? "," : "").append(i);
            }
            // The place is freed as the handler returns, which may be just after the close the client saw: allow
            // it 2 s (a place held for good would 503 every try).
            HttpResponse<String> r = null;
            for (int attempt = 0; attempt < 100 && (r == null || r.statusCode() == 503); attempt++) {
                if (r != null) {
                    Thread.sleep(20);
                }
                r = client.send(HttpRequest.newBuilder(uri(one, "/encode"))
                        .POST(HttpRequest.BodyPublishers.ofString(body + "]")).build(),
                        HttpResponse.BodyHandlers.ofString());
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        } finally {
            EncodeHandler.stop(one);
        }
    }

    @Test
    void moreKeptAliveClientsThanTheJdkKeepsIdleAreAnsweredOnTheirConnections() throws Exception {
        // The JDK server keeps at most 200 idle connections unless told otherwise and closes any connection going
        // idle beyond that: here 256 clients, each answered once and then idle at once, must each get a second
        // answer on the same connection.
        int clients = 256;
        HttpServer many = EncodeHandler.start(encoder, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        List<Socket> sockets = new ArrayList<>();
        try {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < D; i++) {
                body.append(i > 0 ? "," : "").append(i);
            }
            byte[] request = ("POST /encode HTTP/1.1\r\nHost: x\r\nContent-Length: " + (body.length() + 1)
                    + "\r\n\r\n" + body + "]").getBytes(StandardCharsets.US_ASCII);
            for (int c = 0; c < clients; c++) {
                Socket s = socket(many);
                sockets.add(s);
                s.getOutputStream().write(request);
                assertThat(readAnswer(s.getInputStream())).as("first answer, client " + c)
                        .startsWith("HTTP/1.1 200 ");
            }
            for (int c = 0; c < clients; c++) {
                Socket s = sockets.get(c);
                s.getOutputStream().write(request);
                // The property is read once, by the JVM's first JDK server: one started elsewhere first fixes it.
                assertThat(readAnswer(s.getInputStream())).as("second answer on the same connection, client " + c
                        + " (sun.net.httpserver.maxIdleConnections="
                        + System.getProperty("sun.net.httpserver.maxIdleConnections") + ")")
                        .startsWith("HTTP/1.1 200 ");
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
            EncodeHandler.stop(many);
        }
    }

    private static Socket socket(HttpServer on) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), on.getAddress().getPort());
        s.setSoTimeout(20_000); // only a guard against hanging forever: a pass takes milliseconds
        return s;
    }

    /** Reads status line, headers and a Content-Length body from a raw connection. */
    private static String readAnswer(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int length = -1;
        StringBuilder line = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            b.write(c);
            if (c == '\n') {
                String h = line.toString().trim();
                if (h.isEmpty()) {
                    break;
                }
                if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        if (length > 0) {
            b.write(in.readNBytes(length));
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static void assertError(HttpResponse<String> r, int status, String messageStart) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        Object error = ((Map<?, ?>) Json.parse(r.body())).get("error");
        assertThat((String) error).startsWith(messageStart).doesNotContain("\n");
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return uri(server, path);
    }

    private static URI uri(HttpServer on, String path) {
        InetSocketAddress a = on.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
    }
}
