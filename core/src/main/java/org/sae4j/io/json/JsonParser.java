package org.sae4j.io.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;

/** {@link Json}'s parser: one pass over the text, recursive descent, errors naming line, column and offset. */
final class JsonParser {
    final String s;
    final String source;
    int pos;

    JsonParser(String s, String source) {
        this.s = s;
        this.source = source;
    }

    Object value(int depth) {
        if (depth > Json.MAX_DEPTH) {
            throw error("nesting deeper than " + Json.MAX_DEPTH + " levels", "a shallower document");
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
                throw error("raw control character U+" + Json.hex4(c) + " in string", "it escaped (e.g. \\n, \\u00XX)");
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
        if (c < 0x20 || c > 0x7e) return "character U+" + Json.hex4(c);
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
