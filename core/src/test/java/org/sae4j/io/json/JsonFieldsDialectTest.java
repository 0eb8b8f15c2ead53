package org.sae4j.io.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.io.Fixtures;
import org.sae4j.io.npy.NpyFile;

/** The rules and words of files sae4j does not write: foreign configs, numpy's header dict, a bare request array. */
class JsonFieldsDialectTest {
    @TempDir
    Path dir;

    private static JsonFields foreign(String json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(json, "cfg.json");
        return new JsonFields(m, "cfg.json:", JsonFields.Dialect.FOREIGN_CONFIG);
    }

    private static void refused(Runnable r, String message) {
        assertThatThrownBy(r::run).isInstanceOf(BadInputException.class).hasMessage(message);
    }

    @Test
    void foreignConfigsTakeIntegralFloatsAndNullAsTheDefault() {
        JsonFields f = foreign("{\"d_in\": 768.0, \"k\": 32, \"nul\": null, \"flag\": true, \"arch\": \"topk\"}");
        assertThat(f.requireInt("d_in")).isEqualTo(768);
        assertThat(f.optionalInt("k", 1)).isEqualTo(32);
        assertThat(f.optionalInt("nul", 7)).isEqualTo(7);
        assertThat(f.optionalInt("absent", 8)).isEqualTo(8);
        assertThat(f.optionalBoolean("nul", true)).isTrue();
        assertThat(f.optionalBoolean("flag", false)).isTrue();
        assertThat(f.optionalString("arch", "standard")).isEqualTo("topk");
        assertThat(f.optionalString("nul", "standard")).isEqualTo("standard");
    }

    @Test
    void foreignConfigsNameTheKeyTheTypeAndTheValue() {
        JsonFields f = foreign("{\"x\": 1.5, \"big\": 3000000000, \"s\": \"seven\", \"b\": 1, \"n\": null}");
        refused(() -> f.requireInt("n"), "cfg.json: no key 'n'; expected an integer");
        refused(() -> f.requireInt("missing"), "cfg.json: no key 'missing'; expected an integer");
        refused(() -> f.requireInt("x"), "cfg.json: key 'x' is a number 1.5; expected an integer");
        refused(() -> f.requireInt("big"), "cfg.json: key 'big' is a number 3000000000; expected an integer");
        refused(() -> f.optionalInt("s", 0), "cfg.json: key 's' is a string seven; expected an integer");
        refused(() -> f.optionalBoolean("b", false), "cfg.json: key 'b' is a number 1; expected true or false");
        refused(() -> f.optionalString("b", ""), "cfg.json: key 'b' is a number 1; expected a string");
    }

    @Test
    void sae4jFilesKeepNullAsAValueAndIntegersStrict() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse("{\"k\": 3.0, \"n\": null}", "t.json");
        JsonFields f = new JsonFields(m, "t.json:");
        refused(() -> f.requireInt("k"), "t.json: field k is 3.0; expected an integer");
        refused(() -> f.optionalString("n", "x"), "t.json: field n is null; expected a string");
    }

    @Test
    void npyHeadersAreWordedInPython() throws IOException {
        refused(() -> openNpy("{'descr': '<f4', 'fortran_order': False, }"),
                path() + ": header has no 'shape' key; expected a Python dict literal like {'descr': '<f4',"
                        + " 'fortran_order': False, 'shape': (3, 5), }");
        refused(() -> openNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1, }"),
                path() + ": header has keys [descr, fortran_order, shape, x]; expected exactly 'descr',"
                        + " 'fortran_order' and 'shape'");
        refused(() -> openNpy("{'descr': '<f4', 'fortran_order': None, 'shape': (2,), }"),
                path() + ": header 'fortran_order' is None; expected True or False");
        refused(() -> openNpy("{'descr': '<f4', 'fortran_order': False, 'shape': 'x', }"),
                path() + ": header 'shape' is 'x'; expected a tuple such as (3, 5)");
    }

    @Test
    void aBareArrayNamesItsElements() {
        assertThat(JsonFields.requireFloats(Json.parse("[1, 2.5]"), 2, "body")).containsExactly(1f, 2.5f);
        refused(() -> JsonFields.requireFloats(Json.parse("[1, null]"), 2, "body"),
                "body: element 1 is null; expected a number");
        refused(() -> JsonFields.requireFloats(Json.parse("{}"), 2, "body"),
                "body: an object; expected a JSON array of 2 numbers");
    }

    private Path path() {
        return dir.resolve("h.npy");
    }

    /** A version 1.0 file with {@code header} and 8 data bytes. */
    private void openNpy(String header) {
        try {
            Files.write(path(), Fixtures.npyBytes(1, header, new byte[8]));
            NpyFile.open(path()).close();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
