package org.sae4j.cli;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.sae4j.BadInputException;
import org.sae4j.model.Activation;
import org.sae4j.model.Matryoshka;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.TrainConfig;

/**
 * {@code train --resume}, by the resume rule of each option in {@link TrainOptions#ALL}: users re-run the same
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

    /**
     * The value of each fixed option in a {@link Run}, as its option produces it (and the message prints it): what
     * each handle of {@link TrainOptions#ALL} declared with {@link Opt#fixedByResume}, by name.
     */
    static final Map<String, Function<Run, Object>> RECORDED = recorded();

    private static Map<String, Function<Run, Object>> recorded() {
        Map<String, Function<Run, Object>> m = new LinkedHashMap<>();
        for (Opt<?> o : TrainOptions.ALL) {
            if (o.recorded() != null) {
                m.put(o.name(), o.recorded());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    private ResumeOptions() {
    }

    /** The prefix widths as {@code --resume} messages print them ({@code none}: a plain dictionary). */
    private static String widths(Matryoshka m) {
        return m == null ? "none" : m.widths().toString();
    }

    /** Refuses, with {@code --resume}, every option whose rule is {@link Option.Resume#NOT_WITH_RESUME}. */
    static void checkNotWithResume(Args a) {
        for (Opt<?> o : TrainOptions.ALL) {
            if (o.option().resume() == Option.Resume.NOT_WITH_RESUME && a.given(o)) {
                String resume = TrainOptions.RESUME.name();
                throw new BadInputException("train: " + resume + " and " + o.name() + " both given; expected one ("
                        + resume + " continues a run from its own checkpoint; " + o.name() + ": "
                        + o.option().help() + ")");
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
                sae.matryoshka() == null ? Matryoshka.Loss.SUM : sae.matryoshka().loss(),
                std == null ? Standardizer.Mode.NONE : std.mode(), () -> cfg);
        Run given = given(a, sae, had);
        for (Opt<?> o : TrainOptions.ALL) {
            if (o.recorded() == null || !a.given(o)) {
                continue;
            }
            Object recorded = o.recorded().apply(had);
            if (!recorded.equals(o.recorded().apply(given))) {
                throw new BadInputException("train --resume " + dir + " " + o.name() + " " + a.text(o)
                        + ": the checkpoint was trained with " + o.name() + " " + recorded + "; expected the same"
                        + " value (or leave " + o.name() + " out)");
            }
        }
    }

    /** The run the command line asks for: each option given, else the checkpoint's value ({@code had}). */
    private static Run given(Args a, SaeConfig sae, Run had) {
        TrainConfig[] built = {null};
        return new Run(
                a.get(TrainOptions.LATENTS, sae.latents()),
                a.get(TrainOptions.ACTIVATION, sae.activation()),
                a.get(TrainOptions.K, sae.k()),
                a.given(TrainOptions.JUMPRELU_THRESHOLD)
                        ? TrainOptions.jumpReluOption(a, sae.activation(), TrainOptions.JUMPRELU_THRESHOLD)
                        : sae.jumpReluInitThreshold(),
                a.given(TrainOptions.JUMPRELU_BANDWIDTH)
                        ? TrainOptions.jumpReluOption(a, sae.activation(), TrainOptions.JUMPRELU_BANDWIDTH)
                        : sae.jumpReluBandwidth(),
                a.given(TrainOptions.MATRYOSHKA) ? widths(TrainOptions.matryoshka(a, sae.activation(), sae.latents()))
                        : had.matryoshkaWidths(),
                a.given(TrainOptions.MATRYOSHKA_LOSS) ? Matryoshka.Loss.parse(a.get(TrainOptions.MATRYOSHKA_LOSS))
                        : had.matryoshkaLoss(),
                a.given(TrainOptions.STANDARDIZE) ? TrainOptions.standardizeMode(a.get(TrainOptions.STANDARDIZE))
                        : had.standardize(),
                () -> {
                    if (built[0] == null) { // parsed as a fresh run would parse it, then field by field
                        built[0] = TrainOptions.hyperParameters(a, sae.activation()).build();
                    }
                    return built[0];
                });
    }
}
