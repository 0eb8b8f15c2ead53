package org.sae4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sae4j.BadInputException;

/**
 * Hand-written {@code --name value} / {@code --flag} parser (core stays dependency-free). Every option is declared,
 * so a typo is an error naming it rather than a silently ignored setting. Public for the optional modules' commands.
 */
public final class Args {
    private final String command;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, List<String>> repeated = new LinkedHashMap<>();
    private final Set<String> flags = new LinkedHashSet<>();

    /**
     * @param valued   options that take a value
     * @param flagged  options that take none
     */
    public Args(String command, String[] argv, int from, Set<String> valued, Set<String> flagged) {
        this.command = command;
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
                Set<String> all = new LinkedHashSet<>(valued);
                all.addAll(flagged);
                throw new BadInputException(command + ": unknown option '" + a + "'; expected one of " + all);
            }
        }
    }

    public boolean flag(String name) {
        return flags.contains(name);
    }

    /** Every value given for {@code name}, in order (an option that may be repeated); empty when absent. */
    public List<String> all(String name) {
        return List.copyOf(repeated.getOrDefault(name, List.of()));
    }

    public String string(String name, String def) {
        return values.getOrDefault(name, def);
    }

    public int integer(String name, int def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException(command + " " + name + " '" + v + "': expected an integer");
        }
    }

    public long longValue(String name, long def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException(command + " " + name + " '" + v + "': expected an integer");
        }
    }

    public double number(String name, double def) {
        String v = values.get(name);
        if (v == null) {
            return def;
        }
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
