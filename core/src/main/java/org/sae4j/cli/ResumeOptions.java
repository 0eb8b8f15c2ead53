package org.sae4j.cli;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.sae4j.Activation;
import org.sae4j.BadInputException;
import org.sae4j.Matryoshka;
import org.sae4j.SaeConfig;
import org.sae4j.io.Standardizer;
import org.sae4j.train.TrainConfig;

/**
 * {@code train --resume}, by the resume rule of each option in {@link TrainOptions#TABLE}: users re-run the same
 * command with {@code --resume} added, so an option {@link Option.Resume#FIXED_BY_RESUME} may be repeated with the
 * value the checkpoint recorded, else one line names the option, the checkpoint's value and the new one (a different
 * value would silently fork the run); one {@link Option.Resume#NOT_WITH_RESUME} is refused.
 */
final class ResumeOptions {
    /**
     * A run's settings as its options produce them: recorded in the checkpoint, or given on the command line (whose
     * {@link TrainConfig} is built only when a compared option needs it: building it checks every given option).
     */
    record Run(int latents, Activation activation, int k, double jumpReluThreshold, double jumpReluBandwidth,
               String matryoshkaWidths, Matryoshka.Loss matryoshkaLoss, Standardizer.Mode standardize,
               Supplier<TrainConfig> config) {
        TrainConfig cfg() {
            return config.get();
        }
    }

    /** The value of each fixed option in a {@link Run}, as its option produces it (and the message prints it). */
    static final Map<String, Function<Run, Object>> RECORDED = Map.ofEntries(
            Map.entry("--latents", Run::latents),
            Map.entry("--activation", r -> r.activation().id()),
            Map.entry("--k", Run::k),
            Map.entry("--matryoshka", Run::matryoshkaWidths),
            Map.entry("--matryoshka-loss", r -> r.matryoshkaLoss().id()),
            Map.entry("--jumprelu-threshold", Run::jumpReluThreshold),
            Map.entry("--jumprelu-bandwidth", Run::jumpReluBandwidth),
            Map.entry("--standardize", r -> TrainOptions.standardizeName(r.standardize())),
            Map.entry("--batch", r -> r.cfg().batchSize()),
            Map.entry("--lr", r -> r.cfg().lr()),
            Map.entry("--warmup-steps", r -> r.cfg().warmupSteps()),
            Map.entry("--optimizer", r -> r.cfg().optimizer().name().toLowerCase(Locale.ROOT)),
            Map.entry("--clip-grad", r -> r.cfg().clipGrad()),
            Map.entry("--reanimation", r -> r.cfg().reanimation().coef()),
            Map.entry("--reanimation-anneal", r -> r.cfg().reanimation().spec()),
            Map.entry("--reanimation-schedule", r -> r.cfg().reanimation().spec()),
            Map.entry("--reanimation-form", r -> r.cfg().reanimationForm().name().toLowerCase(Locale.ROOT)),
            Map.entry("--seed", r -> r.cfg().seed()),
            Map.entry("--l1", r -> r.cfg().l1Coef()),
            Map.entry("--l0", r -> r.cfg().l0Coef()),
            Map.entry("--auxk", r -> r.cfg().auxkCoef()),
            Map.entry("--auxk-k", r -> r.cfg().auxkK()),
            Map.entry("--dead-window", r -> r.cfg().deadWindowTokens()),
            Map.entry("--resample-every", r -> r.cfg().resampleEvery()),
            Map.entry("--preact-loss", r -> r.cfg().preActCoef()),
            Map.entry("--reanimation-mask", r -> r.cfg().reanimationWindowMask() ? "window" : "batch"),
            Map.entry("--decoder-bias-init", r -> r.cfg().decoderBiasInit().name().toLowerCase(Locale.ROOT)),
            Map.entry("--encoder-init-scale", r -> r.cfg().encoderInitScale()),
            Map.entry("--loss-term", r -> LossTermSpec.describe(r.cfg().userTerms())));

