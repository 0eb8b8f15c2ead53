package org.sae4j.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.sae4j.BadInputException;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.npy.NpyFile;

/**
 * {@code tokens.tsv}: which token each activation row came from. UTF-8 text; the first line is the header
 * {@code row\tdocument\tposition\ttoken}, then one line per activation row in row order:
 * <ul>
 *   <li>{@code row}: 0-based global row index into the activations (every shard concatenated);</li>
 *   <li>{@code document}: 0-based index of the document (the input text file's line, empty lines counted);</li>
 *   <li>{@code position}: 0-based position of the token in the sequence as fed to the model (special tokens
 *       included);</li>
 *   <li>{@code token}: the token's text as the tokenizer gives it, escaped by {@link #escape}.</li>
 * </ul>
 * {@link #reader(Path)} accepts exactly this (rows 0, 1, 2, … without gaps) and refuses anything else with one line
 * naming the file and the line number. {@link #subsetReader(Path)} reads a file of the same format whose rows only
 * increase (a selection of another file's lines, as {@code sae4j features} writes to {@code contexts.tsv}).
 */
public final class TokensTsv {
    /** The first line of every file. */
    public static final String HEADER = "row\tdocument\tposition\ttoken";
    /** The header of a file from {@code activations --window}: each row's window of its document too. */
    public static final String HEADER_WINDOWS = "row\tdocument\twindow\tposition\ttoken";

    private TokensTsv() {
    }

