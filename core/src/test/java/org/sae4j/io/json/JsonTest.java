package org.sae4j.io.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;

class JsonTest {
    @Test
    void parsesAllValueKinds() {
        Object v = Json.parse(" {\"a\": [1, -2, 3.5, 1e3, -0.0, true, false, null], \"s\": \"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\","
                + " \"o\": {}, \"e\": [] } ");
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("a", "s", "o", "e");
        assertThat(m.get("a")).isEqualTo(java.util.Arrays.asList(1L, -2L, 3.5, 1000.0, -0.0, true, false, null));
        assertThat(m.get("s")).isEqualTo("x\"\\/\b\f\n\r\té😀");
        assertThat(m.get("o")).isEqualTo(Map.of());
        assertThat(m.get("e")).isEqualTo(List.of());
        assertThat(Json.parse("12345678901234567890")).isEqualTo(1.2345678901234567e19);
    }

    @Test
    void writesCompactAndPretty() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "tab\there \"q\" \u0001 \u2028");
        m.put("k", 32);
        m.put("lr", 3e-4f);
        m.put("xs", new float[] {1f, 0.1f});
        m.put("nested", Map.of("ok", true));
        m.put("none", null);
        m.put("empty", List.of());
        assertThat(Json.write(m)).isEqualTo("{\"name\":\"tab\\there \\\"q\\\" \\u0001 \\u2028\",\"k\":32,"
                + "\"lr\":3.0E-4,\"xs\":[1.0,0.1],\"nested\":{\"ok\":true},\"none\":null,\"empty\":[]}");
        assertThat(Json.writePretty(Map.of("a", List.of(1, 2)))).isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ]\n}");
        assertThat(Json.parse(Json.writePretty(m))).isEqualTo(Json.parse(Json.write(m)));
    }

    @Test
    void refusesNaN() {
        assertThatThrownBy(() -> Json.write(List.of(Float.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Json.write(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertError(String text, String expectedMessage) {
        assertThatThrownBy(() -> Json.parse(text, "cfg.json")).isInstanceOf(BadInputException.class)
                .hasMessage(expectedMessage);
    }

    @Test
    void errorsNamePosition() {
        assertError("{\"a\": 1,\n  \"b\" 2}", "cfg.json: JSON line 2 column 7 (offset 15): unexpected '2' after key"
                + " \"b\"; expected ':'");
        assertError("[1, 2", "cfg.json: JSON line 1 column 6 (offset 5): unexpected end of input in array;"
                + " expected ',' or ']'");
        assertError("{\"a\":1,}", "cfg.json: JSON line 1 column 8 (offset 7): unexpected '}'; expected a string key");
        assertError("[01]", "cfg.json: JSON line 1 column 3 (offset 2): leading zero in number; expected no leading"
                + " zeros (JSON)");
        assertError("\"abc", "cfg.json: JSON line 1 column 5 (offset 4): unterminated string; expected a closing '\"'");
        assertError("[NaN]", "cfg.json: JSON line 1 column 2 (offset 1): unexpected 'N'; expected a value (object,"
                + " array, string, number, true, false or null)");
        assertError("{} x", "cfg.json: JSON line 1 column 4 (offset 3): unexpected 'x' after the top-level value;"
                + " expected end of input");
        assertError("{\"a\":1,\"a\":2}", "cfg.json: JSON line 1 column 8 (offset 7): duplicate key \"a\"; expected"
                + " each key once per object");
        assertError("\"\\x\"", "cfg.json: JSON line 1 column 3 (offset 2): bad escape \\x; expected one of \\\" \\\\ \\/"
                + " \\b \\f \\n \\r \\t \\uXXXX");
        assertError("\"\\u12zz\"", "cfg.json: JSON line 1 column 6 (offset 5): bad hex digit 'z' in \\u escape;"
                + " expected four hex digits");
        assertError("\"\\u12\"", "cfg.json: JSON line 1 column 3 (offset 2): truncated \\u escape; expected four"
                + " hex digits");
        assertError("\"a\nb\"", "cfg.json: JSON line 1 column 3 (offset 2): raw control character U+000A in"
                + " string; expected it escaped (e.g. \\n, \\u00XX)");
        assertError("1.", "cfg.json: JSON line 1 column 3 (offset 2): unexpected end of input after decimal point;"
                + " expected a digit");
        assertError("1e999", "cfg.json: JSON line 1 column 1 (offset 0): number 1e999 overflows a double; expected"
                + " a finite number");
        assertError("", "cfg.json: JSON line 1 column 1 (offset 0): unexpected end of input; expected a value");
        assertError("[".repeat(600), "cfg.json: JSON line 1 column 514 (offset 513): nesting deeper than 512 levels;"
                + " expected a shallower document");
    }

    @Property(tries = 300)
    void floatsRoundTrip(@ForAll float f) {
        if (!Float.isFinite(f)) return;
        Object back = Json.parse(Json.write(List.of(f)));
        assertThat(((Number) ((List<?>) back).get(0)).floatValue()).isEqualTo(f);
    }

    @Property(tries = 300)
    void doublesRoundTrip(@ForAll double d) {
        if (!Double.isFinite(d)) return;
        Object back = ((List<?>) Json.parse(Json.write(List.of(d)))).get(0);
        assertThat(((Number) back).doubleValue()).isEqualTo(d);
    }

    @Property(tries = 300)
    void stringsRoundTrip(@ForAll String s, @ForAll long n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(s, List.of(s, n, true));
        m.put("x" + s, null);
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
        assertThat(Json.parse(Json.writePretty(m))).isEqualTo(m);
    }
}
