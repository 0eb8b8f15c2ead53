package org.sae4j;

/**
 * Input the user can fix: a malformed file, NaN/Inf in data, wrong shapes, impossible options. The message is one
 * line naming the file, field or row and what was expected; the CLI prints it and exits with code 2.
 *
 * <p>Messages often quote what the input held (a key, a dtype, a number). So that a hostile or broken file cannot
 * break the one-line rule or flood a log, control characters are escaped ({@code \n}, {@code \u001b}) and a message
 * over {@value #MAX_MESSAGE} characters keeps its start (the file) and end (what was expected) around a marked cut.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final int MAX_MESSAGE = 2000;

    public BadInputException(String message) {
        super(oneLine(message));
    }

    public BadInputException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    static String oneLine(String m) {
        if (m == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            String esc = switch (c) {
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                default -> (c < 0x20 && c != '\t') || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029
                        ? String.format("\\u%04x", (int) c) : null;
            };
            if (esc != null && sb == null) {
                sb = new StringBuilder(m.length() + 16).append(m, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        String s = sb == null ? m : sb.toString();
        if (s.length() <= MAX_MESSAGE) {
            return s;
        }
        int head = MAX_MESSAGE / 2;
        int tail = MAX_MESSAGE * 2 / 5;
        if (Character.isHighSurrogate(s.charAt(head - 1))) {
            head--;
        }
        int from = s.length() - tail;
        if (Character.isLowSurrogate(s.charAt(from))) {
            from++;
        }
        return s.substring(0, head) + " …[" + (from - head) + " characters cut]… " + s.substring(from);
    }
}
