package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The typed option handles against the tables: a command reads only what its table declares, through a handle, and
 * every fixed train option carries the value {@code --resume} compares.
 */
class OptHandlesTest {
    private static final String[] NONE = {};

    @Test
    void aHandleTheTableDoesNotDeclareIsAnInternalError() {
        Args eval = Eval.OPTIONS.parse(NONE, 0);
        assertThatThrownBy(() -> eval.get(TrainOptions.LATENTS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not declare");
        assertThatThrownBy(() -> eval.given(TrainOptions.LATENTS)).isInstanceOf(IllegalStateException.class);
        // Declared under the same name, read as another's option (demo's --epochs defaults to 30, train's to 1).
        Args train = TrainOptions.TABLE.parse(NONE, 0);
        assertThatThrownBy(() -> train.get(Demo.EPOCHS)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("--epochs");
        assertThat(train.get(TrainOptions.EPOCHS)).isEqualTo(1);
        assertThat(Demo.OPTIONS.parse(NONE, 0).get(Demo.EPOCHS)).isEqualTo(30);
    }

    @Test
    void handlesReadTypedValuesDefaultsAndFlags() {
        Args a = TrainOptions.TABLE.parse(new String[] {"--latents", "1e3", "--json", "--loss-term", "A,coef=1",
                "--loss-term", "B,coef=2", "--lr", "0.01", "--out", "o"}, 0);
        assertThat(a.get(TrainOptions.LATENTS)).isEqualTo(1000);
        assertThat(a.text(TrainOptions.LATENTS)).isEqualTo("1e3");
        assertThat(a.get(TrainOptions.JSON)).isTrue();
        assertThat(a.get(TrainOptions.QUIET)).isFalse();
        assertThat(a.get(TrainOptions.LOSS_TERM)).containsExactly("A,coef=1", "B,coef=2");
        assertThat(a.get(TrainOptions.LR)).isEqualTo(0.01);
        assertThat(a.get(TrainOptions.DEAD_WINDOW)).isEqualTo(10_000_000L); // the table's default, "1e7"
        assertThat(a.get(TrainOptions.OUT)).isEqualTo(Path.of("o"));
        assertThat(a.get(TrainOptions.TARGET)).isNull();
        assertThat(a.get(TrainOptions.K, 7)).isEqualTo(7);
        assertThat(a.get(TrainOptions.ACTIVATION)).isEqualTo(org.sae4j.model.Activation.TOPK);
        assertThatThrownBy(() -> a.required(TrainOptions.DATA)).isInstanceOf(org.sae4j.BadInputException.class)
                .hasMessage("train: --data PATH is required");
    }

    /** The fixed options are exactly those declared with a recorded value (the only way to declare one). */
    @Test
    void everyFixedOptionHasItsRecordedValue() {
        List<String> fixed = new ArrayList<>();
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.resume() == Option.Resume.FIXED_BY_RESUME) {
                fixed.add(o.name());
            }
        }
        assertThat(fixed).hasSizeGreaterThan(25).containsExactlyElementsOf(ResumeOptions.RECORDED.keySet());
        assertThat(TrainOptions.ALL).extracting(Opt::option).containsExactlyElementsOf(TrainOptions.TABLE.options());
    }

    /** Each command class's handles are rows of its table, so a read through one cannot fail at run time. */
    @Test
    void everyDeclaredHandleIsInItsCommandsTable() throws IllegalAccessException {
        Map<Class<?>, OptionTable> tables = Map.of(TrainOptions.class, TrainOptions.TABLE, Eval.class, Eval.OPTIONS,
                Encode.class, Encode.OPTIONS, Inspect.class, Inspect.OPTIONS, Export.class, Export.OPTIONS,
                Features.class, Features.OPTIONS, Demo.class, Demo.OPTIONS, Experiment.class, Experiment.DEAD_CODES);
        int handles = 0;
        for (Map.Entry<Class<?>, OptionTable> e : tables.entrySet()) {
            for (Field f : e.getKey().getDeclaredFields()) {
                if (f.getType() == Opt.class && Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    Opt<?> o = (Opt<?>) f.get(null);
                    assertThat(e.getValue().options()).as(e.getKey().getSimpleName() + "." + f.getName())
                            .contains(o.option());
                    handles++;
                }
            }
        }
        assertThat(handles).isGreaterThan(80);
    }

    /** No command reads an option by its name: every read goes through a handle, which its table must declare. */
    @Test
    void noCommandReadsAnOptionByName() throws IOException {
        Path dir = Path.of("src/main/java/org/sae4j/cli");
        Pattern byName = Pattern.compile("(?<!Opt)\\.(given|flag|string|integer|longValue|number|all|required|text|get)"
                + "\\(\\s*\"--[a-z0-9-]+\"");
        List<String> found = new ArrayList<>(); // Opt.integer("--k", ...) declares, it does not read
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                Matcher m = byName.matcher(Files.readString(p));
                while (m.find()) {
                    found.add(p.getFileName() + ": " + m.group());
                }
            }
        }
        assertThat(found).isEmpty();
    }

    @Test
    void oneListNamesEveryCommand() {
        CliRun cli = new CliRun();
        assertThat(cli.run("nosuch")).isEqualTo(2);
        assertThat(cli.stderr()).isEqualTo("sae4j: unknown command 'nosuch'; expected train, eval, encode,"
                + " activations, splice, inspect, export, features, spark, demo, experiment or help"
                + System.lineSeparator());
        assertThat(Main.commands().keySet()).containsExactly("train", "eval", "encode", "activations", "splice",
                "inspect", "export", "features", "spark", "demo", "experiment");
        // Without the onnx module's jar, its command says where it runs.
        assertThat(cli.run("activations", "--help")).isEqualTo(2);
        assertThat(cli.stderr()).startsWith("sae4j: activations runs through ./sae4j (the optional onnx module");
        for (OptionTable t : Main.COMMANDS) {
            assertThat(Main.commands().get(t.command().split(" ")[0]).options()).contains(t);
        }
    }
}
