package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.io.json.Json;

/** {@link Json} (its parser {@code JsonParser}): files as the cfg readers read them, and text. */
class JsonFuzzTest {
    /** A file read as a config is: UTF-8 decoding, parsing, a top-level object; and the same bytes as text. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void json(byte[] data) throws Exception {
        Path f = Harness.write(Harness.freshDir("json"), "cfg.json", data);
        Harness.check(() -> Json.readObject(f));
        Harness.check(() -> Json.parse(new String(data, StandardCharsets.UTF_8), "fuzz.json"));
    }
}
