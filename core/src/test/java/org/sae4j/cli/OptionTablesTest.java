package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.sae4j.BadInputException;
import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.TrainConfig;

/**
 * The option tables against what is built from them and what documents them: the usage texts, the parser, the
 * defaults a run really gets, train's resume rules, and the options the README shows.
 */
class OptionTablesTest {
    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String stdout() {
        return cli.stdout();
    }

    private static String[] argv(String... a) {
        return a;
    }

    @Test
    void everyOptionIsInTheOverviewAndInItsCommandsHelp() {
        assertThat(run("help")).isZero();
        String overview = stdout();
        assertThat(overview).isEqualTo(Main.USAGE);
        for (OptionTable t : Main.COMMANDS) {
            String[] words = t.command().split(" ");
            String[] help = new String[words.length + 1];
            System.arraycopy(words, 0, help, 0, words.length);
            help[words.length] = "--help";
            assertThat(run(help)).as(t.command()).isZero();
            String usage = stdout();
            assertThat(usage).as(t.command()).isEqualTo(t.usage()).startsWith("usage: sae4j " + t.command());
            assertThat(run("help", words[0])).isZero();
            assertThat(stdout()).isEqualTo(usage);
            for (Option o : t.options()) {
                String word = o.required() ? o.synopsis() : "[" + o.synopsis() + "]";
                assertThat(overview).as(t.command()).contains(word);
                assertThat(usage).as(t.command()).contains("  " + o.name() + (o.placeholder() == null ? ""
                        : " " + o.placeholder())).contains(o.help().split(" ")[0]);
                if (o.defaultValue() != null) {
                    assertThat(usage).contains("(default " + o.defaultValue() + ")");
                }
            }
        }
        assertThat(overview.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(118));
    }

    @Test
    void theParserAcceptsExactlyTheTablesOptions() {
        for (OptionTable t : Main.COMMANDS) {
            for (Option o : t.options()) {
                String[] a = o.takesValue() ? argv(o.name(), "1") : argv(o.name());
                assertThat(t.parse(a, 0).given(o.name())).as(t.command() + " " + o.name()).isTrue();
                String typo = o.name() + "x";
                BadInputException e = org.junit.jupiter.api.Assertions.assertThrows(BadInputException.class,
                        () -> t.parse(o.takesValue() ? argv(typo, "1") : argv(typo), 0));
                Matcher m = Pattern.compile("^" + Pattern.quote(t.command() + ": unknown option '" + typo
                        + "'; did you mean ") + "(--[a-z0-9-]+)\\? \\(" + Pattern.quote(t.command() + " --help")
                        + " lists every option\\)$").matcher(e.getMessage());
                assertThat(m.find()).as(e.getMessage()).isTrue();
                assertThat(t.names()).contains(m.group(1));
                assertThat(OptionTable.distance(typo, m.group(1))).isLessThanOrEqualTo(1);
            }
            assertThatThrownBy(() -> t.parse(argv("--zzzzzzzz"), 0)).isInstanceOf(BadInputException.class)
                    .hasMessage(t.command() + ": unknown option '--zzzzzzzz'; expected one of " + t.names());
            // The code cannot read an option the table does not declare (an internal error, not the user's).
            assertThatThrownBy(() -> t.parse(argv(), 0).string("--zzzzzzzz"))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("does not declare");
        }
    }

    @Test
    void helpIsAskedOnlyWhereAnOptionNameGoes() {
        assertThatThrownBy(() -> TrainOptions.TABLE.parse(argv("--data", "x.npy", "-h"), 0))
                .isInstanceOf(UsageRequest.class).hasMessage(TrainOptions.TABLE.usage());
        Args a = TrainOptions.TABLE.parse(argv("--report", "--help"), 0); // a file called --help
        assertThat(a.string("--report")).isEqualTo("--help");
    }

