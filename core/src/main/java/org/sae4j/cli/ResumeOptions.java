package org.sae4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.sae4j.BadInputException;
import org.sae4j.SaeConfig;
import org.sae4j.io.Standardizer;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.TrainConfig;

/**
 * {@code train --resume}: users re-run the same command with {@code --resume} added, so the run's own settings may be
 * repeated; each one given must have the value the checkpoint recorded, else one line names the option, the
 * checkpoint's value and the new one (a different value would silently fork the run).
 */
final class ResumeOptions {
    /** A setting recorded in the trainer state, as the value its option produces. */
    private record Setting(String option, Function<TrainConfig, Object> value) {
    }

    private static final List<Setting> TRAIN_SETTINGS = List.of(
            new Setting("--batch", TrainConfig::batchSize),
            new Setting("--lr", TrainConfig::lr),
            new Setting("--warmup-steps", TrainConfig::warmupSteps),
            new Setting("--optimizer", c -> c.optimizer().name().toLowerCase(java.util.Locale.ROOT)),
            new Setting("--clip-grad", TrainConfig::clipGrad),
            new Setting("--reanimation", c -> c.reanimation().coef()),
            new Setting("--reanimation-anneal", c -> shape(c.reanimation())),
            new Setting("--reanimation-schedule", c -> shape(c.reanimation())),
            new Setting("--reanimation-form", c -> c.reanimationForm().name().toLowerCase(java.util.Locale.ROOT)),
            new Setting("--seed", TrainConfig::seed),
            new Setting("--l1", TrainConfig::l1Coef),
            new Setting("--l0", TrainConfig::l0Coef),
            new Setting("--auxk", TrainConfig::auxkCoef),
            new Setting("--auxk-k", TrainConfig::auxkK),
            new Setting("--dead-window", TrainConfig::deadWindowTokens),
            new Setting("--reanimation-mask", c -> c.reanimationWindowMask() ? "window" : "batch"),
            new Setting("--decoder-bias-init", c -> c.decoderBiasInit().name().toLowerCase(java.util.Locale.ROOT)),
            new Setting("--encoder-init-scale", TrainConfig::encoderInitScale));

    private ResumeOptions() {
    }

    /** The schedule without its coefficient (which {@code --reanimation} sets). */
    private static String shape(CoefSchedule s) {
        return switch (s.kind()) {
            case CONSTANT -> "constant";
            case AUTO -> "auto:" + s.threshold() + ":" + s.patience();
            default -> s.kind().name().toLowerCase(java.util.Locale.ROOT) + ":" + s.start() + ":" + s.end();
        };
    }

    /**
     * Checks every repeated option against the checkpoint: {@code sae}, {@code std} and {@code cfg} as recorded in
     * {@code dir}.
     */
    static void check(Args a, Path dir, SaeConfig sae, Standardizer std, TrainConfig cfg) {
        if (a.string("--latents", null) != null && a.integer("--latents", 0) != sae.latents()) {
            throw differs("--latents", dir, sae.latents(), a);
        }
        if (a.string("--activation", null) != null
                && org.sae4j.Activation.parse(a.string("--activation", null)) != sae.activation()) {
            throw differs("--activation", dir, sae.activation().id(), a);
        }
        if (a.string("--k", null) != null && a.integer("--k", 0) != sae.k()) {
            throw differs("--k", dir, sae.k(), a);
        }
        if (a.string("--standardize", null) != null) {
            Standardizer.Mode given = Train.standardizeMode(a.string("--standardize", null));
            Standardizer.Mode had = std == null ? Standardizer.Mode.NONE : std.mode();
            if (given != had) {
                throw differs("--standardize", dir, switch (had) {
                    case NONE -> "none";
                    case PER_FEATURE -> "feature";
                    case UNIT_MEAN_SQUARED_NORM -> "norm";
                }, a);
            }
        }
        // The given options parsed as a fresh run would parse them, field by field against the recorded ones.
        TrainConfig given = null;
        for (Setting s : TRAIN_SETTINGS) {
            if (a.string(s.option(), null) == null) {
                continue;
            }
            if (given == null) {
                given = Train.hyperParameters(a, sae.activation()).build();
            }
            Object had = s.value().apply(cfg);
            if (!had.equals(s.value().apply(given))) {
                throw differs(s.option(), dir, had, a);
            }
        }
    }

    private static BadInputException differs(String option, Path dir, Object had, Args a) {
        return new BadInputException("train --resume " + dir + " " + option + " " + a.string(option, null)
                + ": the checkpoint was trained with " + option + " " + had + "; expected the same value (or leave "
                + option + " out)");
    }
}
