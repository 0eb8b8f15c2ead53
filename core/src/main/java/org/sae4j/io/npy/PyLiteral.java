package org.sae4j.io.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parser for the tiny subset of Python literals that a {@code .npy} header uses: dicts, tuples, lists, strings
 * (single or double quoted, simple backslash escapes), integers (an old Python 2 {@code L} suffix allowed),
 * {@code True}, {@code False} and {@code None}. Nothing is evaluated; anything else is an error. Tuples and lists
 * both become {@link List}, integers {@link Long}.
 */
final class PyLiteral {
    /** Thrown with a position and a reason; the caller adds the file name. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    private final String s;
    private int pos;

    private PyLiteral(String s) {
        this.s = s;
    }

    static Object parse(String text) throws SyntaxError {
        PyLiteral p = new PyLiteral(text);
        p.ws();
        Object v = p.value(0);
        p.ws();
        if (p.pos != text.length()) {
            throw p.fail("unexpected " + p.here() + " after the dict");
        }
        return v;
    }

    private Object value(int depth) throws SyntaxError {
        if (depth > 32) throw fail("nesting too deep");
        if (pos >= s.length()) throw fail("unexpected end of header");
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return dict(depth);
            case '(':
                return sequence(')', depth);
            case '[':
                return sequence(']', depth);
            case '\'':
            case '"':
                return string();
            default:
                if (c == '-' || c == '+' || (c >= '0' && c <= '9')) return integer();
                if (Character.isLetter(c)) return name();
                throw fail("unexpected " + here());
        }
    }

    private Map<String, Object> dict(int depth) throws SyntaxError {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        while (true) {
            ws();
            if (peek() == '}') {
                pos++;
                return m;
            }
            if (peek() != '\'' && peek() != '"') throw fail("expected a quoted key, found " + here());
            String key = string();
            ws();
            if (peek() != ':') throw fail("expected ':' after key '" + key + "', found " + here());
            pos++;
            ws();
            Object v = value(depth + 1);
            if (m.containsKey(key)) throw fail("duplicate key '" + key + "'");
            m.put(key, v);
            if (m.size() > 64) throw fail("too many keys");
            ws();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw fail("expected ',' or '}', found " + here());
            }
        }
    }

    private List<Object> sequence(char close, int depth) throws SyntaxError {
        pos++;
        List<Object> l = new ArrayList<>();
        while (true) {
            ws();
            if (peek() == close) {
                pos++;
                return l;
            }
            l.add(value(depth + 1));
            if (l.size() > 64) throw fail("sequence too long");
            ws();
            if (peek() == ',') {
                pos++;
            } else if (peek() != close) {
                throw fail("expected ',' or '" + close + "', found " + here());
            }
        }
    }

    private String string() throws SyntaxError {
        char quote = s.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw fail("unterminated string");
            char c = s.charAt(pos++);
            if (c == quote) return sb.toString();
            if (c == '\\') {
                if (pos >= s.length()) throw fail("unterminated string");
                char e = s.charAt(pos++);
                switch (e) {
                    case '\\': case '\'': case '"': sb.append(e); break;
                    case 'n': sb.append('\n'); break;
                    case 't': sb.append('\t'); break;
                    default: throw fail("unsupported escape \\" + e + " in string");
                }
            } else if (c == '\n') {
                throw fail("newline inside string");
            } else {
                sb.append(c);
            }
        }
    }

    private Long integer() throws SyntaxError {
        int start = pos;
        if (peek() == '-' || peek() == '+') pos++;
        int digits = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos)) && s.charAt(pos) < 128) pos++;
        if (pos == digits) throw fail("expected digits, found " + here());
        String text = s.substring(start, pos);
        if (peek() == 'L' || peek() == 'l') pos++; // Python 2 long literal, still seen in old files
        try {
            return Long.parseLong(text.startsWith("+") ? text.substring(1) : text);
        } catch (NumberFormatException e) {
            throw fail("integer " + text + " out of range");
        }
    }

    private Object name() throws SyntaxError {
        int start = pos;
        while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) pos++;
        String w = s.substring(start, pos);
        switch (w) {
            case "True": return Boolean.TRUE;
            case "False": return Boolean.FALSE;
            case "None": return null;
            default:
                pos = start;
                throw fail("unexpected name '" + w + "' (only True, False and None are literals)");
        }
    }

    private void ws() {
        while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t' || s.charAt(pos) == '\n'
                || s.charAt(pos) == '\r')) {
            pos++;
        }
    }

    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\uFFFF';
    }

    private String here() {
        if (pos >= s.length()) return "end of header";
        char c = s.charAt(pos);
        return (c >= 0x20 && c < 0x7f) ? "'" + c + "'" : String.format("byte 0x%02X", (int) c);
    }

    private SyntaxError fail(String why) {
        return new SyntaxError("character " + pos + ": " + why);
    }
}
