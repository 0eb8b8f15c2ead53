package org.sae4j.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * The base of a command an optional module registers through {@link java.util.ServiceLoader}, which needs a public
 * class with a public no-argument constructor: the module's class extends this and hands its name, summary, option
 * tables and run to the constructor (e.g. {@code org.sae4j.onnx.cli.ActivationsCommand.Registered}).
 */
public abstract class RegisteredCommand implements Command {
    /** A command's whole run: the exit code for {@code args} (the words after its name). */
    @FunctionalInterface
    public interface Run {
        int run(String[] args, PrintStream out, PrintStream err);
    }

    private final String name;
    private final String summary;
    private final List<OptionTable> options;
    private final Run run;

    protected RegisteredCommand(String name, String summary, List<OptionTable> options, Run run) {
        this.name = name;
        this.summary = summary;
        this.options = List.copyOf(options);
        this.run = run;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String summary() {
        return summary;
    }

    @Override
    public final List<OptionTable> options() {
        return options;
    }

    @Override
    public final int run(String[] args, PrintStream out, PrintStream err) {
        return run.run(args, out, err);
    }
}
