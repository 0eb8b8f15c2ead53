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

/** {@code activations}' option table against its --help text and the options the docs show for it. */
class ActivationsOptionsTest {
    @Test
    void helpExplainsEveryOptionOfTheTable() {
        ActivationsCommandTest.Run r = ActivationsCommandTest.run("--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).isEqualTo(ActivationsCommand.USAGE).startsWith("usage: sae4j activations --onnx");
        for (Option o : ActivationsCommand.OPTIONS.options()) {
            assertThat(r.out()).contains("  " + o.name() + (o.placeholder() == null ? "" : " " + o.placeholder()));
        }
        assertThat(ActivationsCommandTest.run("--onnx", "m.onnx", "--outputs", "x").err())
                .contains("unknown option '--outputs'; did you mean --output?");
    }

    @Test
    void theDocsUseOnlyDeclaredOptions() throws IOException {
        List<String> unknown = new ArrayList<>();
        int lines = 0;
        for (String doc : List.of("../README.md", "../src/docs/real-data.md")) {
            Matcher cmd = Pattern.compile("sae4j activations ([^\\n`]*)").matcher(Files.readString(Path.of(doc)));
            while (cmd.find()) {
                lines++;
                Matcher m = Pattern.compile("(?<![\\w-])--[a-z][a-z0-9-]*").matcher(cmd.group(1));
                while (m.find()) {
                    if (ActivationsCommand.OPTIONS.find(m.group()) == null && !m.group().equals("--help")) {
                        unknown.add(doc + ": " + m.group());
                    }
                }
            }
        }
        assertThat(lines).isGreaterThan(3);
        assertThat(unknown).isEmpty();
    }
}
