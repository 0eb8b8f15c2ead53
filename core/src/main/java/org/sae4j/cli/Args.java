package org.sae4j.cli;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sae4j.BadInputException;

/**
 * Hand-written {@code --name value} / {@code --flag} parser (core stays dependency-free). Every option is declared,
 * so a typo is an error naming it (and the nearest declared name) rather than a silently ignored setting. Public for
 * the optional modules' commands.
 *
 * <p>Built from an {@link OptionTable} ({@link OptionTable#parse}), it also answers {@code --help} with the table's
 * usage, takes absent options' values from the table's defaults, and refuses (as an internal error) a read of an
 * option the table does not declare, so the code cannot use an option the usage does not show. Commands read
 * through their options' typed handles ({@link Opt}: {@link #get(Opt)}, {@link #given(Opt)},
 * {@link #required(Opt)}); the reads by name remain for tests and callers that hold only a name.
 */
public final class Args {
    private final String command;
    private final OptionTable table;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, List<String>> repeated = new LinkedHashMap<>();
    private final Set<String> flags = new LinkedHashSet<>();

    Args(OptionTable table, String[] argv, int from) {
        this.command = table.command();
        this.table = table;
        Set<String> valued = new LinkedHashSet<>();
        Set<String> flagged = new LinkedHashSet<>();
        for (Option o : table.options()) {
            (o.takesValue() ? valued : flagged).add(o.name());
        }
        for (int i = from; i < argv.length; i++) {
            if (argv[i].equals("--help") || argv[i].equals("-h")) {
                if (i == from || !valued.contains(argv[i - 1])) { // not the value of an option
                    throw new UsageRequest(table.usage());
                }
            }
        }
        parse(argv, from, valued, flagged);
    }

    private void parse(String[] argv, int from, Set<String> valued, Set<String> flagged) {
        for (int i = from; i < argv.length; i++) {
            String a = argv[i];
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (flagged.contains(name) && value == null) {
                flags.add(name);
            } else if (valued.contains(name)) {
                if (value == null) {
                    if (i + 1 >= argv.length) {
                        throw new BadInputException(command + " " + name + ": expected a value after it");
                    }
                    value = argv[++i];
                }
                values.put(name, value);
                repeated.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw unknown(a, name);
            }
        }
    }

    private BadInputException unknown(String given, String name) {
        List<String> all = table.names();
        String near = name.startsWith("-") ? OptionTable.nearest(name, all) : null;
        String m = command + ": unknown option '" + given + "'; ";
        if (near == null) {
            return new BadInputException(m + "expected one of " + all);
        }
        return new BadInputException(m + "did you mean " + near + "? (" + command + " --help lists every option)");
    }

    /** The table's option {@code name}; reading an undeclared one is a bug in the command, not the user's error. */
    private Option declared(String name) {
        Option o = table.find(name);
        if (o == null) {
            throw new IllegalStateException(command + " reads " + name + ", which its option table does not declare");
        }
        return o;
    }

    /** {@code o}'s declaration in the table; a handle the table does not declare is a bug in the command. */
    private Option declared(Opt<?> o) {
        Option d = declared(o.name());
        // How a value reads is its kind and default; help and resume rule may differ (train's --format is
        // model reading's, refused with --resume).
        if (d.kind() != o.option().kind() || !java.util.Objects.equals(d.defaultValue(), o.option().defaultValue())) {
            throw new IllegalStateException(command + " reads " + o.name() + " as " + o.option().synopsis()
                    + ", which its option table declares as " + d.synopsis());
        }
        return d;
    }

    /** Whether {@code o} was given on the command line. */
    public boolean given(Opt<?> o) {
        declared(o);
        return flags.contains(o.name()) || values.containsKey(o.name());
    }

