package org.sae4j.io;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sae4j.BadInputException;

/**
 * {@code tokens.tsv}: which token each activation row came from. UTF-8, header {@code row\tdocument\tposition\ttoken},
 * then one line per row in row order ({@code row} = 0-based global row index into every output's concatenated
 * shards). {@code document} is the 0-based line of the input text (empty lines counted), {@code position} the 0-based
 * position in the model's tokenized input (special tokens included), {@code token} the tokenizer's text for it,
 * escaped: backslash {@code \\}, tab {@code \t}, newline {@code \n}, carriage return {@code \r}.
 */
public final class TokensTsv {
    public static final String HEADER = "row\tdocument\tposition\ttoken";

    /** One line of the file. */
    public record Entry(long row, long document, int position, String token) {}

    private TokensTsv() {}

    /** Escapes backslash, tab, newline and carriage return so a token fits one TSV field. */
    public static String escape(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = switch (c) {
                case '\\' -> "\\\\";
                case '\t' -> "\\t";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> null;
            };
            if (rep != null && sb == null) {
                sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            }
            if (sb != null) {
                if (rep != null) sb.append(rep);
                else sb.append(c);
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** Inverse of {@link #escape}; throws {@link IllegalArgumentException} on a lone or unknown escape. */
    public static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= s.length()) throw new IllegalArgumentException("lone backslash at the end");
            char n = s.charAt(++i);
            sb.append(switch (n) {
                case '\\' -> '\\';
                case 't' -> '\t';
                case 'n' -> '\n';
                case 'r' -> '\r';
                default -> throw new IllegalArgumentException("unknown escape '\\" + n + "'");
            });
        }
        return sb.toString();
    }

    /** Streams rows into a {@code tokens.tsv}; the caller owns (and closes) the output stream. */
    public static final class Writer implements Closeable {
        private final java.io.Writer out;
        private long next;

        public Writer(OutputStream out) throws IOException {
            this.out = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            this.out.write(HEADER);
            this.out.write('\n');
        }

        /** Appends the next row; rows must come in order 0, 1, 2, ... */
        public void write(long row, long document, int position, String token) throws IOException {
            if (row != next) throw new IllegalStateException("row " + row + " written where row " + next + " is due");
            out.write(Long.toString(row));
            out.write('\t');
            out.write(Long.toString(document));
            out.write('\t');
            out.write(Integer.toString(position));
            out.write('\t');
            out.write(escape(token));
            out.write('\n');
            next++;
        }

        public long rows() {
            return next;
        }

        /** Flushes the encoder into the underlying stream (which stays open). */
        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

    /** Reads a {@code tokens.tsv} line by line, refusing anything but the format above. */
    public static final class Reader implements Closeable {
        private final Path file;
        private final BufferedReader in;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        private long lineNo = 1;
        private long nextRow;

        public Reader(Path file) throws IOException {
            this.file = file;
            // Lines are split as ISO-8859-1 (one char per byte) and each is decoded as strict UTF-8 on its own, so
            // a bad byte is reported with its own line number rather than that of a read-ahead buffer.
            this.in = new BufferedReader(new InputStreamReader(Files.newInputStream(file),
                    StandardCharsets.ISO_8859_1), 1 << 16);
            String h = readLine();
            if (h == null || !h.equals(HEADER)) {
                in.close();
                throw bad(h == null ? "empty file" : "header '" + h + "'", "the header '"
                        + HEADER.replace("\t", "\\t") + "'");
            }
        }

        /** The next entry, or null at the end of the file. */
        public Entry next() throws IOException {
            String line = readLine();
            if (line == null) return null;
            String[] f = line.split("\t", -1);
            if (f.length != 4) throw bad(f.length + " tab-separated fields", "4 (row, document, position, token)");
            long row = parseLong(f[0], "row");
            if (row != nextRow) throw bad("row " + row, "row " + nextRow + " (rows in order from 0)");
            long doc = parseLong(f[1], "document");
            long pos = parseLong(f[2], "position");
            if (pos > Integer.MAX_VALUE) throw bad("position " + pos, "a position below 2^31");
            String token;
            try {
                token = unescape(f[3]);
            } catch (IllegalArgumentException e) {
                throw bad("token field with " + e.getMessage(), "escapes \\\\, \\t, \\n, \\r only");
            }
            nextRow++;
            return new Entry(row, doc, (int) pos, token);
        }

        private long parseLong(String s, String field) {
            try {
                long v = Long.parseLong(s);
                if (v >= 0 && !s.startsWith("+")) return v;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw bad(field + " '" + s + "'", "a non-negative integer");
        }

        private String readLine() throws IOException {
            String l = in.readLine();
            lineNo++;
            if (l == null) return null;
            try {
                return utf8.decode(ByteBuffer.wrap(l.getBytes(StandardCharsets.ISO_8859_1))).toString();
            } catch (CharacterCodingException e) {
                throw bad("bytes that are not UTF-8", "UTF-8 text");
            }
        }

        private BadInputException bad(String found, String expected) {
            return new BadInputException(file + " line " + (lineNo - 1) + ": " + found + "; expected " + expected);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
