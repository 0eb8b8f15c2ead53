package org.sae4j.formats;

import java.util.Locale;
import org.sae4j.BadInputException;

/** The model directory layouts sae4j reads; see {@link ModelFormats} for how each is detected. */
public enum Format {
    /** sae4j's own: {@code cfg.json} + {@code model.safetensors}. */
    SAE4J("sae4j"),
    /** SAELens: {@code cfg.json} + {@code sae_weights.safetensors}. */
    SAELENS("saelens"),
    /** EleutherAI sparsify: {@code cfg.json} + {@code sae.safetensors}, or a run directory of hookpoint folders. */
    SPARSIFY("sparsify"),
    /** Gemma Scope: {@code params.npz}, no config. */
    GEMMA_SCOPE("gemmascope");

    private final String id;

    Format(String id) {
        this.id = id;
    }

    /** Name on the command line ({@code --format}). */
    public String id() {
        return id;
    }

    public static Format parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (Format f : values()) {
            if (f.id.equals(t)) {
                return f;
            }
        }
        throw new BadInputException("--format " + s + ": expected sae4j, saelens, sparsify or gemmascope");
    }
}
