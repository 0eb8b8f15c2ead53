package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.sae4j.BadInputException;

/**
 * The {@code sae4j} command line. Exit codes: 0 ok, 2 bad usage or bad input (one line on stderr naming what and
 * where), 1 internal error.
 */
public final class Main {
    /** The commands' option tables, in the order {@code sae4j help} shows them. */
    static final List<OptionTable> COMMANDS = List.of(TrainOptions.TABLE, Eval.OPTIONS, Encode.OPTIONS,
            Inspect.OPTIONS, Export.OPTIONS, Features.OPTIONS, Demo.OPTIONS, Experiment.DEAD_CODES);

    /** The commands of the optional modules (their own tables live there), help and the exit codes. */
    private static final String OTHER_COMMANDS = """
              activations  token activations of a transformer (ONNX model + tokenizer.json, or
                       builtin:all-minilm-l6-v2) as .npy shards that train reads; runs through ./sae4j (the optional
                       onnx module): ./sae4j activations --onnx MODEL --text FILE --out DIR [--output NAME ...]
                       [--list-outputs] ... (./sae4j activations --help for all options)
              splice   downstream fidelity of an SAE spliced into the ONNX model at its hook (clean, SAE, zero and
                       mean runs); runs through ./sae4j (the onnx module): ./sae4j splice --onnx MODEL --text FILE
                       --output HOOK --model DIR [--json] ... (./sae4j splice --help for all options)
              spark    features | encode on Apache Spark in local mode; runs through ./sae4j (the optional spark
                       module): ./sae4j spark features --model DIR --data PATH --out DIR ... (src/docs/spark.md)
              help     this text; help COMMAND (or COMMAND --help): each option of COMMAND explained
            exit codes: 0 ok, 2 bad usage or input (one line on stderr), 1 internal error
            """;

    static final String USAGE = usage();

    private static String usage() {
        StringBuilder s = new StringBuilder("usage: sae4j <command> [options]\n");
        for (OptionTable t : COMMANDS) {
            s.append(t.overview());
        }
        return s.append(OTHER_COMMANDS).toString();
    }

    /** {@code help COMMAND}: that command's table, or null. */
    private static OptionTable table(String command) {
        for (OptionTable t : COMMANDS) {
            if (t.command().equals(command) || t.command().startsWith(command + " ")) {
                return t;
            }
        }
        return null;
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
        return exitCode(() -> {
            switch (args[0]) {
                case "train" -> Train.run(rest, out, err);
                case "eval" -> Eval.run(rest, out);
                case "encode" -> Encode.run(rest, out);
                case "inspect" -> Inspect.run(rest, out);
                case "export" -> Export.run(rest, out);
                case "features" -> Features.run(rest, out);
                case "demo" -> Demo.run(rest, out);
                case "experiment" -> Experiment.run(rest, out);
                case "activations" -> throw new BadInputException("activations runs through ./sae4j (the optional"
                        + " onnx module: org.sae4j.onnx.cli.ActivationsCommand)");
                case "splice" -> throw new BadInputException("splice runs through ./sae4j (the optional onnx"
                        + " module: org.sae4j.onnx.cli.SpliceCommand)");
                case "spark" -> throw new BadInputException("spark runs through ./sae4j (the optional spark module:"
                        + " org.sae4j.spark.Main) or spark-submit");
                case "help", "-h", "--help" -> out.print(rest.length > 0 && table(rest[0]) != null
                        ? table(rest[0]).usage() : USAGE);
                default -> throw new BadInputException("unknown command '" + args[0]
                        + "'; expected train, eval, encode, activations, splice, inspect, export, features,"
                        + " spark, demo, experiment or help");
            }
        }, out, err);
    }

    /** What a command may throw; {@link #exitCode} maps it. */
    @FunctionalInterface
    public interface Command {
        void run() throws IOException;
    }

    /**
     * Runs {@code command} and maps how it ended to the exit code, printing one line to {@code err}: 0 ok, 2 bad
     * input, {@link CommandExit}'s own code, 1 for I/O and internal errors. Optional modules' commands use it too.
     */
    public static int exitCode(Command command, PrintStream err) {
        return exitCode(command, System.out, err);
    }

    /** As {@link #exitCode(Command, PrintStream)}; a {@link UsageRequest} ({@code --help}) prints on {@code out}. */
    public static int exitCode(Command command, PrintStream out, PrintStream err) {
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
