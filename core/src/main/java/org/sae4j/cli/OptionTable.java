package org.sae4j.cli;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A command's options, in the order its usage shows them: {@link Main}'s overview ({@code sae4j help}), the
 * command's own {@code --help}, {@link Args}' parsing and {@code train}'s resume rules are all read from it, so the
 * text and the parser cannot drift apart.
 *
 * @param command as typed after {@code sae4j} ({@code train}, {@code experiment dead-codes})
 * @param summary one line: what the command does
 * @param notes   lines printed after the options (output files, signals, exit codes…)
 * @param options every option the command accepts
 */
public record OptionTable(String command, String summary, List<String> notes, List<Option> options) {
    /** Column of the overview's option lines ({@code sae4j help}). */
    static final int INDENT = 11;
    /** Line width of the usage texts. */
    static final int WIDTH = 118;
    /** Column of the help lines in {@code <command> --help}. */
    private static final int HELP_COLUMN = 34;

    public OptionTable {
        notes = List.copyOf(notes);
        options = List.copyOf(options);
        Set<String> seen = new HashSet<>();
        for (Option o : options) {
            if (!seen.add(o.name())) {
                throw new IllegalArgumentException(command + ": option " + o.name() + " declared twice");
            }
            if (o.name().equals("--help")) {
                throw new IllegalArgumentException(command + ": --help is every table's own");
            }
        }
    }

    public static OptionTable of(String command, String summary, List<String> notes, List<Option> options) {
        return new OptionTable(command, summary, notes, options);
    }

    /** This table with {@code more} appended (options shared by several commands). */
    public OptionTable with(List<Option> more) {
        List<Option> all = new ArrayList<>(options);
        all.addAll(more);
        return new OptionTable(command, summary, notes, all);
    }

    /** The option called {@code name}, or null. */
    public Option find(String name) {
        for (Option o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        return null;
    }

    public List<String> names() {
        return options.stream().map(Option::name).toList();
    }

    /** Parses {@code argv[from..]}; {@code --help}/{@code -h} anywhere throws {@link UsageRequest} with {@link #usage}. */
    public Args parse(String[] argv, int from) {
        return new Args(this, argv, from);
    }

    /** The options as words: required ones bare, the others in brackets with their default. */
    public List<String> synopsisWords() {
        List<String> w = new ArrayList<>();
        for (Option o : options) {
            w.add(o.required() ? o.synopsis() : "[" + o.synopsis() + "]");
        }
        return w;
    }

    /** This command's block of {@code sae4j help}: name and summary, the options wrapped, the notes. */
    public String overview() {
        StringBuilder s = new StringBuilder();
        // The name goes in the indent when it fits, else on a line of its own; the summary is wrapped like the rest.
        StringBuilder first = new StringBuilder();
        wrap(first, List.of(summary.split(" ")), INDENT);
        if (command.length() < INDENT - 3) {
            s.append(String.format(Locale.ROOT, "  %-" + (INDENT - 3) + "s ", command)).append(first, INDENT,
                    first.length());
        } else {
            s.append("  ").append(command).append('\n').append(first);
        }
        wrap(s, synopsisWords(), INDENT);
        for (String n : notes) {
            wrap(s, List.of(n.split(" ")), INDENT);
        }
        return s.toString();
    }

    /** {@code sae4j <command> --help}: the required options, then one line per option with its help and rules. */
    public String usage() {
        StringBuilder s = new StringBuilder();
        List<String> head = new ArrayList<>(List.of("usage:", "sae4j", command));
        for (Option o : options) {
            if (o.required()) {
                head.add(o.name() + (o.placeholder() == null ? "" : " " + o.placeholder()));
            }
        }
        head.add("[options]");
        wrap(s, head, 0);
        wrap(s, List.of(summary.split(" ")), 2);
        for (Option o : options) {
            String left = "  " + o.name() + (o.placeholder() == null ? "" : " " + o.placeholder())
                    + (o.kind() == Option.Kind.REPEATABLE ? " ..." : "");
            List<String> right = new ArrayList<>(List.of(o.help().split(" ")));
            if (o.defaultValue() != null) {
                // One word for wrap, so "(default X)" never splits across lines (tests and readers grep it).
                right.add("(default " + o.defaultValue() + ")");
            }
            if (o.resume() == Option.Resume.FIXED_BY_RESUME) {
                right.addAll(List.of("[fixed", "by", "--resume]"));
            } else if (o.resume() == Option.Resume.NOT_WITH_RESUME) {
                right.addAll(List.of("[not", "with", "--resume]"));
            }
            s.append(left);
            if (left.length() + 2 > HELP_COLUMN) {
                s.append('\n').append(" ".repeat(HELP_COLUMN));
            } else {
                s.append(" ".repeat(HELP_COLUMN - left.length()));
            }
            StringBuilder lines = new StringBuilder();
            wrap(lines, right, HELP_COLUMN);
            s.append(lines, HELP_COLUMN, lines.length());
        }
        s.append(String.format(Locale.ROOT, "%-" + HELP_COLUMN + "s%s\n", "  --help", "this text"));
        for (String n : notes) {
            wrap(s, List.of(n.split(" ")), 2);
        }
        return s.toString();
    }

    /** Appends {@code words} as lines of at most {@link #WIDTH} characters, each indented by {@code indent}. */
    static void wrap(StringBuilder s, List<String> words, int indent) {
        StringBuilder line = new StringBuilder(" ".repeat(indent));
        for (String w : words) {
            if (w.isEmpty()) {
                continue;
            }
            if (line.length() > indent && line.length() + 1 + w.length() > WIDTH) {
                s.append(line).append('\n');
                line.setLength(0);
                line.append(" ".repeat(indent));
            }
            if (line.length() > indent) {
                line.append(' ');
            }
            line.append(w);
        }
        if (line.length() > indent) {
            s.append(line).append('\n');
        }
    }

    /**
     * The declared name a typo most likely meant, or null: within two edits (three for long names), or one name
     * extending the other ({@code --lr} / {@code --lrate}).
     */
    static String nearest(String given, java.util.Collection<String> names) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int d = distance(given, n);
            if (d < bestDistance) {
                best = n;
                bestDistance = d;
            }
        }
        if (best == null) {
            return null;
        }
        int allowed = best.length() >= 10 ? 3 : 2;
        if (bestDistance <= allowed) {
            return best;
        }
        for (String n : names) {
            String shorter = n.length() < given.length() ? n : given;
            String longer = shorter == n ? given : n;
            if (shorter.length() >= 4 && longer.startsWith(shorter)) {
                return n;
            }
        }
        return null;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
