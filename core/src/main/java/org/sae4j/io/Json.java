package org.sae4j.io;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * A small strict JSON (RFC 8259) parser and writer, so the core jar needs no JSON library.
 *
 * <p>Parsed values: objects are {@link LinkedHashMap} (member order kept, duplicate keys refused), arrays are
 * {@link List}, numbers without fraction or exponent that fit a {@code long} are {@link Long}, all other numbers are
 * {@link Double}, plus {@link String}, {@link Boolean} and {@code null}. Errors are one-line
 * {@link BadInputException}s naming the source, the line, column and offset, what was found and what was expected.
 *
 * <p>The writer accepts maps with string keys, collections, primitive arrays, strings, numbers, booleans and null.
 * {@code Float}s are written with {@link Float#toString(float)} and {@code Double}s with
 * {@link Double#toString(double)}: the shortest decimal that reads back to the same value. NaN and infinities have
 * no JSON form and are refused.
 */
public final class Json {
    /** Nesting deeper than this is refused: a guard against stack overflow on hostile input. */
    static final int MAX_DEPTH = 512;

    private Json() {}

    /** Parses {@code text}; error messages name the source as {@code <json>}. */
    public static Object parse(String text) {
        return parse(text, "<json>");
    }

    /** Parses {@code text}; error messages start with {@code sourceName} (e.g. the file name). */
    public static Object parse(String text, String sourceName) {
        Parser p = new Parser(text, sourceName);
        p.skipWhitespace();
        Object value = p.value(0);
        p.skipWhitespace();
        if (p.pos < text.length()) {
            throw p.error("unexpected " + p.describeHere() + " after the top-level value", "end of input");
        }
        return value;
    }

    /** Reads and parses a UTF-8 JSON file; errors name the file. */
    public static Object read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new BadInputException(file + ": not valid UTF-8; expected a UTF-8 JSON file", e);
        }
        return parse(text, file.toString());
    }

    /** Reads a JSON file whose top level must be an object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(Path file) throws IOException {
        Object v = read(file);
        if (!(v instanceof Map)) {
            throw new BadInputException(file + ": top-level JSON value is " + typeName(v) + "; expected an object");
        }
        return (Map<String, Object>) v;
    }

    /** Compact JSON, no whitespace. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        new Writer(sb, false).value(value, 0);
        return sb.toString();
    }

    /** Indented JSON (two spaces), ending without a newline. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        new Writer(sb, true).value(value, 0);
        return sb.toString();
    }

    /** A short name of a parsed value's JSON type, for error messages. */
    public static String typeName(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String) return "a string";
        if (v instanceof Boolean) return "a boolean";
        if (v instanceof Number) return "a number";
        return v.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- parser

    private static final class Parser {
        final String s;
        final String source;
        int pos;

        Parser(String s, String source) {
            this.s = s;
            this.source = source;
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels", "a shallower document");
            }
            if (pos >= s.length()) {
                throw error("unexpected end of input", "a value");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected " + describeHere(), "a value (object, array, string, number, true, false or null)");
            }
        }

        Map<String, Object> object(int depth) {
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("unexpected " + describeHere(), "a string key");
                }
                int keyPos = pos;
                String key = string();
                skipWhitespace();
                if (peek() != ':') {
                    throw error("unexpected " + describeHere() + " after key \"" + key + "\"", "':'");
                }
                pos++;
                skipWhitespace();
                Object v = value(depth + 1);
                if (map.containsKey(key)) {
                    pos = keyPos;
                    throw error("duplicate key \"" + key + "\"", "each key once per object");
                }
                map.put(key, v);
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    return map;
                } else {
                    throw error("unexpected " + describeHere() + " in object", "',' or '}'");
                }
            }
        }

        List<Object> array(int depth) {
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth + 1));
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    return list;
                } else {
                    throw error("unexpected " + describeHere() + " in array", "',' or ']'");
                }
            }
        }

        String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int runStart = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string", "a closing '\"'");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) {
                    throw error("raw control character U+" + hex4(c) + " in string", "it escaped (e.g. \\n, \\u00XX)");
                }
                if (c != '\\') {
                    pos++;
                    continue;
                }
                if (sb == null) sb = new StringBuilder();
                sb.append(s, runStart, pos);
                pos++;
                if (pos >= s.length()) {
                    throw error("unterminated escape", "an escape character");
                }
                char e = s.charAt(pos);
                switch (e) {
                    case '"': sb.append('"'); break;
                    case '\\': sb.append('\\'); break;
                    case '/': sb.append('/'); break;
                    case 'b': sb.append('\b'); break;
                    case 'f': sb.append('\f'); break;
                    case 'n': sb.append('\n'); break;
                    case 'r': sb.append('\r'); break;
                    case 't': sb.append('\t'); break;
                    case 'u': {
                        if (pos + 4 >= s.length()) { // need the four characters after 'u'
                            throw error("truncated \\u escape", "four hex digits");
                        }
                        int cp = 0;
                        for (int i = 1; i <= 4; i++) {
                            int d = Character.digit(s.charAt(pos + i), 16);
                            if (d < 0) {
                                pos += i;
                                throw error("bad hex digit " + describeHere() + " in \\u escape", "four hex digits");
                            }
                            cp = cp * 16 + d;
                        }
                        // Lone surrogates are passed through as Java chars; pairs combine naturally in UTF-16.
                        sb.append((char) cp);
                        pos += 4;
                        break;
                    }
                    default:
                        throw error("bad escape \\" + e, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
                pos++;
                runStart = pos;
            }
        }

        Object number() {
            int start = pos;
            if (peek() == '-') pos++;
            if (pos >= s.length()) throw error("unexpected end of input in number", "a digit");
            char c = s.charAt(pos);
            if (c == '0') {
                pos++;
                if (pos < s.length() && isDigit(s.charAt(pos))) {
                    throw error("leading zero in number", "no leading zeros (JSON)");
                }
            } else if (isDigit(c)) {
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            } else {
                throw error("unexpected " + describeHere() + " in number", "a digit");
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw error("unexpected " + describeHere() + " after decimal point", "a digit");
                }
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw error("unexpected " + describeHere() + " in exponent", "a digit");
                }
                while (pos < s.length() && isDigit(s.charAt(pos))) pos++;
            }
            String text = s.substring(start, pos);
            if (integral) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException tooBig) {
                    // Beyond the long range: keep the magnitude as a double rather than failing.
                    return Double.parseDouble(text);
                }
            }
            double d = Double.parseDouble(text);
            if (Double.isInfinite(d)) {
                pos = start;
                throw error("number " + text + " overflows a double", "a finite number");
            }
            return d;
        }

        void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("unexpected " + describeHere(), "a value (object, array, string, number, true, false or null)");
            }
            pos += word.length();
        }

        void skipWhitespace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    return;
                }
            }
        }

        char peek() {
            return pos < s.length() ? s.charAt(pos) : '\uFFFF';
        }

        String describeHere() {
            if (pos >= s.length()) return "end of input";
            char c = s.charAt(pos);
            if (c < 0x20 || c > 0x7e) return "character U+" + hex4(c);
            return "'" + c + "'";
        }

        BadInputException error(String problem, String expected) {
            int line = 1;
            int col = 1;
            int end = Math.min(pos, s.length());
            for (int i = 0; i < end; i++) {
                if (s.charAt(i) == '\n') {
                    line++;
                    col = 1;
                } else {
                    col++;
                }
            }
            return new BadInputException(source + ": JSON line " + line + " column " + col + " (offset " + pos + "): "
                    + problem + "; expected " + expected);
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }

    private static String hex4(int c) {
        String h = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
        return "0000".substring(h.length()) + h;
    }

    // ---------------------------------------------------------------- writer

    private static final class Writer {
        final StringBuilder sb;
        final boolean pretty;

        Writer(StringBuilder sb, boolean pretty) {
            this.sb = sb;
            this.pretty = pretty;
        }

        void value(Object v, int depth) {
            if (depth > MAX_DEPTH) {
                throw new IllegalArgumentException("JSON value nested deeper than " + MAX_DEPTH + " (a cycle?)");
            }
            if (v == null) {
                sb.append("null");
            } else if (v instanceof String str) {
                string(str);
            } else if (v instanceof Boolean b) {
                sb.append(b.booleanValue());
            } else if (v instanceof Float f) {
                floating(f.floatValue(), Float.toString(f));
            } else if (v instanceof Double d) {
                floating(d.doubleValue(), Double.toString(d));
            } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte
                    || v instanceof BigInteger) {
                sb.append(v);
            } else if (v instanceof BigDecimal bd) {
                sb.append(bd.toString());
            } else if (v instanceof Number n) {
                floating(n.doubleValue(), Double.toString(n.doubleValue()));
            } else if (v instanceof Map<?, ?> m) {
                object(m, depth);
            } else if (v instanceof Collection<?> c) {
                array(c, depth);
            } else if (v instanceof float[] a) {
                List<Object> l = new ArrayList<>(a.length);
                for (float x : a) l.add(x);
                array(l, depth);
            } else if (v instanceof double[] a) {
                List<Object> l = new ArrayList<>(a.length);
                for (double x : a) l.add(x);
                array(l, depth);
            } else if (v instanceof int[] a) {
                List<Object> l = new ArrayList<>(a.length);
                for (int x : a) l.add(x);
                array(l, depth);
            } else if (v instanceof long[] a) {
                List<Object> l = new ArrayList<>(a.length);
                for (long x : a) l.add(x);
                array(l, depth);
            } else if (v instanceof Object[] a) {
                array(java.util.Arrays.asList(a), depth);
            } else {
                throw new IllegalArgumentException("cannot write " + v.getClass().getName() + " as JSON");
            }
        }

        void floating(double d, String text) {
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no representation for " + d);
            }
            sb.append(text);
        }

        void object(Map<?, ?> m, int depth) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, got " + e.getKey());
                }
                if (!first) sb.append(',');
                first = false;
                newline(depth + 1);
                string(key);
                sb.append(pretty ? ": " : ":");
                value(e.getValue(), depth + 1);
            }
            newline(depth);
            sb.append('}');
        }

        void array(Collection<?> c, int depth) {
            if (c.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) sb.append(',');
                first = false;
                newline(depth + 1);
                value(o, depth + 1);
            }
            newline(depth);
            sb.append(']');
        }

        void newline(int depth) {
            if (pretty) {
                sb.append('\n');
                for (int i = 0; i < depth; i++) sb.append("  ");
            }
        }

        void string(String str) {
            sb.append('"');
            for (int i = 0; i < str.length(); i++) {
                char c = str.charAt(i);
                switch (c) {
                    case '"': sb.append("\\\""); break;
                    case '\\': sb.append("\\\\"); break;
                    case '\n': sb.append("\\n"); break;
                    case '\r': sb.append("\\r"); break;
                    case '\t': sb.append("\\t"); break;
                    case '\b': sb.append("\\b"); break;
                    case '\f': sb.append("\\f"); break;
                    default:
                        // Control characters must be escaped; U+2028/9 too, so the output is also valid JavaScript.
                        if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                            sb.append("\\u").append(hex4(c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }
    }
}