    /**
     * {@code o}'s value: the given one, else the table's default, parsed; null when neither (a flag: whether it was
     * given; a repeatable option: every value in order, empty when absent).
     */
    @SuppressWarnings("unchecked") // Opt's factories pair FLAG with Boolean and REPEATABLE with List<String>
    public <T> T get(Opt<T> o) {
        Option d = declared(o);
        return switch (d.kind()) {
            case FLAG -> (T) Boolean.valueOf(flags.contains(d.name()));
            case REPEATABLE -> (T) List.copyOf(repeated.getOrDefault(d.name(), List.of()));
            case VALUED -> {
                String v = values.getOrDefault(d.name(), d.defaultValue());
                yield v == null ? null : o.parse(this, v);
            }
        };
    }

    /** {@code o}'s given value, else {@code def} (a default the table cannot state: computed, or another's). */
    public <T> T get(Opt<T> o, T def) {
        declared(o);
        String v = values.get(o.name());
        return v == null ? def : o.parse(this, v);
    }

    /** {@code o}'s given value; absent or blank: one line naming the option and its placeholder. */
    public <T> T required(Opt<T> o) {
        declared(o);
        return o.parse(this, required(o.name()));
    }

    /** {@code o}'s text as given (for messages), else the table's default; null when neither. */
    public String text(Opt<?> o) {
        declared(o);
        return string(o.name());
    }

    /** The command as its messages name it. */
    public String command() {
        return command;
    }

    /** Whether {@code name} was given on the command line (flag or valued). */
    public boolean given(String name) {
        declared(name);
        return flags.contains(name) || values.containsKey(name);
    }

    public boolean flag(String name) {
        declared(name);
        return flags.contains(name);
    }

    /** Every value given for {@code name}, in order (an option that may be repeated); empty when absent. */
    public List<String> all(String name) {
        declared(name);
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }

    public String string(String name, String def) {
        declared(name);
        return values.getOrDefault(name, def);
    }

    /** The given value, else the table's default (null when it has none). */
    public String string(String name) {
        Option o = declared(name);
        return values.getOrDefault(name, o.defaultValue());
    }

    /** The given value; absent or blank: one line naming the option and its placeholder. */
    public String required(String name) {
        Option o = declared(name);
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new BadInputException(command + ": " + name + " " + o.placeholder() + " is required");
        }
        return v;
    }

    public int integer(String name, int def) {
        String v = string(name, null);
        return v == null ? def : parseInt(name, v);
    }

    /** The given value, else the table's default, as an int. */
    public int integer(String name) {
        return parseInt(name, orDefault(name));
    }

    public long longValue(String name, long def) {
        String v = string(name, null);
        return v == null ? def : parseLong(name, v);
    }

    /** The given value, else the table's default, as a long. */
    public long longValue(String name) {
        return parseLong(name, orDefault(name));
    }

    public double number(String name, double def) {
        String v = string(name, null);
        return v == null ? def : parseDouble(name, v);
    }

    /** The given value, else the table's default, as a finite double. */
    public double number(String name) {
        return parseDouble(name, orDefault(name));
    }

    private String orDefault(String name) {
        String v = string(name);
        if (v == null) {
            throw new IllegalStateException(command + " " + name + ": neither given nor defaulted in its table");
        }
        return v;
    }

    int parseInt(String name, String v) {
        long l = parseLong(name, v);
        if (l != (int) l) {
            throw new BadInputException(command + " " + name + " '" + v + "': expected an integer");
        }
        return (int) l;
    }

    /** Decimal integers, and integers in exponent form ({@code 1e7}, as the usage writes large defaults). */
    long parseLong(String name, String v) {
        String t = v.trim();
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            if (t.indexOf('e') > 0 || t.indexOf('E') > 0) {
                try {
                    return new BigDecimal(t).longValueExact();
                } catch (NumberFormatException | ArithmeticException e2) {
                    // falls through to the one-line message
                }
            }
            throw new BadInputException(command + " " + name + " '" + v + "': expected an integer");
        }
    }

    double parseDouble(String name, String v) {
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new BadInputException(command + " " + name + " '" + v + "': expected a finite number");
        }
    }
}
