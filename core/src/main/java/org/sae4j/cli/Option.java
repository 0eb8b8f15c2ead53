package org.sae4j.cli;

import java.util.Objects;

/**
 * One command-line option: the single source of how the usage text shows it, how {@link Args} parses it and what
 * {@code train --resume} does with it. A command's options are one {@link OptionTable}; adding an option is one
 * entry there plus the line that reads it.
 *
 * @param name         {@code --name}
 * @param placeholder  what the value stands for in the usage ({@code N}, {@code adam|sgd}); null for a flag
 * @param help         one line for {@code <command> --help}
 * @param defaultValue the value used when the option is absent, as a user would type it (the usage prints it and
 *                     {@link Args} parses it like a given value); null when there is none or it is computed
 * @param kind         how it is parsed
 * @param resume       what {@code train --resume} does with it (commands without a resume ignore it)
 * @param required     shown without brackets in the synopsis ({@link Args#required} checks it)
 */
public record Option(String name, String placeholder, String help, String defaultValue, Kind kind, Resume resume,
                     boolean required) {
    /** How an option is parsed. */
    public enum Kind {
        /** {@code --name VALUE} or {@code --name=VALUE}; given twice, the last value counts. */
        VALUED,
        /** {@code --name} alone. */
        FLAG,
        /** {@code --name VALUE}, any number of times; {@link Args#all} returns every value in order. */
        REPEATABLE
    }

    /** What a {@code train --resume} does with an option given again. */
    public enum Resume {
        /** Recorded in the checkpoint: may be repeated, with the recorded value only (another would fork the run). */
        FIXED_BY_RESUME,
        /** Not part of the run's result (where it goes, how it logs, how far it runs): may differ. */
        MAY_CHANGE_ON_RESUME,
        /** Has no meaning for a resumed run: refused with {@code --resume}. */
        NOT_WITH_RESUME
    }

    public Option {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(help, "help");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(resume, "resume");
        if (!name.startsWith("--")) {
            throw new IllegalArgumentException(name + ": expected an option name starting with --");
        }
        if ((kind == Kind.FLAG) != (placeholder == null)) {
            throw new IllegalArgumentException(name + ": a flag has no placeholder, a valued option has one");
        }
        if (kind == Kind.FLAG && defaultValue != null) {
            throw new IllegalArgumentException(name + ": a flag has no default");
        }
    }

    /** {@code --name PLACEHOLDER}, last value counts. */
    public static Option valued(String name, String placeholder, String help) {
        return new Option(name, placeholder, help, null, Kind.VALUED, Resume.MAY_CHANGE_ON_RESUME, false);
    }

    /** {@code --name}. */
    public static Option flag(String name, String help) {
        return new Option(name, null, help, null, Kind.FLAG, Resume.MAY_CHANGE_ON_RESUME, false);
    }

    /** {@code --name PLACEHOLDER ...}, every value kept. */
    public static Option repeatable(String name, String placeholder, String help) {
        return new Option(name, placeholder, help, null, Kind.REPEATABLE, Resume.MAY_CHANGE_ON_RESUME, false);
    }

    public Option withDefault(String value) {
        return new Option(name, placeholder, help, value, kind, resume, required);
    }

    public Option asRequired() {
        return new Option(name, placeholder, help, defaultValue, kind, resume, true);
    }

    /** Package-private: a fixed option needs its recorded value, which {@link Opt#fixedByResume} carries. */
    Option fixedByResume() {
        return new Option(name, placeholder, help, defaultValue, kind, Resume.FIXED_BY_RESUME, required);
    }

    public Option notWithResume() {
        return new Option(name, placeholder, help, defaultValue, kind, Resume.NOT_WITH_RESUME, required);
    }

    public boolean takesValue() {
        return kind != Kind.FLAG;
    }

    /** {@code --k K}, {@code --batch B (1024)}, {@code --output NAME ...}, {@code --json}: the synopsis word. */
    public String synopsis() {
        StringBuilder s = new StringBuilder(name);
        if (placeholder != null) {
            s.append(' ').append(placeholder);
        }
        if (defaultValue != null) {
            s.append(" (").append(defaultValue).append(')');
        }
        if (kind == Kind.REPEATABLE) {
            s.append(" ...");
        }
        return s.toString();
    }
}
