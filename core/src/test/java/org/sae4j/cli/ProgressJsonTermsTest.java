package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.sae4j.io.json.Json;
import org.sae4j.train.StepStats;

/** The {@code --json} log line carries each user loss term's value under its name. */
class ProgressJsonTermsTest {

    @Test
    void userTermsAppearByName() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        Train.Progress p = new Train.Progress(4, 1, 0, 1, 8, 1, true, true, ps, ps, 1000);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("frequency_target", -0.25);
        terms.put("my_l1", 1.5);
        p.onStep(new StepStats(0, 0, 8, 1.0, 0.5, 0.1, 0.9, 0.8, 2.0, 0.25, new boolean[4], 0.0, 0.0, 1e-3, 1e-3, 1.0,
                terms));
        String line = out.toString(StandardCharsets.UTF_8).trim();
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(line, "log line");
        assertThat(m).containsEntry("frequency_target", -0.25).containsEntry("my_l1", 1.5)
                .containsKeys("loss", "mse", "auxk", "lr");
    }
}
