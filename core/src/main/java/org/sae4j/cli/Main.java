package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.sae4j.BadInputException;

/**
 * The {@code sae4j} command line. Exit codes: 0 ok, 2 bad usage or bad input (one line on stderr naming what and
 * where), 1 internal error.
 */
public final class Main {
    /**
     * Every command, in the order {@code sae4j help} shows core's and an unknown command's message names them all:
     * core's, and a stand-in for each optional module's command that says where it runs when its jar is absent
     * (the one found through {@link ServiceLoader} replaces it).
     */
    private static final List<Command> ALL = List.of(
            Command.of(TrainOptions.TABLE, Train::run),
            Command.of(Eval.OPTIONS, (a, out, err) -> Eval.run(a, out)),
            Command.of(Encode.OPTIONS, (a, out, err) -> Encode.run(a, out)),
            Elsewhere.ACTIVATIONS,
            Elsewhere.SPLICE,
            Command.of(Inspect.OPTIONS, (a, out, err) -> Inspect.run(a, out)),
            Command.of(Export.OPTIONS, (a, out, err) -> Export.run(a, out)),
            Command.of(Features.OPTIONS, (a, out, err) -> Features.run(a, out)),
            Elsewhere.SPARK,
            Command.of(Demo.OPTIONS, (a, out, err) -> Demo.run(a, out)),
            Command.of(Experiment.DEAD_CODES, (a, out, err) -> Experiment.run(a, out)));

    /** Core's commands' option tables, in the order {@code sae4j help} shows them. */
    static final List<OptionTable> COMMANDS = ALL.stream().filter(c -> !(c instanceof Elsewhere))
            .flatMap(c -> c.options().stream()).toList();

    /** The end of {@code sae4j help}: help itself and the exit codes. */
    private static final String HELP = """
              help     this text; help COMMAND (or COMMAND --help): each option of COMMAND explained
            exit codes: 0 ok, 2 bad usage or input (one line on stderr), 1 internal error
            """;

    static final String USAGE = usage();

    private static final List<String> HELP_WORDS = List.of("help", "-h", "--help");

    private static String usage() {
        StringBuilder s = new StringBuilder("usage: sae4j <command> [options]\n");
        for (Command c : ALL) {
            if (!(c instanceof Elsewhere)) {
                s.append(c.overview());
            }
        }
        for (Command c : ALL) { // the optional modules' commands after core's
            if (c instanceof Elsewhere) {
                s.append(c.overview());
            }
        }
        return s.append(HELP).toString();
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command, printing to {@code out}/{@code err}, and returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        Command[] command = {null};
        // The lookup runs under exitCode too: a module whose service entry cannot load is an internal error.
        int code = exitCode(() -> {
            if (HELP_WORDS.contains(args[0])) {
                OptionTable t = rest.length > 0 ? table(rest[0]) : null;
                out.print(t != null ? t.usage() : USAGE);
                return;
            }
            command[0] = commands().get(args[0]);
            if (command[0] == null) {
                throw new BadInputException("unknown command '" + args[0] + "'; expected "
                        + String.join(", ", ALL.stream().map(Command::name).toList()) + " or help");
            }
        }, out, err);
        return command[0] == null ? code : command[0].run(rest, out, err);
    }

    /** The commands by name: core's, and the optional modules' found on the class path in place of their stand-ins. */
    static Map<String, Command> commands() {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : ALL) {
            byName.put(c.name(), c);
        }
        for (Command c : ServiceLoader.load(Command.class, Main.class.getClassLoader())) {
            byName.put(c.name(), c);
        }
        return byName;
    }

    /** {@code help COMMAND}: that command's table, or null. */
    private static OptionTable table(String command) {
        for (Command c : commands().values()) {
            for (OptionTable t : c.options()) {
                if (t.command().equals(command) || t.command().startsWith(command + " ")) {
                    return t;
                }
            }
        }
        return null;
    }

    /**
     * A command of an optional module, standing in while its jar is not on the class path: its block of
     * {@code sae4j help}, and one line saying how to run it.
     */
    private record Elsewhere(String name, String summary, String overview, String where) implements Command {
        static final Elsewhere ACTIVATIONS = new Elsewhere("activations", "token activations of a transformer",
                """
                  activations  token activations of a transformer (ONNX model + tokenizer.json, or
                           builtin:all-minilm-l6-v2) as .npy shards that train reads; runs through ./sae4j (the optional
                           onnx module): ./sae4j activations --onnx MODEL --text FILE --out DIR [--output NAME ...]
                           [--list-outputs] ... (./sae4j activations --help for all options)
                """, "activations runs through ./sae4j (the optional onnx module: org.sae4j.onnx.cli.ActivationsCommand)");
        static final Elsewhere SPLICE = new Elsewhere("splice", "downstream fidelity of an SAE spliced into the"
                + " ONNX model", """
                  splice   downstream fidelity of an SAE spliced into the ONNX model at its hook (clean, SAE, zero and
                           mean runs); runs through ./sae4j (the onnx module): ./sae4j splice --onnx MODEL --text FILE
                           --output HOOK --model DIR [--json] ... (./sae4j splice --help for all options)
                """, "splice runs through ./sae4j (the optional onnx module: org.sae4j.onnx.cli.SpliceCommand)");
        static final Elsewhere SPARK = new Elsewhere("spark", "features | encode on Apache Spark", """
                  spark    features | encode on Apache Spark in local mode; runs through ./sae4j (the optional spark
                           module): ./sae4j spark features --model DIR --data PATH --out DIR ... (src/docs/spark.md)
                """, "spark runs through ./sae4j (the optional spark module: org.sae4j.spark.Main) or spark-submit");

        @Override
        public List<OptionTable> options() {
            return List.of();
        }

        @Override
        public int run(String[] args, PrintStream out, PrintStream err) {
            return exitCode(() -> {
                throw new BadInputException(where);
            }, out, err);
        }
    }

    /** A command's work as {@link #exitCode} runs it; what it throws becomes the exit code. */
    @FunctionalInterface
    public interface Action {
        void run() throws IOException;
    }

    /**
     * Runs {@code command} and maps how it ended to the exit code, printing one line to {@code err}: 0 ok, 2 bad
     * input, {@link CommandExit}'s own code, 1 for I/O and internal errors. Optional modules' commands use it too.
     */
    public static int exitCode(Action command, PrintStream err) {
        return exitCode(command, System.out, err);
    }

    /** As {@link #exitCode(Action, PrintStream)}; a {@link UsageRequest} ({@code --help}) prints on {@code out}. */
    public static int exitCode(Action command, PrintStream out, PrintStream err) {
        try {
            command.run();
            return 0;
        } catch (UsageRequest u) {
            out.print(u.usage());
            return 0;
        } catch (BadInputException e) {
            err.println("sae4j: " + e.getMessage());
            return 2;
        } catch (CommandExit e) {
            err.println("sae4j: " + e.getMessage());
            return e.code();
        } catch (IOException | UncheckedIOException e) {
            // Not the user's input (that is a BadInputException): disk full, permissions, a vanished file.
            // NIO exceptions often carry only a path as message: the class name says what went wrong.
            Throwable c = e instanceof UncheckedIOException u ? u.getCause() : e;
            err.println("sae4j: I/O error: " + c);
            return 1;
        } catch (RuntimeException | Error e) {
            err.println("sae4j: internal error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }
}
