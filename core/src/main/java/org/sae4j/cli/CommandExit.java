package org.sae4j.cli;

/**
 * Ends a command with a chosen exit code and one line on stderr: a run stopped by a signal (130/143, after saving)
 * or a checkpoint that could not be saved (1). {@link Main} prints the message and returns the code.
 */
final class CommandExit extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    CommandExit(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    int code() {
        return code;
    }
}
