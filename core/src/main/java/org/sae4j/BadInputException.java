package org.sae4j;

/**
 * Input the user can fix: a malformed file, NaN/Inf in data, wrong shapes, impossible options. The message is one
 * line naming the file, field or row and what was expected; the CLI prints it and exits with code 2.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