    /** Backslash → {@code \\}, tab → {@code \t}, newline → {@code \n}, carriage return → {@code \r}. */
    public static String escape(String token) {
        StringBuilder b = null;
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            String r = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (r != null && b == null) {
                b = new StringBuilder(token.length() + 8).append(token, 0, i);
            }
            if (b != null) {
                if (r != null) {
                    b.append(r);
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? token : b.toString();
    }

    /** The inverse of {@link #escape}; any other backslash sequence is refused. */
    public static String unescape(String field) {
        int bs = field.indexOf('\\');
        if (bs < 0) {
            return field;
        }
        StringBuilder b = new StringBuilder(field.length()).append(field, 0, bs);
        for (int i = bs; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i + 1 == field.length()) {
                throw new IllegalArgumentException("a lone backslash at the end; expected \\\\, \\t, \\n or \\r");
            }
            char e = field.charAt(++i);
            b.append(switch (e) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape \\" + e + " at character " + i
                        + "; expected \\\\, \\t, \\n or \\r");
            });
        }
        return b.toString();
    }

    /** Starts writing {@code target} atomically: it appears complete on {@link TokenWriter#commit()} or not at all. */
    /** A writer of the windowed layout ({@link #HEADER_WINDOWS}) when {@code windows}. */
    public static TokenWriter writer(Path target, boolean windows) throws IOException {
        return new TokenWriter(target, windows);
    }

    public static TokenWriter writer(Path target) throws IOException {
        return new TokenWriter(target);
    }

    /** Reads a complete tokens file: rows 0, 1, 2, … in order. */
    public static TokenReader reader(Path file) throws IOException {
        return new TokenReader(file, true);
    }

    /** Reads a file of the same format whose rows strictly increase but may skip (a selection of rows). */
    public static TokenReader subsetReader(Path file) throws IOException {
        return new TokenReader(file, false);
    }

    /** Streaming writer; rows are numbered from 0 in call order, or given explicitly for a selection. */
    public static final class TokenWriter implements AutoCloseable {
        private final AtomicFiles.Pending pending;
        private final Writer out;
        private final boolean windows;
        private long nextRow;
        private long lastRow = -1;

        private TokenWriter(Path target) throws IOException {
            this(target, false);
        }

        private TokenWriter(Path target, boolean windows) throws IOException {
            this.windows = windows;
            pending = AtomicFiles.begin(target);
            out = new OutputStreamWriter(pending.out(), StandardCharsets.UTF_8);
            out.write(windows ? HEADER_WINDOWS : HEADER);
            out.write('\n');
        }

        /** Writes row {@code row} of window {@code window} of its document (a windowed writer only). */
        public void write(long row, long document, int window, int position, String token) throws IOException {
            if (!windows) {
                throw new IllegalStateException("a writer of " + HEADER.replace("\t", "\\t") + " has no window");
            }
            put(row, document, window, position, token);
        }

        /** Writes the next row (0, 1, 2, …). */
        public void write(long document, int position, String token) throws IOException {
            write(nextRow, document, position, token);
        }

        /** Writes row {@code row}; rows must strictly increase. */
        public void write(long row, long document, int position, String token) throws IOException {
            put(row, document, windows ? 0 : -1, position, token);
        }

        private void put(long row, long document, int window, int position, String token) throws IOException {
            if (row <= lastRow || document < 0 || position < 0 || (windows && window < 0)) {
                throw new IllegalArgumentException("row " + row + " document " + document + " position " + position
                        + ": expected increasing rows and non-negative document and position");
            }
            out.write(Long.toString(row));
            out.write('\t');
            out.write(Long.toString(document));
            out.write('\t');
            if (windows) {
                out.write(Integer.toString(window));
                out.write('\t');
            }
            out.write(Integer.toString(position));
            out.write('\t');
            out.write(escape(token));
            out.write('\n');
            lastRow = row;
            nextRow = row + 1;
        }

        public void commit() throws IOException {
            out.flush();
            pending.commit();
        }

        /** Discards the file unless committed. */
        @Override
        public void close() throws IOException {
            pending.close();
        }
    }

    /** Streaming reader: {@link #next()} then the accessors of the current line. */
    public static final class TokenReader implements AutoCloseable {
        private final Path file;
        private final boolean complete;
        private final BufferedReader in;
        private final StringBuilder buf = new StringBuilder(64);
        private long line; // of the current row; the header is line 1
        private long row = -1;
        private long document;
        private int window;
        private int position;
        private String token;
        private final boolean windows;

        private TokenReader(Path file, boolean complete) throws IOException {
            this.file = file;
            this.complete = complete;
            FileChannel ch = NpyFile.openForReading(file, "a tokens.tsv file (" + HEADER.replace("\t", "\\t") + ")");
            this.in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
            String h = readLine();
            line = 1;
            if (h == null || !(h.equals(HEADER) || h.equals(HEADER_WINDOWS))) {
                in.close();
                throw bad(h == null ? "file is empty" : "header is '" + h.replace("\t", "\\t") + "'",
                        "the header " + HEADER.replace("\t", "\\t") + " (or, from activations --window, "
                                + HEADER_WINDOWS.replace("\t", "\\t") + ")");
            }
            this.windows = h.equals(HEADER_WINDOWS);
        }

        /** Advances to the next line; false at the end of the file. */
        public boolean next() throws IOException {
            String s = readLine();
            if (s == null) {
                return false;
            }
            line++;
            int t1 = s.indexOf('\t');
            int t2 = t1 < 0 ? -1 : s.indexOf('\t', t1 + 1);
            int tw = windows && t2 >= 0 ? s.indexOf('\t', t2 + 1) : t2; // the window field ends at tw
            int t3 = tw < 0 ? -1 : s.indexOf('\t', tw + 1);
            if (t3 < 0 || s.indexOf('\t', t3 + 1) >= 0) {
                throw bad("has " + (s.chars().filter(c -> c == '\t').count() + 1) + " fields", windows
                        ? "5 tab-separated fields: row, document, window, position, token"
                        : "4 tab-separated fields: row, document, position, token");
            }
            long r = number(s.substring(0, t1), "row");
            long doc = number(s.substring(t1 + 1, t2), "document");
            long win = windows ? number(s.substring(t2 + 1, tw), "window") : 0;
            long pos = number(s.substring(tw + 1, t3), "position");
            if (pos > Integer.MAX_VALUE || win > Integer.MAX_VALUE) {
                throw bad((pos > Integer.MAX_VALUE ? "position " + pos : "window " + win) + " is too large",
                        "a value below 2^31");
            }
            if (complete ? r != row + 1 : r <= row) {
                throw bad("row " + r + " follows row " + row, complete ? "row " + (row + 1)
                        + " (one line per activation row, in order)" : "rows in increasing order");
            }
            try {
                token = unescape(s.substring(t3 + 1));
            } catch (IllegalArgumentException e) {
                throw bad("token has " + e.getMessage(), "an escaped token");
            }
            row = r;
            document = doc;
            window = (int) win;
            position = (int) pos;
            return true;
        }

        /** The next line without its '\n' (null at the end); a raw '\r' is refused, so CRLF files are too. */
        private String readLine() throws IOException {
            buf.setLength(0);
            try {
                int c;
                while ((c = in.read()) >= 0 && c != '\n') {
                    if (c == '\r') {
                        line++;
                        throw bad("has a raw carriage return", "lines ending in \\n alone and \\r escaped as"
                                + " \\\\r");
                    }
                    buf.append((char) c);
                }
                if (c < 0 && buf.isEmpty()) {
                    return null;
                }
                return buf.toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                line++;
                throw bad("is not valid UTF-8", "UTF-8 text");
            }
        }

        private long number(String f, String what) {
            if (f.isEmpty() || f.length() > 18 || !f.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw bad(what + " '" + f + "' is not a non-negative integer", "a non-negative integer " + what);
            }
            return Long.parseLong(f);
        }

        private BadInputException bad(String found, String expected) {
            return new BadInputException(file + ": line " + line + ": " + found + "; expected " + expected);
        }

        /** The 1-based line number of the current row (the header is line 1). */
        public long line() {
            return line;
        }

        public long row() {
            return row;
        }

        public long document() {
            return document;
        }

        /** The row's window of its document (0 in a file without windows). */
        public int window() {
            return window;
        }

        public int position() {
            return position;
        }

        /** The token's text, unescaped. */
        public String token() {
            return token;
        }

        public Path file() {
            return file;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
