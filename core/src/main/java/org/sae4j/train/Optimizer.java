package org.sae4j.train;

import java.util.Locale;
import org.sae4j.BadInputException;

/** Parameter update rule. */
public enum Optimizer {
    /** Adam with PyTorch's semantics (bias correction, ε outside the square root). */
    ADAM,
    /** Plain SGD: {@code p −= lr · g}; one step from known weights exposes the raw gradient. */
    SGD;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optimizer parse(String s) {
        for (Optimizer o : values()) {
            if (o.id().equalsIgnoreCase(s.trim())) {
                return o;
            }
        }
        throw new BadInputException("optimizer '" + s + "': expected adam or sgd");
    }
}
