package org.sae4j.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sae4j.Activation;
import org.sae4j.EncoderFixtures;
import org.sae4j.SaeEncoder;
import org.sae4j.SparseCode;
import org.sae4j.io.Json;

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
        InetSocketAddress a = server.getAddress();
        return URI.create("http://" + a.getAddress().getHostAddress() + ":" + a.getPort() + path);
    }
}
