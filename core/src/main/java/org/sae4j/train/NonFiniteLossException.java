package org.sae4j.train;

/** Training met a NaN or infinite loss; the model is left as it was before that step. */
public final class NonFiniteLossException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NonFiniteLossException(long step, double loss) {
        super("step " + step + ": loss is " + loss + "; expected a finite value (lower the learning rate or check"
                + " the data)");
    }
}
