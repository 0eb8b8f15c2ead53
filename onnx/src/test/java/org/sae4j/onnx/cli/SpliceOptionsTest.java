package org.sae4j.onnx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sae4j.cli.Option;

/** {@code splice}'s option table against its --help text and the options the docs show for it. */
class SpliceOptionsTest {
    @Test
    void helpExplainsEveryOptionOfTheTable() {
        SpliceCommandTest.Run r = SpliceCommandTest.run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("usage: sae4j splice --onnx");
        for (Option o : SpliceCommand.OPTIONS.options()) {
            assertThat(r.out()).contains("  " + o.name() + (o.placeholder() == null ? "" : " " + o.placeholder()));
        }
    }

    @Test
    void theDocsUseOnlyDeclaredOptions() throws IOException {
        List<String> unknown = new ArrayList<>();
        int lines = 0;
        for (String doc : List.of("../README.md", "../src/docs/real-data.md")) {
            // a command with its backslash-continued lines (the launcher as ./sae4j or real-data.md's $S)
            Matcher cmd = Pattern.compile("(?:sae4j|\\$S) splice ((?:[^\\n`]*\\\\\\n)*[^\\n`]*)")
                    .matcher(Files.readString(Path.of(doc)));
            while (cmd.find()) {
                lines++;
                Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*").matcher(cmd.group(1));
                while (m.find()) {
                    if (SpliceCommand.OPTIONS.find(m.group()) == null && !m.group().equals("--help")) {
                        unknown.add(doc + ": " + m.group());
                    }
                }
            }
        }
        assertThat(lines).isGreaterThanOrEqualTo(2); // README and real-data.md
        assertThat(unknown).isEmpty();
    }
}
