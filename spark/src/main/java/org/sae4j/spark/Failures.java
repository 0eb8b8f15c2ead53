package org.sae4j.spark;

import org.sae4j.BadInputException;

/** A task's bad input reaches the driver wrapped in Spark's stage failure: give the user the one line back. */
final class Failures {
    private static final String MARK = BadInputException.class.getName() + ": ";

    private Failures() {
    }

    /**
     * The {@link BadInputException} behind {@code e}, if any, else {@code e} itself (a checked one, such as Spark's
     * {@code SparkException}, which Spark's Java API throws undeclared, wrapped).
     */
    static RuntimeException unwrap(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BadInputException b) {
                return b;
            }
        }
        String m = e.getMessage();
        int at = m == null ? -1 : m.indexOf(MARK);
        if (at >= 0) {
            String rest = m.substring(at + MARK.length());
            int nl = rest.indexOf('\n');
            return new BadInputException(nl < 0 ? rest : rest.substring(0, nl));
        }
        return e instanceof RuntimeException r ? r : new IllegalStateException(m, e);
    }
}
