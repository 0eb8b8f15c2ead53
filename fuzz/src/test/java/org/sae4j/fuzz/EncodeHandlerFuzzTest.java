package org.sae4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.io.json.Json;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.serve.EncodeHandler;

/**
 * {@link EncodeHandler} in-process: an {@link HttpExchange} of our own carries the request (no socket), so each
 * input costs a call, not a connection. Sections: the query string (e.g. {@code top=3}), then the body. The
 * invariant here is the handler's contract: it returns normally with 200 and {@code {"indices","values"}} or 400
 * and a one-line {@code {"error"}} (413 for a body over {@link EncodeHandler#MAX_BODY}); never an exception (which
 * the JDK server would turn into a dropped connection) and never a 500.
 */
class EncodeHandlerFuzzTest {
    private static final int D = 16;
    private static final EncodeHandler HANDLER = new EncodeHandler(SaeEncoder.of(Sae.initialize(
            new SaeConfig(D, 64, Activation.TOPK, 4, true, true, 1e-3, 0.2, 7))), 1, 0);

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void requestBody(byte[] data) throws Exception {
        List<byte[]> s = Harness.sections(data, 2);
        String query = s.get(0) == null ? null : new String(s.get(0), StandardCharsets.UTF_8);
        URI uri;
        try {
            uri = new URI(null, null, "/encode", query, null);
        } catch (URISyntaxException e) {
            uri = URI.create("/encode");
        }
        Exchange ex = new Exchange(uri, s.get(1));
        HANDLER.handle(ex);
        String answer = ex.response.toString(StandardCharsets.UTF_8);
        assertTrue(ex.closed, "exchange not closed");
        assertTrue(answer.endsWith("\n") && answer.indexOf('\n') == answer.length() - 1, answer);
        Map<?, ?> m = (Map<?, ?>) Json.parse(answer);
        switch (ex.status) {
            case 200 -> assertTrue(m.containsKey("indices") && m.containsKey("values"), answer);
            case 400, 413 -> assertTrue(m.get("error") instanceof String, answer);
            default -> throw new AssertionError("status " + ex.status + ": " + answer);
        }
        assertEquals(ex.declaredLength, ex.response.size(), "Content-Length");
    }

    /** The smallest exchange the handler needs: a POST to {@code uri} with {@code body}, the answer captured. */
    private static final class Exchange extends HttpExchange {
        private final URI uri;
        private final InputStream body;
        private final Headers requestHeaders = new Headers();
        private final Headers responseHeaders = new Headers();
        final ByteArrayOutputStream response = new ByteArrayOutputStream();
        int status = -1;
        long declaredLength = -1;
        boolean closed;

        Exchange(URI uri, byte[] body) {
            this.uri = uri;
            this.body = new ByteArrayInputStream(body == null ? new byte[0] : body);
        }

        @Override
        public Headers getRequestHeaders() {
            return requestHeaders;
        }

        @Override
        public Headers getResponseHeaders() {
            return responseHeaders;
        }

        @Override
        public URI getRequestURI() {
            return uri;
        }

        @Override
        public String getRequestMethod() {
            return "POST";
        }

        @Override
        public HttpContext getHttpContext() {
            return null;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public InputStream getRequestBody() {
            return body;
        }

        @Override
        public OutputStream getResponseBody() {
            return response;
        }

        @Override
        public void sendResponseHeaders(int rCode, long responseLength) {
            if (status != -1) {
                throw new IllegalStateException("headers sent twice");
            }
            status = rCode;
            declaredLength = responseLength;
        }

        @Override
        public InetSocketAddress getRemoteAddress() {
            return new InetSocketAddress(0);
        }

        @Override
        public int getResponseCode() {
            return status;
        }

        @Override
        public InetSocketAddress getLocalAddress() {
            return new InetSocketAddress(0);
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Object getAttribute(String name) {
            return null;
        }

        @Override
        public void setAttribute(String name, Object value) {
        }

        @Override
        public void setStreams(InputStream i, OutputStream o) {
        }

        @Override
        public HttpPrincipal getPrincipal() {
            return null;
        }
    }
}
