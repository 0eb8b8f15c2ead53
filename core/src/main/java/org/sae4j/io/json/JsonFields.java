package org.sae4j.io.json;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.NpyHeader;

/**
 * Typed reads of one parsed JSON object, the single place where a reader's field checks live. Every failure is one
 * {@link BadInputException} line, {@code <where> field <name> is <found>; expected <what>}, where {@code where} names
 * the file (and the part of it, e.g. {@code "state.json: batch options"}).
 *
 * <p>What a message shows as found: integers and booleans show the value (so {@code 1.5} or {@code "seven"} for an
 * integer is named as it was written); other kinds show the JSON type ({@link Json#typeName}); arrays add their
 * length. A missing field reads {@code is missing}.
 *
 * <p>Files sae4j does not write follow their own rules and words, a {@link Dialect}: foreign {@code cfg.json}s
 * ({@link Dialect#FOREIGN_CONFIG}) and numpy's header dict ({@code NpyHeader}) read through the same methods.
 */
public final class JsonFields {
    /**
     * How a kind of file is checked and worded. {@code missing} and {@code wrong} are {@link String#format} patterns
     * over (where, name, found, expected); {@code shows} renders a found value ({@code null}: each method's sae4j
     * form, the value for integers and booleans, else the type); {@code nullIsAbsent}: a JSON null means "use the
     * default"; {@code integralFloats}: {@code 3.0} is accepted as the integer 3.
     */
    public record Dialect(String missing, String wrong, Function<Object, String> shows, boolean nullIsAbsent,
            boolean integralFloats) {
        /** sae4j's own files: strict types, {@code <where> field <name> is <found>; expected <what>}. */
        public static final Dialect SAE4J = new Dialect("%1$s field %2$s is missing; expected %4$s",
                "%1$s field %2$s is %3$s; expected %4$s", null, false, false);
        /**
         * Other libraries' {@code cfg.json} (SAELens, sparsify): written by Python, so an integer may come as
         * {@code 3.0} and {@code null} means the library's default; {@code <file>: key '<name>' is <type> <value>}.
         */
        public static final Dialect FOREIGN_CONFIG = new Dialect("%1$s no key '%2$s'; expected %4$s",
                "%1$s key '%2$s' is %3$s; expected %4$s", v -> Json.typeName(v) + " " + v, true, true);
    }

    private final Map<?, ?> m;
    private final String where;
    private final Dialect dialect;

    /** {@code where} is the text before {@code " field <name>"} in messages, e.g. {@code "cfg.json:"}. */
    public JsonFields(Map<?, ?> m, String where) {
        this(m, where, Dialect.SAE4J);
    }

