package org.sae4j.onnx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.sae4j.cli.Main;

/** Core's {@code Main} runs this module's commands, found through ServiceLoader, as the launcher calls it. */
class RegisteredCommandsTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8),
                e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void activationsAndSpliceRunThroughCoresMain() {
        String[] a = run("activations", "--help");
        assertThat(a[0]).isEqualTo("0");
        assertThat(a[1]).isEqualTo(ActivationsCommand.USAGE);
        String[] s = run("splice", "--help");
        assertThat(s[0]).isEqualTo("0");
        assertThat(s[1]).isEqualTo(SpliceCommand.OPTIONS.usage());
        assertThat(run("help", "splice")[1]).isEqualTo(SpliceCommand.OPTIONS.usage());
        // Bad input: the command's own one line and exit 2, not the stand-in's "runs through ./sae4j".
        String[] bad = run("activations", "--onnx", "m.onnx", "--outputs", "x");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).startsWith("sae4j: activations: unknown option '--outputs'").doesNotContain("runs through");
    }
}
