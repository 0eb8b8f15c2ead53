package org.sae4j.cli;

import java.io.PrintStream;
import java.util.Arrays;
import org.sae4j.BadInputException;

/**
 * The {@code sae4j} command line. Exit codes: 0 ok, 2 bad usage or bad input (one line on stderr naming what and
 * where), 1 internal error.
 */
public final class Main {
    static final String USAGE = """
            usage: sae4j <command> [options]
              demo    train a TopK SAE with re-animation on synthetic planted-dictionary data
                      [--epochs E] [--seed S] [--threads T] [--reanimation COEF] [--no-baseline]
              help    this text
            """;

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
        try {
            switch (args[0]) {
                case "demo" -> Demo.run(Arrays.copyOfRange(args, 1, args.length), out);
                case "help", "-h", "--help" -> out.print(USAGE);
                default -> throw new BadInputException("unknown command '" + args[0] + "'; expected demo or help");
            }
            return 0;
        } catch (BadInputException e) {
            err.println("sae4j: " + e.getMessage());
            return 2;
        } catch (RuntimeException | Error e) {
            err.println("sae4j: internal error: " + e);
            e.printStackTrace(err);
            return 1;
        }
    }
}
