package org.sae4j.cli;

/**
 * {@code <command> --help}: thrown by {@link Args} when it meets {@code --help} or {@code -h}, before any option is
 * checked, so that {@link Main} prints the command's usage (on stdout, exit 0) instead of running it.
 */
public final class UsageRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UsageRequest(String usage) {
        super(usage, null, false, false);
    }

    /** The text to print. */
    public String usage() {
        return getMessage();
    }
}
