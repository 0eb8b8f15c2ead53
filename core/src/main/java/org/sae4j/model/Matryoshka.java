package org.sae4j.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.encode.select.TopK;

/**
 * Matryoshka nesting of a TopK or BatchTopK dictionary (Bussmann et al. 2025, "Learning Multi-Level Features with
 * Matryoshka SAEs"; Nabeshima 2024): the latents {@code [0, widths[m])} form prefix m, and training adds the
 * reconstruction loss of every prefix, each decoded from the same selection (src/docs/design.md §3.6). The last
 * width is the whole dictionary. Inference is the plain model's (BatchTopK: its learned global threshold), so the
 * nesting is a training-time property of the dictionary's order.
 *
 * @param widths prefix widths, strictly increasing, the last one the dictionary size (SAELens's
 *               {@code matryoshka_widths})
 * @param loss   how the prefixes' losses combine
 */
public record Matryoshka(List<Integer> widths, Loss loss) {

    /** How the per-prefix reconstruction losses combine into the step's loss. */
    public enum Loss {
        /**
         * {@code Σ_m mse_m}: SAELens {@code MatryoshkaBatchTopKTrainingSAE.training_forward_pass} adds each inner
         * prefix's mse to the outer (whole-dictionary) loss.
         */
        SUM,
        /**
         * {@code (1/M) Σ_m mse_m}: dictionary_learning {@code MatryoshkaBatchTopKTrainer.loss} takes
         * {@code mean_l2_loss} over the groups (its default {@code group_weights} of 1/M scale that by a further
         * constant 1/M, which Adam's update does not see).
         */
        MEAN;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Loss parse(String s) {
            for (Loss l : values()) {
                if (l.id().equalsIgnoreCase(s.trim())) {
                    return l;
                }
            }
            throw new BadInputException("matryoshka loss '" + s + "': expected sum or mean");
        }
    }

    public Matryoshka {
        if (widths == null || widths.isEmpty()) {
            throw new BadInputException("matryoshka widths: expected at least one prefix width");
        }
        widths = List.copyOf(widths);
        int prev = 0;
        for (int w : widths) {
            if (w <= prev) {
                throw new BadInputException("matryoshka widths " + widths + ": expected positive, strictly"
                        + " increasing prefix widths");
            }
            prev = w;
        }
        if (loss == null) {
            throw new BadInputException("matryoshka loss: expected sum or mean");
        }
    }

    /**
     * Parses {@code --matryoshka}: comma-separated prefix widths, either latent counts ({@code 128,512,2048}) or
     * fractions of the dictionary in (0, 1] ({@code 0.0625,0.25}); the whole dictionary is appended when the last
     * prefix is not already it (as SAELens does, with a warning there).
     */
    public static Matryoshka parse(String spec, int latents, Loss loss) {
        String[] parts = spec.split(",", -1);
        List<Integer> out = new ArrayList<>();
        for (String raw : parts) {
            String p = raw.trim();
            int w;
            try {
                if (p.contains(".")) {
                    double f = Double.parseDouble(p);
                    if (!(f > 0 && f <= 1)) {
                        throw new BadInputException("--matryoshka " + spec + ": fraction " + p
                                + " is outside (0, 1]; expected prefix widths as latent counts or fractions");
                    }
                    w = (int) Math.round(f * latents);
                } else {
                    w = Integer.parseInt(p);
                }
            } catch (NumberFormatException e) {
                throw new BadInputException("--matryoshka " + spec + ": '" + p + "' is not a number; expected"
                        + " comma-separated prefix widths, e.g. 128,512,2048 or 0.0625,0.25");
            }
            if (w <= 0 || w > latents) {
                throw new BadInputException("--matryoshka " + spec + ": width " + p + " gives " + w
                        + " latents; expected 1 ≤ width ≤ latents (" + latents + ")");
            }
            out.add(w);
        }
        if (out.get(out.size() - 1) != latents) {
            out.add(latents);
        }
        try {
            return new Matryoshka(out, loss);
        } catch (BadInputException e) {
            throw new BadInputException("--matryoshka " + spec + ": " + e.getMessage(), e);
        }
    }

    /** Number of prefixes M (the last is the whole dictionary). */
    public int prefixes() {
        return widths.size();
    }

    /** The weight of each prefix's mse in the loss: 1 (sum) or 1/M (mean). */
    public double weight() {
        return loss == Loss.SUM ? 1.0 : 1.0 / widths.size();
    }

    /** Per latent, the first prefix that contains it (the latent's group): n entries. */
    public int[] groupOf(int latents) {
        int[] g = new int[latents];
        int m = 0;
        for (int j = 0; j < latents; j++) {
            while (j >= widths.get(m)) {
                m++;
            }
            g[j] = m;
        }
        return g;
    }
}
