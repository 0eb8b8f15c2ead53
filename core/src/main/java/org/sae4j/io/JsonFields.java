package org.sae4j.io;

import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * Typed reads of one parsed JSON object, the single place where a reader's field checks live. Every failure is one
 * {@link BadInputException} line, {@code <where> field <name> is <found>; expected <what>}, where {@code where} names
 * the file (and the part of it, e.g. {@code "state.json: batch options"}).
 *
 * <p>What a message shows as found: integers and booleans show the value (so {@code 1.5} or {@code "seven"} for an
 * integer is named as it was written); other kinds show the JSON type ({@link Json#typeName}); arrays add their
 * length. A missing field reads {@code is missing}.
 */
public final class JsonFields {
    private final Map<?, ?> m;
    private final String where;

    /** {@code where} is the text before {@code " field <name>"} in messages, e.g. {@code "cfg.json:"}. */
    public JsonFields(Map<?, ?> m, String where) {
        this.m = m;
        this.where = where;
    }

    public String where() {
        return where;
    }

    public Map<?, ?> map() {
        return m;
    }

    /** Present and not JSON null. */
    public boolean has(String name) {
        return m.get(name) != null;
    }

    /** The raw value; a missing key fails with {@code expected <what>}. */
    public Object require(String name, String what) {
        if (!m.containsKey(name)) {
            throw fail(name, "missing", what);
        }
        return m.get(name);
    }

    /** A JSON integer (parsed as {@link Long}). */
    public long requireLong(String name) {
        Object v = require(name, "an integer");
        if (!(v instanceof Long l)) {
            throw fail(name, String.valueOf(v), "an integer");
        }
        return l;
    }

    /** An integer in [1, 2^31); a value that is not an integer fails as in {@link #requireLong}. */
    public int requirePositiveInt(String name) {
        long l = requireLong(name);
        if (l <= 0) {
            throw fail(name, String.valueOf(l), "a positive integer");
        }
        if (l > Integer.MAX_VALUE) {
            throw fail(name, String.valueOf(l), "a positive integer below 2^31");
        }
        return (int) l;
    }

    /** An integer in [0, 2^31). */
    public int requireNonNegativeInt(String name) {
        long l = requireLong(name);
        if (l < 0 || l > Integer.MAX_VALUE) {
            throw fail(name, String.valueOf(l), "an integer in [0, 2^31)");
        }
        return (int) l;
    }

    /** An integer ≥ 0. */
    public long requireNonNegativeLong(String name) {
        long l = requireLong(name);
        if (l < 0) {
            throw fail(name, String.valueOf(l), "a non-negative integer");
        }
        return l;
    }

    /** Any JSON number. */
    public double requireDouble(String name) {
        Object v = require(name, "a number");
        if (!(v instanceof Number num)) {
            throw fail(name, Json.typeName(v), "a number");
        }
        return num.doubleValue();
    }

    /** {@link #requireDouble} when the key is present (a JSON null is an error, not a default), else {@code def}. */
    public double optionalDouble(String name, double def) {
        return m.containsKey(name) ? requireDouble(name) : def;
    }

    /** {@link #requireLong} when the key is present, else {@code def}. */
    public long optionalLong(String name, long def) {
        return m.containsKey(name) ? requireLong(name) : def;
    }

    /** {@link #requirePositiveInt} when the key is present, else {@code def}. */
    public int optionalPositiveInt(String name, int def) {
        return m.containsKey(name) ? requirePositiveInt(name) : def;
    }

    /** {@link #requireBoolean} when the key is present, else {@code def}. */
    public boolean optionalBoolean(String name, boolean def) {
        return m.containsKey(name) ? requireBoolean(name) : def;
    }

    public boolean requireBoolean(String name) {
        Object v = require(name, "true or false");
        if (!(v instanceof Boolean b)) {
            throw fail(name, String.valueOf(v), "true or false");
        }
        return b;
    }

    public String requireString(String name) {
        Object v = require(name, "a string");
        if (!(v instanceof String s)) {
            throw fail(name, Json.typeName(v), "a string");
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> requireObjectMap(String name) {
        Object v = require(name, "an object");
        if (!(v instanceof Map<?, ?>)) {
            throw fail(name, Json.typeName(v), "an object");
        }
        return (Map<String, Object>) v;
    }

    /** The object field as accessor; its messages read {@code <where> <name>: field ...}. */
    public JsonFields requireObject(String name) {
        return new JsonFields(requireObjectMap(name), where.endsWith(":")
                ? where.substring(0, where.length() - 1) + " " + name + ":" : where + " " + name);
    }

    /** An array; {@code what} completes {@code expected an array of ...}, e.g. {@code "latent indices"}. */
    public List<?> requireArray(String name, String what) {
        Object v = require(name, "an array of " + what);
        if (!(v instanceof List<?> l)) {
            throw fail(name, Json.typeName(v), "an array of " + what);
        }
        return l;
    }

    /** An array of exactly {@code length} elements; {@code what} names them, e.g. {@code "numbers"}. */
    public List<?> requireArray(String name, int length, String what) {
        String expected = "an array of " + length + " " + what;
        Object v = require(name, expected);
        if (!(v instanceof List<?> l) || l.size() != length) {
            throw fail(name, found(v), expected);
        }
        return l;
    }

    /** Element {@code i} of array field {@code name} as a finite number. */
    public float finiteFloatAt(String name, List<?> array, int i) {
        Object e = array.get(i);
        if (!(e instanceof Number num) || !Float.isFinite(num.floatValue())) {
            throw fail(name + "[" + i + "]", String.valueOf(e), "a finite number");
        }
        return num.floatValue();
    }

    /** Element {@code i} of array field {@code name} as an integer ≥ 0. */
    public long nonNegativeLongAt(String name, List<?> array, int i) {
        Object e = array.get(i);
        if (!(e instanceof Long c) || c < 0) {
            throw fail(name + "[" + i + "]", String.valueOf(e), "a non-negative integer");
        }
        return c;
    }

    /** A failure of field {@code name} in this object's one-line form, for checks beyond a type. */
    public BadInputException fail(String name, String found, String expected) {
        return new BadInputException(where + " field " + name + " is " + found + "; expected " + expected);
    }

    /** The JSON type, with the length for an array: {@code "an array of 3"}. */
    public static String found(Object v) {
        return Json.typeName(v) + (v instanceof List<?> l ? " of " + l.size() : "");
    }
}
