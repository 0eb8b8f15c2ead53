package org.sae4j.browser;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.opentest4j.TestAbortedException;
import org.sae4j.io.json.Json;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol with the JDK's own {@link WebSocket} (no WebDriver, no
 * test dependency): opens a page from {@code file://}, collects console errors and uncaught exceptions, evaluates
 * JavaScript in the page and clicks with real mouse events.
 *
 * <p>Chromium is found as {@code -Dsae4j.chromium=PATH}, else {@code chromium}, {@code chromium-browser},
 * {@code google-chrome} on the PATH. Missing, the tests fail with one line saying how to install it, unless
 * {@code -Dsae4j.skipBrowserTests=true} opts out (they are then skipped, visibly).
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<Map<String, Object>>> pending = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> waits = new ConcurrentHashMap<>();
    private final List<String> errors = Collections.synchronizedList(new ArrayList<>());
    private String session;

    private HeadlessChromium(Process process, Path profile, String wsUrl) throws Exception {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(TIMEOUT)
                .buildAsync(URI.create(wsUrl), new Listener()).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /** Starts Chromium with a fresh profile and a page of {@code width × height} CSS pixels. */
    public static HeadlessChromium start(int width, int height) throws Exception {
        if (Boolean.getBoolean("sae4j.skipBrowserTests")) {
            throw new TestAbortedException("browser tests skipped (-Dsae4j.skipBrowserTests=true)");
        }
        String exe = find();
        Path profile = Files.createTempDirectory("sae4j-chromium");
        ProcessBuilder pb = new ProcessBuilder(exe, "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check", "--hide-scrollbars",
                "--remote-debugging-port=0", "--user-data-dir=" + profile, "--window-size=" + width + "," + height,
                "about:blank");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String ws = null;
        List<String> seen = new ArrayList<>();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String line;
        while (System.nanoTime() < deadline && (line = r.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                ws = m.group(1);
                break;
            }
            seen.add(line);
        }
        if (ws == null) {
            p.destroyForcibly();
            Checkpoint.deleteTree(profile);
            throw new IllegalStateException(exe + " did not open its DevTools port; its output: " + seen);
        }
        // Keep draining its output so Chromium never blocks on a full pipe.
        Thread drain = new Thread(() -> {
            try {
                while (r.readLine() != null) {
                    // discard
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "chromium-output");
        drain.setDaemon(true);
        drain.start();
        HeadlessChromium c = new HeadlessChromium(p, profile, ws);
        try {
            c.attach();
        } catch (Exception e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static String find() {
        String given = System.getProperty("sae4j.chromium");
        if (given != null && !given.isBlank()) {
            if (!Files.isExecutable(Path.of(given))) {
                throw new AssertionError("-Dsae4j.chromium=" + given + ": not an executable file; install Chromium"
                        + " with `apt-get install -y chromium` (or -Dsae4j.skipBrowserTests=true to skip the browser"
                        + " tests)");
            }
            return given;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        throw new AssertionError("headless Chromium not found on the PATH: install it with `apt-get install -y"
                + " chromium` (or pass -Dsae4j.chromium=PATH, or -Dsae4j.skipBrowserTests=true to skip the browser"
                + " tests)");
    }

    private void attach() throws Exception {
        Map<String, Object> t = send(null, "Target.createTarget", Map.of("url", "about:blank"));
        Map<String, Object> a = send(null, "Target.attachToTarget", Map.of("targetId", t.get("targetId"),
                "flatten", true));
        session = (String) a.get("sessionId");
        send(session, "Runtime.enable", Map.of());
        send(session, "Log.enable", Map.of());
        send(session, "Page.enable", Map.of());
    }

    /** Navigates to {@code file}, waits for the load event, and returns once {@code ready} (a JS expression) holds. */
    public void open(Path file, String ready) throws Exception {
        open(file, null, ready);
    }

    /** As {@link #open(Path, String)}, at {@code #fragment} of the page (null: none). */
    public void open(Path file, String fragment, String ready) throws Exception {
        CompletableFuture<Void> loaded = new CompletableFuture<>();
        waits.put("Page.loadEventFired", loaded);
        send(session, "Page.navigate", Map.of("url", file.toAbsolutePath().toUri() + (fragment == null ? ""
                : "#" + fragment)));
        loaded.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Boolean.TRUE.equals(eval(ready))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(file + ": page not ready (" + ready + ") after " + TIMEOUT + "; errors "
                        + errors);
            }
            if (!errors.isEmpty()) {
                throw new AssertionError(file + ": page failed while loading: " + errors);
            }
            Thread.sleep(50);
        }
    }

    /** The value of a JavaScript expression in the page (JSON types: Boolean, Long, Double, String, List, Map). */
    public Object eval(String expression) throws Exception {
        Map<String, Object> r = send(session, "Runtime.evaluate", Map.of("expression", expression,
                "returnByValue", true, "awaitPromise", true));
        if (r.get("exceptionDetails") != null) {
            throw new AssertionError("JavaScript threw on `" + expression + "`: " + Json.write(r.get("exceptionDetails")));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> v = (Map<String, Object>) r.get("result");
        return v.get("value");
    }

    /** Waits until {@code condition} (a JS expression) holds, for what a page does in a later task (hashchange). */
    public void waitFor(String condition) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Boolean.TRUE.equals(eval(condition))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not true after " + TIMEOUT + ": " + condition + "; errors " + errors);
            }
            Thread.sleep(20);
        }
    }

    /** A real left click (mouse pressed and released) at the centre of the first element matching {@code selector}. */
    public void click(String selector) throws Exception {
        Object rect = eval("(() => { const e = document.querySelector(" + Json.write(selector) + ");"
                + " if (!e) return null; e.scrollIntoView({block: 'nearest'}); const r = e.getBoundingClientRect();"
                + " return [r.left + r.width / 2, r.top + r.height / 2]; })()");
        if (!(rect instanceof List<?> xy)) {
            throw new AssertionError("no element matches " + selector);
        }
        for (String type : List.of("mousePressed", "mouseReleased")) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("type", type);
            m.put("x", ((Number) xy.get(0)).doubleValue());
            m.put("y", ((Number) xy.get(1)).doubleValue());
            m.put("button", "left");
            m.put("clickCount", 1L);
            send(session, "Input.dispatchMouseEvent", m);
        }
    }

    /** Types text into the focused element, as a keyboard would. */
    public void type(String text) throws Exception {
        send(session, "Input.insertText", Map.of("text", text));
    }

    /** Console errors, uncaught exceptions and error log entries (failed loads) since start. */
    public List<String> errors() {
        synchronized (errors) {
            return List.copyOf(errors);
        }
    }

    private Map<String, Object> send(String sessionId, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", (long) id);
        m.put("method", method);
        m.put("params", params);
        if (sessionId != null) {
            m.put("sessionId", sessionId);
        }
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText(Json.write(m), true).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    @SuppressWarnings("unchecked")
    private void receive(String text) {
        Map<String, Object> m = (Map<String, Object>) Json.parse(text, "devtools message");
        if (m.get("id") instanceof Long id) {
            CompletableFuture<Map<String, Object>> f = pending.remove(id.intValue());
            if (f != null) {
                if (m.get("error") != null) {
                    f.completeExceptionally(new IllegalStateException("DevTools error: " + Json.write(m.get("error"))));
                } else {
                    f.complete((Map<String, Object>) m.getOrDefault("result", Map.of()));
                }
            }
            return;
        }
        String method = (String) m.get("method");
        Map<String, Object> p = (Map<String, Object>) m.getOrDefault("params", Map.of());
        switch (method == null ? "" : method) {
            case "Runtime.consoleAPICalled" -> {
                if ("error".equals(p.get("type")) || "assert".equals(p.get("type"))) {
                    errors.add("console." + p.get("type") + ": " + Json.write(p.get("args")));
                }
            }
            case "Runtime.exceptionThrown" -> errors.add("exception: " + Json.write(p.get("exceptionDetails")));
            case "Log.entryAdded" -> {
                Map<String, Object> e = (Map<String, Object>) p.get("entry");
                if (e != null && "error".equals(e.get("level"))) {
                    errors.add("log: " + e.get("text") + " " + e.getOrDefault("url", ""));
                }
            }
            default -> {
                CompletableFuture<Void> w = waits.remove(method);
                if (w != null) {
                    w.complete(null);
                }
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder buf = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            buf.append(data);
            if (last) {
                String s = buf.toString();
                buf.setLength(0);
                receive(s);
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() throws Exception {
        try {
            socket.abort();
        } finally {
            // Chromium's helper processes (renderer, zygote) are its descendants: end them with it.
            List<ProcessHandle> helpers = process.descendants().toList();
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (ProcessHandle h : helpers) {
                h.destroy();
                h.onExit().get(10, TimeUnit.SECONDS);
            }
            // A last helper may still be writing to the profile: retry briefly.
            for (int attempt = 0; ; attempt++) {
                try {
                    Checkpoint.deleteTree(profile);
                    break;
                } catch (IOException e) {
                    if (attempt == 20) {
                        throw e;
                    }
                    Thread.sleep(100);
                }
            }
        }
    }
}
