package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.experiments.DeadCodes;

/**
 * {@code sae4j experiment dead-codes [--quick] [--out DIR]}: the reproducible experiments behind src/docs. With
 * {@code --data TRAIN --heldout HELD} it is the study on real activations instead ({@link DeadCodesStudy}).
 */
final class Experiment {
    /** The options only the real-data study takes. */
    private static final List<String> STUDY_ONLY = List.of("--heldout", "--regimes", "--remedies",
            "--tokens-per-latent", "--steps", "--batch", "--dead-window", "--eval-points", "--eval-rows", "--seed",
            "--threads", "--keep-models", "--json");

    static final OptionTable DEAD_CODES = OptionTable.of("experiment dead-codes", "every dead-latent remedy on one"
            + " dead-prone data set: table + SVG curves; with --data/--heldout, every regime × remedy on real"
            + " activations, judged on held-out rows", List.of("without --data: the synthetic experiment of"
            + " src/docs/dead-codes.md", "with --data: DIR gets results.json, table.md, dead-REGIME.svg,"
            + " heldout-ev-REGIME.svg, command.txt"),
            List.of(Option.flag("--quick", "the reduced size DeadCodesExperimentTest checks (synthetic only)"),
                    Option.valued("--out", "DIR", "where the table and curves go (with --data: required, a new"
                            + " directory)").withDefault("src/docs"),
                    Option.valued("--data", "TRAIN", "training activations: a .npy file or a directory of shards"),
                    Option.valued("--heldout", "HELD", "held-out activations of the same width, never trained on"),
                    Option.valued("--regimes", "LIST", "comma-separated regime names (default: all)"),
                    Option.valued("--remedies", "LIST", "comma-separated remedy names (default: all)"),
                    Option.valued("--tokens-per-latent", "T", "training tokens per latent, epochs over TRAIN as"
                            + " needed (or --steps)").withDefault("1000"),
                    Option.valued("--steps", "S", "optimizer steps of every run (or --tokens-per-latent)"),
                    Option.valued("--batch", "B", "rows per step").withDefault("1024"),
                    Option.valued("--dead-window", "TOKENS", "train --dead-window of every run (default: a quarter"
                            + " of the run's tokens, at most 1e7, so the window fills)"),
                    Option.valued("--eval-points", "P", "held-out evaluations per run (and one at the end)")
                            .withDefault("10"),
                    Option.valued("--eval-rows", "R", "held-out rows used (the first R), 0 = all").withDefault("0"),
                    Option.valued("--seed", "S", "every run's seed").withDefault("0"),
                    Models.THREADS,
                    Option.flag("--keep-models", "keep each run's model in DIR/models/REGIME--REMEDY"),
                    Option.flag("--json", "one JSON object per run on stdout (as in results.json)")));

    private Experiment() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        if (argv.length > 0 && (argv[0].equals("--help") || argv[0].equals("-h"))) {
            throw new UsageRequest(DEAD_CODES.usage());
        }
        if (argv.length == 0 || !argv[0].equals("dead-codes")) {
            throw new BadInputException("experiment '" + (argv.length == 0 ? "" : argv[0])
                    + "': expected dead-codes");
        }
        Args a = DEAD_CODES.parse(Arrays.copyOfRange(argv, 1, argv.length), 0);
        if (a.given("--data")) {
            DeadCodesStudy.run(a, argv, out);
            return;
        }
        for (String o : STUDY_ONLY) {
            if (a.given(o)) {
                throw new BadInputException("experiment dead-codes " + o + ": only with --data TRAIN --heldout HELD"
                        + " (the real-data study); the synthetic experiment takes --quick and --out");
            }
        }
        DeadCodes.runAndWrite(a.flag("--quick") ? DeadCodes.Setup.quick() : DeadCodes.Setup.full(),
                Path.of(a.string("--out")), out);
    }
}
