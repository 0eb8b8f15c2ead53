package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code ./sae4j spark ...}: core's {@code Main} finds this module's command through ServiceLoader. */
class RegisteredCommandTest {
    private static String[] run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code = org.sae4j.cli.Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new String[] {Integer.toString(code), o.toString(StandardCharsets.UTF_8),
                e.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void sparkRunsThroughCoresMain() {
        String[] help = run("spark", "--help");
        assertThat(help[0]).isEqualTo("0");
        assertThat(help[1]).isEqualTo(Main.USAGE);
        assertThat(run("spark")[0]).isEqualTo("2"); // no sub-command: the usage, as spark-submit's main answers
        String[] bad = run("spark", "fetures");
        assertThat(bad[0]).isEqualTo("2");
        assertThat(bad[2]).isEqualTo("sae4j: unknown command 'fetures'; expected encode or features"
                + System.lineSeparator());
        assertThat(run("help", "spark")[1]).isEqualTo(Main.FEATURES.usage());
    }
}