    @Test
    void defaultsInTheTableAreTheValuesARunGets() {
        Args none = TrainOptions.TABLE.parse(argv(), 0);
        int checked = 0;
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.defaultValue() == null || !ResumeOptions.RECORDED.containsKey(o.name())) {
                continue;
            }
            Activation act = switch (o.name()) {
                case "--l1" -> Activation.RELU;
                case "--l0", "--preact-loss", "--jumprelu-threshold", "--jumprelu-bandwidth" -> Activation.JUMPRELU;
                default -> Activation.TOPK;
            };
            TrainConfig cfg = TrainOptions.hyperParameters(none, act).build();
            ResumeOptions.Run run = new ResumeOptions.Run(0, act, 0,
                    TrainOptions.jumpReluOption(none, act, "--jumprelu-threshold"),
                    TrainOptions.jumpReluOption(none, act, "--jumprelu-bandwidth"), "none",
                    org.sae4j.model.Matryoshka.Loss.SUM, Standardizer.Mode.NONE, () -> cfg);
            Object value = ResumeOptions.RECORDED.get(o.name()).apply(run);
            if (value instanceof Number n) {
                assertThat(n.doubleValue()).as(o.name()).isEqualTo(Double.parseDouble(o.defaultValue()));
            } else {
                assertThat(value).as(o.name()).hasToString(o.defaultValue());
            }
            checked++;
        }
        assertThat(checked).isGreaterThan(15);
        assertThat(none.longValue("--checkpoint-every")).isEqualTo(1000);
        assertThat(none.longValue("--dead-window")).isEqualTo(10_000_000L);
        assertThat(Demo.OPTIONS.parse(argv(), 0).integer("--epochs")).isEqualTo(30);
    }

    /** A valid value other than the one a run with default options records, for each fixed option. */
    private static final Map<String, String> OTHER_VALUE = Map.ofEntries(
            Map.entry("--latents", "64"), Map.entry("--activation", "relu"), Map.entry("--k", "5"),
            Map.entry("--matryoshka", "8,16"), Map.entry("--matryoshka-loss", "mean"),
            Map.entry("--standardize", "feature"), Map.entry("--batch", "512"), Map.entry("--lr", "1e-3"),
            Map.entry("--warmup-steps", "5"), Map.entry("--optimizer", "sgd"), Map.entry("--clip-grad", "0.5"),
            Map.entry("--reanimation", "0.01"), Map.entry("--reanimation-anneal", "1:2"),
            Map.entry("--reanimation-schedule", "cosine:1:2"), Map.entry("--reanimation-form", "overcomplete"),
            Map.entry("--seed", "9"), Map.entry("--l1", "0.5"), Map.entry("--l0", "0.5"), Map.entry("--auxk", "0.1"),
            Map.entry("--auxk-k", "4"), Map.entry("--dead-window", "1000"), Map.entry("--reanimation-mask", "window"),
            Map.entry("--resample-every", "100"), Map.entry("--preact-loss", "0.01"),
            Map.entry("--jumprelu-threshold", "0.5"), Map.entry("--jumprelu-bandwidth", "0.05"),
            Map.entry("--decoder-bias-init", "median"), Map.entry("--encoder-init-scale", "0.5"),
            Map.entry("--loss-term", MeanPreTerm.class.getName() + ",coef=1"));

    @Test
    void everyFixedOptionMayBeRepeatedOnResumeWithItsValueOnly() {
        Set<String> fixed = new TreeSet<>();
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.resume() == Option.Resume.FIXED_BY_RESUME) {
                fixed.add(o.name());
            }
        }
        assertThat(fixed).isEqualTo(new TreeSet<>(OTHER_VALUE.keySet())).isEqualTo(
                new TreeSet<>(ResumeOptions.RECORDED.keySet()));
        Path dir = Path.of("run1");
        for (String name : fixed) {
            Activation act = name.equals("--l1") ? Activation.RELU
                    : name.equals("--l0") || name.equals("--preact-loss") || name.startsWith("--jumprelu-")
                    ? Activation.JUMPRELU : Activation.TOPK;
            List<String> base = new ArrayList<>(List.of("--latents", "32", "--activation", act.id()));
            if (act.usesK()) {
                base.addAll(List.of("--k", "3"));
            }
            Args recorded = TrainOptions.TABLE.parse(base.toArray(String[]::new), 0);
            SaeConfig sae = TrainOptions.freshConfig(recorded, act, 8);
            TrainConfig cfg = TrainOptions.hyperParameters(recorded, act).build();
            // The recorded value repeated (as typed in the first run, or the default) passes.
            String same = recorded.string(name); // as given in the first run, else the table's default
            if (same != null) {
                ResumeOptions.check(TrainOptions.TABLE.parse(argv("--resume", "run1", name, same), 0), dir, sae,
                        null, cfg);
            }
            String other = OTHER_VALUE.get(name);
            assertThatThrownBy(() -> ResumeOptions.check(TrainOptions.TABLE.parse(argv("--resume", "run1", name,
                    other), 0), dir, sae, null, cfg)).as(name).isInstanceOf(BadInputException.class)
                    .hasMessageStartingWith("train --resume run1 " + name + " " + other
                            + ": the checkpoint was trained with " + name + " ")
                    .hasMessageEndingWith("; expected the same value (or leave " + name + " out)");
        }
        // Options that may change pass whatever their value.
        ResumeOptions.check(TrainOptions.TABLE.parse(argv("--resume", "run1", "--threads", "7", "--steps", "99",
                "--log-every", "3", "--out", "elsewhere"), 0), dir, SaeConfig.topK(8, 32, 3), null,
                TrainConfig.builder().build());
    }

    @Test
    void optionsThatMeanNothingToAResumedRunAreRefusedWithIt() {
        int refused = 0;
        for (Option o : TrainOptions.TABLE.options()) {
            Args a = TrainOptions.TABLE.parse(o.takesValue() ? argv("--resume", "r", o.name(), "x")
                    : argv("--resume", "r", o.name()), 0);
            if (o.resume() == Option.Resume.NOT_WITH_RESUME) {
                assertThatThrownBy(() -> ResumeOptions.checkNotWithResume(a)).isInstanceOf(BadInputException.class)
                        .hasMessageStartingWith("train: --resume and " + o.name() + " both given; expected one");
                refused++;
            } else {
                ResumeOptions.checkNotWithResume(a);
            }
        }
        assertThat(refused).isEqualTo(5); // --init, the options that read its folder, and --skip (the architecture)
        assertThat(run("train", "--data", "x.npy", "--resume", "r", "--format", "saelens")).isEqualTo(2);
        assertThat(cli.stderr()).startsWith("sae4j: train: --resume and --format both given");
    }

    /**
     * The README's and src/docs' commands use only options their tables declare; the README's train notes, only
     * train's.
     */
    @Test
    void theReadmeAndDocsUseOnlyDeclaredOptions() throws IOException {
        Path root = Files.exists(Path.of("../README.md")) ? Path.of("..") : Path.of(".");
        String text = Files.readString(root.resolve("README.md"));
        StringBuilder docs = new StringBuilder(text);
        try (var files = Files.list(root.resolve("src/docs"))) {
            for (Path p : files.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                docs.append('\n').append(Files.readString(p));
            }
        }
        Pattern option = Pattern.compile("(?<![\\w'-])--[a-z][a-z0-9-]*"); // not a quoted message
        Set<String> unknown = new LinkedHashSet<>();
        int commands = 0;
        // Each ./sae4j COMMAND line (with its \-continuations) against that command's table.
        Matcher cmd = Pattern.compile("\\./sae4j ([a-z]+)((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(docs);
        while (cmd.find()) {
            OptionTable t = null;
            for (OptionTable c : Main.COMMANDS) {
                if (c.command().split(" ")[0].equals(cmd.group(1))) {
                    t = c;
                }
            }
            if (t == null) {
                continue; // activations, spark, bench, java: outside core
            }
            commands++;
            String line = cmd.group(2).replaceAll("#.*", "");
            Matcher m = option.matcher(line);
            while (m.find()) {
                if (t.find(m.group()) == null) {
                    unknown.add(cmd.group(1) + " " + m.group());
                }
            }
        }
        // The notes under "Command line" describe train's options.
        int from = text.indexOf("## Command line");
        String section = text.substring(from, text.indexOf("\n## ", from + 1));
        section = section.substring(section.indexOf("```", section.indexOf("```") + 3)); // after the commands
        Matcher m = option.matcher(section);
        int trainOptions = 0;
        while (m.find()) {
            if (TrainOptions.TABLE.find(m.group()) == null && !m.group().equals("--help")) {
                unknown.add("train " + m.group());
            }
            trainOptions++;
        }
        assertThat(unknown).as("options the README shows that no table declares").isEmpty();
        assertThat(commands).isGreaterThan(15);
        assertThat(trainOptions).isGreaterThan(10);
    }
}
