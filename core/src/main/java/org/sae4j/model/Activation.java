package org.sae4j.model;

import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.encode.select.TopK;

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
    BATCHTOPK,
    /**
     * GroupMax (EleutherAI sparsify, {@code sparsify/fused_encoder.py}, {@code FusedEncoder.forward}): the n latents
     * form k contiguous groups of n/k (latent j is in group {@code j / (n/k)}); each row keeps, per group, the first
     * latent with the group's largest pre-activation, and {@code z = relu(pre)} there. sparsify takes the max of
     * {@code relu(pre)} ({@code preacts.unflatten(-1, (k, -1)).max(dim=-1)}); the codes are the same, since a group
     * whose max is ≤ 0 gives a zero code either way. k must divide n (sparsify's {@code unflatten} requires it).
     */
    GROUPMAX;

    /** Whether {@code k} applies (TopK, BatchTopK; GroupMax's k is the number of groups). */
    public boolean usesK() {
        return this == TOPK || this == BATCHTOPK || this == GROUPMAX;
    }

    /** Whether a row never has more than k non-zero codes (TopK; GroupMax, one per group). */
    public boolean atMostKPerRow() {
        return this == TOPK || this == GROUPMAX;
    }

    /** Lower-case name as used in cfg.json and on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code topk | batchtopk | relu | jumprelu | groupmax} (case-insensitive). */
    public static Activation parse(String s) {
        for (Activation a : values()) {
            if (a.id().equalsIgnoreCase(s.trim())) {
                return a;
            }
        }
        throw new BadInputException("activation '" + s + "': expected topk, batchtopk, relu, jumprelu or groupmax");
    }
}
