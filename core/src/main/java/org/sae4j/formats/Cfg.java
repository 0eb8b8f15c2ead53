package org.sae4j.formats;

import java.util.Map;
import org.sae4j.io.JsonFields;

/**
 * A foreign {@code cfg.json} (SAELens, sparsify) read by their rules: integral floats are integers and {@code null}
 * means the library's default ({@link JsonFields.Dialect#FOREIGN_CONFIG}); each failure one line naming the file and
 * the key.
 */
final class Cfg {
    private final JsonFields f;
    private final String file;

    Cfg(Map<String, Object> m, String file) {
        this.f = new JsonFields(m, file + ":", JsonFields.Dialect.FOREIGN_CONFIG);
        this.file = file;
    }

    String file() {
        return file;
    }

    int integer(String key) {
        return f.requireInt(key);
    }

    int integer(String key, int def) {
        return f.optionalInt(key, def);
    }

    boolean bool(String key, boolean def) {
        return f.optionalBoolean(key, def);
    }

    String string(String key, String def) {
        return f.optionalString(key, def);
    }
}
