package org.sae4j.features;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.sae4j.BadInputException;
import org.sae4j.data.TokensTsv;

/** Reads a {@code tokens.tsv}: its row count, and the lines within a few rows of the top rows the page shows. */
public final class ContextRows {
    private ContextRows() {
    }

    /**
     * Checks that {@code tokens} is a valid tokens file with exactly {@code rows} lines, before any work is done:
     * one line naming both files otherwise.
     */
    public static void checkRows(Path tokens, long rows, Path data) throws IOException {
        long got = 0;
        try (TokensTsv.TokenReader r = TokensTsv.reader(tokens)) {
            while (r.next()) {
                got++;
                if (got > rows) {
                    throw new BadInputException(tokens + ": line " + r.line() + ": row " + r.row() + " beyond the "
                            + rows + " rows of " + data + "; expected one line per data row");
                }
            }
        }
        if (got != rows) {
            throw new BadInputException(tokens + ": " + got + " rows; expected " + rows + ", one per row of " + data);
        }
    }

    /**
     * The lines of {@code tokens} whose row is within {@code context} rows of one of {@code topRows} (−1 entries
     * ignored), ascending. The page then keeps those of the top row's document.
     */
    public static FeatureData.Contexts select(Path tokens, long[] topRows, int context) throws IOException {
        long[] t = Arrays.stream(topRows).filter(r -> r >= 0).sorted().distinct().toArray();
        Collector c = new Collector();
        int p = 0;
        try (TokensTsv.TokenReader r = TokensTsv.reader(tokens)) {
            while (p < t.length && r.next()) {
                long row = r.row();
                while (p < t.length && t[p] + context < row) {
                    p++;
                }
                if (p == t.length || t[p] - context > row) {
                    continue;
                }
                c.add(r);
            }
        }
        return c.contexts();
    }

    /** Every line of a contexts file ({@link FeatureStatsWriter#CONTEXTS}, a subset of a tokens file). */
    static FeatureData.Contexts readAll(Path file) throws IOException {
        Collector c = new Collector();
        try (TokensTsv.TokenReader r = TokensTsv.subsetReader(file)) {
            while (r.next()) {
                c.add(r);
            }
        }
        return c.contexts();
    }

    /** The reader's current lines gathered into primitive arrays, grown by doubling. */
    private static final class Collector {
        private int cap = 1024;
        private long[] rows = new long[cap];
        private long[] docs = new long[cap];
        private int[] pos = new int[cap];
        private String[] toks = new String[cap];
        private int m;

        void add(TokensTsv.TokenReader r) {
            if (m == cap) {
                cap *= 2;
                rows = Arrays.copyOf(rows, cap);
                docs = Arrays.copyOf(docs, cap);
                pos = Arrays.copyOf(pos, cap);
                toks = Arrays.copyOf(toks, cap);
            }
            rows[m] = r.row();
            docs[m] = r.document();
            pos[m] = r.position();
            toks[m] = r.token();
            m++;
        }

        FeatureData.Contexts contexts() {
            return new FeatureData.Contexts(Arrays.copyOf(rows, m), Arrays.copyOf(docs, m), Arrays.copyOf(pos, m),
                    Arrays.copyOf(toks, m));
        }
    }
}
