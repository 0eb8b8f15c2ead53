package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

/**
 * One {@code sae4j} command: what {@link Main} lists in {@code sae4j help}, finds by name and runs. Core's commands
 * are {@link Main}'s one list; those of the optional modules ({@code activations} and {@code splice} in onnx,
 * {@code spark}) register through {@link java.util.ServiceLoader} ({@code META-INF/services/org.sae4j.cli.Command}
 * in their jars), so core names none of their classes.
 */
public interface Command {
    /** As typed after {@code sae4j}: {@code train}, {@code experiment}, {@code spark}. */
    String name();

    /** One line: what the command does. */
    String summary();

    /**
     * The command's option tables: one, or one per sub-command ({@code spark features}, {@code spark encode});
     * {@code sae4j help COMMAND} prints the first whose name starts with COMMAND.
     */
    List<OptionTable> options();

    /** Runs the command on {@code args} (the words after its name) and returns the exit code ({@link Main}). */
    int run(String[] args, PrintStream out, PrintStream err);

    /** This command's block of {@code sae4j help}. */
    default String overview() {
        StringBuilder s = new StringBuilder();
        for (OptionTable t : options()) {
            s.append(t.overview());
        }
        return s.toString();
    }

    /** A command's work: may throw what {@link Main#exitCode} maps to the exit code and its one line. */
    @FunctionalInterface
    interface Body {
        void run(String[] args, PrintStream out, PrintStream err) throws IOException;
    }

    /** The command {@code table} describes, running {@code body} with {@link Main}'s exit codes. */
    static Command of(OptionTable table, Body body) {
        String name = table.command().split(" ")[0];
        return new Command() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return table.summary();
            }

            @Override
            public List<OptionTable> options() {
                return List.of(table);
            }

            @Override
            public int run(String[] args, PrintStream out, PrintStream err) {
                return Main.exitCode(() -> body.run(args, out, err), out, err);
            }
        };
    }
}