    static {
        Set<String> fixed = new HashSet<>();
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.resume() == Option.Resume.FIXED_BY_RESUME) {
                fixed.add(o.name());
            }
        }
        if (!fixed.equals(RECORDED.keySet())) { // a fixed option without its recorded value could not be checked
            throw new IllegalStateException("train options fixed by --resume " + fixed + " differ from those with a"
                    + " recorded value " + RECORDED.keySet());
        }
    }

    private ResumeOptions() {
    }

    /** The prefix widths as {@code --resume} messages print them ({@code none}: a plain dictionary). */
    private static String widths(Matryoshka m) {
        return m == null ? "none" : m.widths().toString();
    }

    /** Refuses, with {@code --resume}, every option whose rule is {@link Option.Resume#NOT_WITH_RESUME}. */
    static void checkNotWithResume(Args a) {
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.resume() == Option.Resume.NOT_WITH_RESUME && a.given(o.name())) {
                throw new BadInputException("train: " + TrainOptions.RESUME + " and " + o.name() + " both given;"
                        + " expected one (" + TrainOptions.RESUME + " continues a run from its own checkpoint; "
                        + o.name() + ": " + o.help() + ")");
            }
        }
    }

    /**
     * Checks every repeated fixed option against the checkpoint: {@code sae}, {@code std} and {@code cfg} as
     * recorded in {@code dir}.
     */
    static void check(Args a, Path dir, SaeConfig sae, Standardizer std, TrainConfig cfg) {
        Run had = new Run(sae.latents(), sae.activation(), sae.k(), sae.jumpReluInitThreshold(),
                sae.jumpReluBandwidth(), widths(sae.matryoshka()),
                sae.matryoshka() == null ? Matryoshka.Loss.SUM : sae.matryoshka().loss(), std == null ? Standardizer.Mode.NONE : std.mode(), () -> cfg);
        TrainConfig[] built = {null};
        Run given = new Run(
                a.given("--latents") ? a.integer("--latents") : sae.latents(),
                a.given("--activation") ? Activation.parse(a.string("--activation")) : sae.activation(),
                a.given("--k") ? a.integer("--k") : sae.k(),
                a.given("--jumprelu-threshold")
                        ? TrainOptions.jumpReluOption(a, sae.activation(), "--jumprelu-threshold")
                        : sae.jumpReluInitThreshold(),
                a.given("--jumprelu-bandwidth")
                        ? TrainOptions.jumpReluOption(a, sae.activation(), "--jumprelu-bandwidth")
                        : sae.jumpReluBandwidth(),
                a.given("--matryoshka") ? widths(TrainOptions.matryoshka(a, sae.activation(), sae.latents()))
                        : had.matryoshkaWidths(),
                a.given("--matryoshka-loss") ? Matryoshka.Loss.parse(a.string("--matryoshka-loss"))
                        : had.matryoshkaLoss(),
                a.given("--standardize") ? TrainOptions.standardizeMode(a.string("--standardize")) : had.standardize(),
                () -> {
                    if (built[0] == null) { // parsed as a fresh run would parse it, then field by field
                        built[0] = TrainOptions.hyperParameters(a, sae.activation()).build();
                    }
                    return built[0];
                });
        for (Option o : TrainOptions.TABLE.options()) {
            if (o.resume() != Option.Resume.FIXED_BY_RESUME || !a.given(o.name())) {
                continue;
            }
            Function<Run, Object> value = RECORDED.get(o.name());
            Object recorded = value.apply(had);
            if (!recorded.equals(value.apply(given))) {
                throw new BadInputException("train --resume " + dir + " " + o.name() + " " + a.string(o.name())
                        + ": the checkpoint was trained with " + o.name() + " " + recorded + "; expected the same"
                        + " value (or leave " + o.name() + " out)");
            }
        }
    }
}