    /** Fields of {@code m} checked and worded as {@code dialect} says. */
    public JsonFields(Map<?, ?> m, String where, Dialect dialect) {
        this.m = m;
        this.where = where;
        this.dialect = dialect;
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

    /** Whether an optional field takes its value from the file: present, and not null where null is absent. */
    private boolean given(String name) {
        return dialect.nullIsAbsent ? m.get(name) != null : m.containsKey(name);
    }

    /** The raw value; a missing key fails with {@code expected <what>}. */
    public Object require(String name, String what) {
        if (!given(name)) {
            throw new BadInputException(String.format(dialect.missing, where, name, "", what));
        }
        return m.get(name);
    }

    /** The value as an instance of {@code type}; anything else fails with {@code expected <what>}. */
    public <T> T require(String name, Class<T> type, String what) {
        Object v = require(name, what);
        if (!type.isInstance(v)) {
            throw fail(name, shown(v, Json.typeName(v)), what);
        }
        return type.cast(v);
    }

    /** A JSON integer (parsed as {@link Long}; an integral float too where the dialect allows). */
    public long requireLong(String name) {
        Object v = require(name, "an integer");
        if (v instanceof Long l) {
            return l;
        }
        if (dialect.integralFloats && v instanceof Double dv && dv == Math.rint(dv) && Math.abs(dv) < 0x1p63) {
            return (long) (double) dv;
        }
        throw fail(name, shown(v, String.valueOf(v)), "an integer");
    }

    /** An integer in the {@code int} range. */
    public int requireInt(String name) {
        long l = requireLong(name);
        if (l != (int) l) {
            throw fail(name, shown(m.get(name), String.valueOf(l)), "an integer");
        }
        return (int) l;
    }

    /** {@link #requireInt} when the field is given, else {@code def}. */
    public int optionalInt(String name, int def) {
        return given(name) ? requireInt(name) : def;
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

    /**
     * {@link #requireDouble} when the key is present, else {@code def}. In sae4j's files a JSON null is an error, not
     * a default (the same holds for every {@code optional…} method); in {@link Dialect#FOREIGN_CONFIG} it is the
     * default.
     */
    public double optionalDouble(String name, double def) {
        return given(name) ? requireDouble(name) : def;
    }

    /** {@link #requireLong} when the key is present, else {@code def}. */
    public long optionalLong(String name, long def) {
        return given(name) ? requireLong(name) : def;
    }

    /** {@link #requirePositiveInt} when the key is present, else {@code def}. */
    public int optionalPositiveInt(String name, int def) {
        return given(name) ? requirePositiveInt(name) : def;
    }

    /** {@link #requireBoolean} when the key is present, else {@code def}. */
    public boolean optionalBoolean(String name, boolean def) {
        return given(name) ? requireBoolean(name) : def;
    }

    /** {@link #requireString} when the key is present, else {@code def}. */
    public String optionalString(String name, String def) {
        return given(name) ? requireString(name) : def;
    }

    public boolean requireBoolean(String name) {
        Object v = require(name, "true or false");
        if (!(v instanceof Boolean b)) {
            throw fail(name, shown(v, String.valueOf(v)), "true or false");
        }
        return b;
    }

    public String requireString(String name) {
        return require(name, String.class, "a string");
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
                ? where.substring(0, where.length() - 1) + " " + name + ":" : where + " " + name, dialect);
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

    /**
     * An array of integers in [{@code min}, {@code max}] (inclusive), of exactly {@code length} elements (any length when
     * {@code length} is negative); {@code what} names the elements, e.g. {@code "latent indices"}. A bad element
     * reads {@code <where> field <name>[i] is <value>; expected an integer in [min, max]}.
     */
    public long[] requireLongs(String name, int length, long min, long max, String what) {
        String expected = "an array of " + (length >= 0 ? length + " " : "") + what;
        Object v = require(name, expected);
        if (!(v instanceof List<?> l) || (length >= 0 && l.size() != length)) {
            throw fail(name, found(v), expected);
        }
        String range = min == 0 && max == Long.MAX_VALUE ? "a non-negative integer"
                : "an integer in [" + min + ", " + max + "]";
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(l.get(i) instanceof Long e) || e < min || e > max) {
                throw fail(name + "[" + i + "]", String.valueOf(l.get(i)), range);
            }
            out[i] = e;
        }
        return out;
    }

    /** Exactly the fields {@code names}: each one required, then no other ({@code <where> has keys [...]}). */
    public void requireExactly(List<String> names, String missingWhat, String expected) {
        for (String name : names) {
            require(name, missingWhat);
        }
        if (m.size() != names.size()) {
            throw new BadInputException(where + " has keys " + m.keySet() + "; expected " + expected);
        }
    }

    /** A failure of field {@code name} in this object's one-line form, for checks beyond a type. */
    public BadInputException fail(String name, String found, String expected) {
        return new BadInputException(String.format(dialect.wrong, where, name, found, expected));
    }

    /** A found value as this dialect shows it; {@code sae4jForm} is how sae4j's own files show it. */
    private String shown(Object v, String sae4jForm) {
        return dialect.shows == null ? sae4jForm : dialect.shows.apply(v);
    }

    /**
     * A bare JSON array of exactly {@code length} numbers within float range, e.g. a request body: it has no field
     * name, so messages read {@code <where>: element 3 is a string; expected a number}.
     */
    public static float[] requireFloats(Object v, int length, String where) {
        if (!(v instanceof List<?> list)) {
            throw new BadInputException(where + ": " + Json.typeName(v) + "; expected a JSON array of " + length
                    + " numbers");
        }
        if (list.size() != length) {
            throw new BadInputException(where + ": array of " + list.size() + " values; expected " + length);
        }
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            if (!(list.get(i) instanceof Number num)) {
                throw new BadInputException(where + ": element " + i + " is " + Json.typeName(list.get(i))
                        + "; expected a number");
            }
            x[i] = num.floatValue();
            if (!Float.isFinite(x[i])) {
                throw new BadInputException(where + ": element " + i + " = " + num + " is outside float range");
            }
        }
        return x;
    }

    /** The JSON type, with the length for an array: {@code "an array of 3"}. */
    public static String found(Object v) {
        return Json.typeName(v) + (v instanceof List<?> l ? " of " + l.size() : "");
    }
}
