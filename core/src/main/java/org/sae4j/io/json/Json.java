package org.sae4j.io.json;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 *
 * <p>This class is the entry point; the grammar is {@link JsonParser}'s and the output {@link JsonWriter}'s.
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
        JsonParser p = new JsonParser(text, sourceName);
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
        new JsonWriter(sb, false).value(value, 0);
        return sb.toString();
    }

    /** Indented JSON (two spaces), ending without a newline. */
    public static String writePretty(Object value) {
        StringBuilder sb = new StringBuilder();
        new JsonWriter(sb, true).value(value, 0);
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

    /** Four upper-case hex digits, for JSON escapes and messages. */
    static String hex4(int c) {
        String h = Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT);
        return "0000".substring(h.length()) + h;
    }
}
