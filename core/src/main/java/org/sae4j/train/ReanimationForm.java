package org.sae4j.train;

import java.util.Locale;
import org.sae4j.BadInputException;

/** How the re-animation term is normalised (src/docs/design.md §3). Both push dead latents' pre-activations up. */
public enum ReanimationForm {
    /** The seed's form: {@code reanim = (1/(B·n)) Σ_b Σ_j pre_bj · is_dead_j}, a plain mean over the batch. */
    SEED,
    /** overcomplete's form: {@code Σ_bj pre_bj · is_dead_j / (Σ_j is_dead_j + 1e-6)}, per dead latent. */
    OVERCOMPLETE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ReanimationForm parse(String s) {
        for (ReanimationForm f : values()) {
            if (f.id().equalsIgnoreCase(s.trim())) {
                return f;
            }
        }
        throw new BadInputException("reanimation form '" + s + "': expected seed or overcomplete");
    }
}
