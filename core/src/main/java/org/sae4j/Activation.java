package org.sae4j;

import java.util.Locale;

/** How pre-activations become sparse codes (src/docs/design.md §3). */
public enum Activation {
    /** {@code z = relu(pre)} on the k largest pre-activations of each row; ties go to the lower index. */
    TOPK,
    /** {@code z = relu(pre)}; sparsity comes from the L1 penalty. */
    RELU,
    /** {@code z = pre · H(pre − θ)}, θ = exp(log_threshold), trained with a straight-through estimator. */
    JUMPRELU,
    /**
     * BatchTopK (Bussmann et al. 2024): in training, the {@code B·k} largest {@code relu(pre)} of the whole batch
     * (ties to the lower row-major index); at inference {@code z = pre · H(pre − θ)} with one global θ, the mean over
     * training batches of the smallest kept value.
     */
    BATCHTOPK;

    /** Whether {@code k} applies (TopK, BatchTopK). */
    public boolean usesK() {
        return this == TOPK || this == BATCHTOPK;
    }

    /** Lower-case name as used in cfg.json and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code topk | relu | jumprelu} (case-insensitive). */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.id().equalsIgnoreCase(s.trim())) {
                return a;
            }
        }
        throw new BadInputException("activation '" + s + "': expected topk, batchtopk, relu or jumprelu");
    }
}
