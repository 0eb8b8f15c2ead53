package org.sae4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A typed handle on one option: its declaration ({@link #option()}: name, placeholder, help, default, resume rule)
 * and how its text becomes a {@code T}. A command declares each option once, as a handle, builds its
 * {@link OptionTable} from the handles, and reads values through them ({@link Args#get(Opt)},
 * {@link Args#given(Opt)}, {@link Args#required(Opt)}), so no option name is spelt twice. {@link Args} refuses a
 * handle its table does not declare, as an internal error: the code cannot read an option the usage does not show.
 *
 * <p>A {@code train} option that {@code --resume} fixes is declared with the value a run records for it
 * ({@link #fixedByResume}), so a fixed option without a recorded value cannot be written.
 *
 * @param <T> the value's type
 */
public final class Opt<T> {
    /** Parses an option's text, with {@code args} naming the command and option in a message. */
    @FunctionalInterface
    interface Parser<T> {
        T parse(Args args, String name, String text);
    }

    private final Option option;
    private final Parser<T> parser;
    private final Function<ResumeOptions.Run, Object> recorded;

    private Opt(Option option, Parser<T> parser, Function<ResumeOptions.Run, Object> recorded) {
        this.option = Objects.requireNonNull(option, "option");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.recorded = recorded;
    }

    /** {@code --name TEXT}. */
    public static Opt<String> string(String name, String placeholder, String help) {
        return new Opt<>(Option.valued(name, placeholder, help), (a, n, v) -> v, null);
    }

    /** {@code --name N}: a decimal integer, or one in exponent form ({@code 1e7}). */
    public static Opt<Integer> integer(String name, String placeholder, String help) {
        return new Opt<>(Option.valued(name, placeholder, help), Args::parseInt, null);
    }

    /** {@code --name N} as a long. */
    public static Opt<Long> longValue(String name, String placeholder, String help) {
        return new Opt<>(Option.valued(name, placeholder, help), Args::parseLong, null);
    }

    /** {@code --name X}: a finite number. */
    public static Opt<Double> number(String name, String placeholder, String help) {
        return new Opt<>(Option.valued(name, placeholder, help), Args::parseDouble, null);
    }

    /** {@code --name PATH}. */
    public static Opt<Path> path(String name, String placeholder, String help) {
        return new Opt<>(Option.valued(name, placeholder, help), (a, n, v) -> Path.of(v), null);
    }

    /** {@code --name TEXT}, turned into a {@code T} by {@code parse} (which names what it expected when it fails). */
    public static <T> Opt<T> parsed(String name, String placeholder, String help, Function<String, T> parse) {
        return new Opt<>(Option.valued(name, placeholder, help), (a, n, v) -> parse.apply(v), null);
    }

    /** {@code --name}: true when given. */
    public static Opt<Boolean> flag(String name, String help) {
        return new Opt<>(Option.flag(name, help), (a, n, v) -> true, null);
    }

    /** {@code --name TEXT ...}: every value, in order. */
    public static Opt<List<String>> repeatable(String name, String placeholder, String help) {
        return new Opt<>(Option.repeatable(name, placeholder, help), (a, n, v) -> List.of(v), null);
    }

    /** The default, as a user would type it (the usage prints it, {@link Args} parses it like a given value). */
    public Opt<T> withDefault(String value) {
        return new Opt<>(option.withDefault(value), parser, recorded);
    }

    /** Shown without brackets in the synopsis; {@link Args#required(Opt)} refuses it absent. */
    public Opt<T> asRequired() {
        return new Opt<>(option.asRequired(), parser, recorded);
    }

    /** Refused with {@code train --resume}. */
    public Opt<T> notWithResume() {
        return new Opt<>(option.notWithResume(), parser, recorded);
    }

    /**
     * Fixed by {@code train --resume}: it may be given again with the value {@code recorded} reads from a run's
     * settings only ({@link ResumeOptions}).
     */
    Opt<T> fixedByResume(Function<ResumeOptions.Run, Object> recorded) {
        return new Opt<>(option.fixedByResume(), parser, Objects.requireNonNull(recorded, "recorded"));
    }

    /** The declaration, as tables, usage texts and the parser see it. */
    public Option option() {
        return option;
    }

    /** {@code --name}. */
    public String name() {
        return option.name();
    }

    /** What a run records for this option (the value {@code --resume} compares), or null when it is not fixed. */
    Function<ResumeOptions.Run, Object> recorded() {
        return recorded;
    }

    T parse(Args args, String text) {
        return parser.parse(args, option.name(), text);
    }

    /** The options of {@code handles}, in order: a table's rows. */
    public static List<Option> options(List<? extends Opt<?>> handles) {
        return handles.stream().<Option>map(Opt::option).toList();
    }

    @Override
    public String toString() {
        return option.name();
    }
}
