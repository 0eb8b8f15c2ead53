package org.sae4j.onnx;

import java.io.PrintStream;
import java.util.Locale;

/** A progress line every few seconds: documents/s, tokens/s, ETA. */
final class Progress {
    private static final long EVERY_NANOS = 3_000_000_000L;
    private final PrintStream out;
    private final long docsTotal;
    private final long tokensTotal;
    private final long start = System.nanoTime();
    private long last = start;
    private long docs;
    private long tokens;

    Progress(PrintStream out, long docsTotal, long tokensTotal) {
        this.out = out;
        this.docsTotal = docsTotal;
        this.tokensTotal = tokensTotal;
    }

    void advance(long d, long t) {
        docs += d;
        tokens += t;
        long now = System.nanoTime();
        if (out != null && now - last >= EVERY_NANOS) {
            last = now;
            out.println(line(now));
        }
    }

    String line(long now) {
        double s = (now - start) / 1e9;
        double tps = tokens / Math.max(s, 1e-9);
        double eta = tps > 0 ? (tokensTotal - tokens) / tps : 0;
        return String.format(Locale.ROOT, "activations: %d/%d documents (%.0f%%), %.1f documents/s,"
                + " %.0f tokens/s, ETA %.0f s", docs, docsTotal, 100.0 * docs / docsTotal, docs / s, tps, eta);
    }

    void finish() {
        if (out != null) out.println(line(System.nanoTime()));
    }
}
