package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void demoPrintsTheEpochTableAndSummaries() {
        assertThat(run("demo", "--epochs", "2", "--threads", "1")).isEqualTo(0);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("Epoch[1/2], Loss: ").contains("Epoch[2/2], Loss: ")
                .containsPattern("Summary: R2 [0-9.]+ \\(explained variance [0-9.-]+\\), L0 4\\.00, dead [0-9.]+% "
                        + "\\(last epoch\\), recovery [0-9.]+, tokens/s [0-9]+")
                .contains("Same run without re-animation: ");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void badUsageIsOneLineAndExitCodeTwo() {
        assertThat(run("demo", "--epochs", "two")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("sae4j: demo --epochs 'two': expected an integer"
                + System.lineSeparator());
        err.reset();
        assertThat(run("demo", "--epoch", "3")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("sae4j: demo: unknown option '--epoch'");
        err.reset();
        assertThat(run("trian")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8).lines()).hasSize(1);
        err.reset();
        assertThat(run("demo", "--epochs", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("epochs = 0");
    }

    @Test
    void helpListsEveryCommand() {
        assertThat(run("help")).isEqualTo(0);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("  train ").contains("  eval ").contains("  encode ")
                .contains("  inspect ").contains("  demo ").contains("--resume DIR").contains("--report FILE.html");
    }
}
