package org.sae4j.io.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

/** The one-line messages every JSON reader shares, and the values they let through. */
class JsonFieldsTest {
    private static JsonFields fields(String json) {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(json, "t.json");
        return new JsonFields(m, "t.json:");
    }

    private static void refused(Runnable r, String message) {
        assertThatThrownBy(r::run).isInstanceOf(BadInputException.class).hasMessage(message);
    }

    @Test
    void readsEachKindWhenWellTyped() {
        JsonFields f = fields("{\"n\": 7, \"x\": 1.5, \"b\": true, \"s\": \"hi\", \"o\": {\"z\": 0}, \"a\": [1, 2]}");
        assertThat(f.requireLong("n")).isEqualTo(7L);
        assertThat(f.requirePositiveInt("n")).isEqualTo(7);
        assertThat(f.requireNonNegativeInt("n")).isEqualTo(7);
        assertThat(f.requireNonNegativeLong("n")).isEqualTo(7L);
        assertThat(f.requireDouble("x")).isEqualTo(1.5);
        assertThat(f.requireDouble("n")).isEqualTo(7.0);
        assertThat(f.requireBoolean("b")).isTrue();
        assertThat(f.requireString("s")).isEqualTo("hi");
        assertThat(f.requireObject("o").requireNonNegativeInt("z")).isZero();
        assertThat(f.requireArray("a", 2, "numbers")).hasSize(2);
        assertThat(f.finiteFloatAt("a", f.requireArray("a", "numbers"), 1)).isEqualTo(2f);
    }

    @Test
    void optionalFieldsDefaultOnlyWhenAbsent() {
        JsonFields f = fields("{\"k\": 3, \"nul\": null}");
        assertThat(f.optionalPositiveInt("k", 1)).isEqualTo(3);
        assertThat(f.optionalPositiveInt("absent", 1)).isEqualTo(1);
        assertThat(f.optionalDouble("absent", 0.25)).isEqualTo(0.25);
        assertThat(f.optionalBoolean("absent", true)).isTrue();
        assertThat(f.optionalLong("absent", -4)).isEqualTo(-4);
        // A JSON null is a value of the wrong type, not a request for the default.
        refused(() -> f.optionalDouble("nul", 0), "t.json: field nul is null; expected a number");
    }

    @Test
    void namesTheFileTheFieldWhatWasFoundAndWhatWasExpected() {
        JsonFields f = fields("{\"i\": 1.5, \"w\": \"seven\", \"z\": 0, \"big\": 4294967296, \"neg\": -1,"
                + " \"s\": 3, \"b\": \"yes\", \"o\": [], \"a\": [1, null], \"nan\": [\"x\"]}");
        refused(() -> f.requireLong("missing"), "t.json: field missing is missing; expected an integer");
        refused(() -> f.requireLong("i"), "t.json: field i is 1.5; expected an integer");
        refused(() -> f.requirePositiveInt("w"), "t.json: field w is seven; expected an integer");
        refused(() -> f.requirePositiveInt("z"), "t.json: field z is 0; expected a positive integer");
        refused(() -> f.requirePositiveInt("big"), "t.json: field big is 4294967296; expected a positive integer"
                + " below 2^31");
        refused(() -> f.requireNonNegativeInt("neg"), "t.json: field neg is -1; expected an integer in [0, 2^31)");
        refused(() -> f.requireNonNegativeLong("neg"), "t.json: field neg is -1; expected a non-negative integer");
        refused(() -> f.requireDouble("w"), "t.json: field w is a string; expected a number");
        refused(() -> f.requireString("s"), "t.json: field s is a number; expected a string");
        refused(() -> f.requireBoolean("b"), "t.json: field b is yes; expected true or false");
        refused(() -> f.requireObject("o"), "t.json: field o is an array; expected an object");
        refused(() -> f.requireArray("s", "numbers"), "t.json: field s is a number; expected an array of numbers");
        refused(() -> f.requireArray("a", 3, "numbers"), "t.json: field a is an array of 2; expected an array of 3"
                + " numbers");
        List<?> a = f.requireArray("a", "numbers");
        refused(() -> f.finiteFloatAt("a", a, 1), "t.json: field a[1] is null; expected a finite number");
        refused(() -> f.nonNegativeLongAt("nan", f.requireArray("nan", "counts"), 0),
                "t.json: field nan[0] is x; expected a non-negative integer");
    }

    @Test
    void arraysOfBoundedIntegersNameTheBadElement() {
        JsonFields f = fields("{\"ids\": [0, 3, 3], \"far\": [0, 4], \"half\": [1.5], \"n\": 2}");
        assertThat(f.requireLongs("ids", -1, 0, 3, "latent indices")).containsExactly(0, 3, 3);
        assertThat(f.requireLongs("ids", 3, 0, Long.MAX_VALUE, "counts")).containsExactly(0, 3, 3);
        refused(() -> f.requireLongs("far", -1, 0, 3, "latent indices"),
                "t.json: field far[1] is 4; expected an integer in [0, 3]");
        refused(() -> f.requireLongs("half", 1, 0, Long.MAX_VALUE, "counts"),
                "t.json: field half[0] is 1.5; expected a non-negative integer");
        refused(() -> f.requireLongs("ids", 2, 0, 3, "counts"),
                "t.json: field ids is an array of 3; expected an array of 2 counts");
        refused(() -> f.requireLongs("n", -1, 0, 3, "latent indices"),
                "t.json: field n is a number; expected an array of latent indices");
        refused(() -> f.requireLongs("gone", -1, 0, 3, "latent indices"),
                "t.json: field gone is missing; expected an array of latent indices");
    }

    @Test
    void nestedObjectsNameTheirPath() {
        JsonFields f = fields("{\"outer\": {\"inner\": false}}");
        refused(() -> f.requireObject("outer").requireLong("inner"),
                "t.json outer: field inner is false; expected an integer");
        refused(() -> new JsonFields(Map.of(), "state.json: batch options").requireLong("seed"),
                "state.json: batch options field seed is missing; expected an integer");
    }
}
