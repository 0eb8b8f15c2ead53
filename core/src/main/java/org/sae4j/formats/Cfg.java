package org.sae4j.formats;

import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.io.Json;

/** Typed reads of a foreign {@code cfg.json}, each failure one line naming the file and the key. */
final class Cfg {
    private final Map<String, Object> m;
    private final String file;

    Cfg(Map<String, Object> m, String file) {
        this.m = m;
        this.file = file;
    }

    String file() {
        return file;
    }

    Map<String, Object> map() {
        return m;
    }

    boolean has(String key) {
        return m.containsKey(key) && m.get(key) != null;
    }

    int integer(String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new BadInputException(file + ": no key '" + key + "'; expected an integer");
        }
        return integerValue(key, v);
    }

    int integer(String key, int def) {
        Object v = m.get(key);
        return v == null ? def : integerValue(key, v);
    }

    private int integerValue(String key, Object v) {
        if (v instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return (int) (long) l;
        }
        if (v instanceof Double dv && dv == Math.rint(dv) && Math.abs(dv) < Integer.MAX_VALUE) {
            return (int) (double) dv;
        }
        throw new BadInputException(file + ": key '" + key + "' is " + Json.typeName(v) + " " + v
                + "; expected an integer");
    }

    boolean bool(String key, boolean def) {
        Object v = m.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        throw new BadInputException(file + ": key '" + key + "' is " + Json.typeName(v) + " " + v
                + "; expected true or false");
    }

    String string(String key, String def) {
        Object v = m.get(key);
        if (v == null) {
            return def;
        }
        if (v instanceof String s) {
            return s;
        }
        throw new BadInputException(file + ": key '" + key + "' is " + Json.typeName(v) + " " + v
                + "; expected a string");
    }
}
