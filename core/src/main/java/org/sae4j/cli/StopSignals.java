package org.sae4j.cli;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM and SIGINT (kill, Ctrl-C, a cluster's preemption) while {@code train} runs: the first asks the trainer to
 * finish its step and save a checkpoint there ({@code onFirst}); a second one ends the process at once with
 * {@link Runtime#halt} (saves are atomic, so the last good checkpoint stays). Installed around the training loop
 * only and restored by {@link #close()}; outside it the JVM's usual handling applies.
 *
 * <p>Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}): the JDK has no supported API for "finish this,
 * then exit" on a signal, and shutdown hooks cannot wait for a step to finish without racing {@code System.exit}.
 * Where the signals are unavailable (e.g. {@code -Xrs}) nothing is installed and the JVM's defaults apply.
 */
final class StopSignals implements AutoCloseable {
    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();
    private final Runnable onFirst;
    private final Runnable onSecond;
    private volatile Signal received;

    private StopSignals(Runnable onFirst, Runnable onSecond) {
        this.onFirst = onFirst;
        this.onSecond = onSecond;
    }

    /**
     * Installs the handlers. {@code onSecond} runs (e.g. to print a line to {@code err}) just before the halt.
     */
    static StopSignals install(Runnable onFirst, Runnable onSecond) {
        StopSignals s = new StopSignals(onFirst, onSecond);
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                Signal sig = new Signal(name);
                s.previous.put(sig, Signal.handle(sig, s::handle));
            } catch (IllegalArgumentException unavailable) {
                // -Xrs, or the signal is already used by the VM: keep the default behaviour.
            }
        }
        return s;
    }

    private synchronized void handle(Signal sig) {
        if (received != null) {
            try {
                onSecond.run();
            } finally {
                Runtime.getRuntime().halt(exitCode(sig));
            }
        }
        received = sig;
        onFirst.run();
    }

    /** The first signal received, or null. */
    Signal received() {
        return received;
    }

    /** The shell's convention for death by a signal: 128 + its number (130 for INT, 143 for TERM). */
    static int exitCode(Signal sig) {
        return 128 + sig.getNumber();
    }

    static String name(Signal sig) {
        return "SIG" + sig.getName();
    }

    /** Prints {@code line} and flushes, for use from a handler thread. */
    static void say(PrintStream err, String line) {
        err.println(line);
        err.flush();
    }

    @Override
    public void close() {
        for (Map.Entry<Signal, SignalHandler> e : previous.entrySet()) {
            Signal.handle(e.getKey(), e.getValue());
        }
        previous.clear();
    }
}
