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
    static final Opt<Boolean> QUICK = Opt.flag("--quick", "the reduced size DeadCodesExperimentTest checks"
            + " (synthetic only)");
    static final Opt<Path> OUT = Opt.path("--out", "DIR", "where the table and curves go (with --data: required, a"
            + " new directory)").withDefault("src/docs");
    static final Opt<Path> DATA = Opt.path("--data", "TRAIN", "training activations: a .npy file or a directory of"
            + " shards");
    static final Opt<Path> HELDOUT = Opt.path("--heldout", "HELD", "held-out activations of the same width, never"
            + " trained on");
    static final Opt<String> REGIMES = Opt.string("--regimes", "LIST", "comma-separated regime names (default: all)");
    static final Opt<String> REMEDIES = Opt.string("--remedies", "LIST", "comma-separated remedy names (default:"
            + " all)");
    static final Opt<Long> TOKENS_PER_LATENT = Opt.longValue("--tokens-per-latent", "T", "training tokens per"
            + " latent, epochs over TRAIN as needed (or --steps)").withDefault("1000");
    static final Opt<Long> STEPS = Opt.longValue("--steps", "S", "optimizer steps of every run (or"
            + " --tokens-per-latent)");
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "rows per step").withDefault("1024");
    static final Opt<Long> DEAD_WINDOW = Opt.longValue("--dead-window", "TOKENS", "train --dead-window of every run"
            + " (default: a quarter of the run's tokens, at most 1e7, so the window fills)");
    static final Opt<Integer> EVAL_POINTS = Opt.integer("--eval-points", "P", "held-out evaluations per run (and one"
            + " at the end)").withDefault("10");
    static final Opt<Long> EVAL_ROWS = Opt.longValue("--eval-rows", "R", "held-out rows used (the first R), 0 = all")
            .withDefault("0");
    static final Opt<Long> SEED = Opt.longValue("--seed", "S", "every run's seed").withDefault("0");
    static final Opt<Boolean> KEEP_MODELS = Opt.flag("--keep-models", "keep each run's model in"
            + " DIR/models/REGIME--REMEDY");
    static final Opt<Boolean> JSON = Opt.flag("--json", "one JSON object per run on stdout (as in results.json)");

    /** The options only the real-data study takes. */
    private static final List<Opt<?>> STUDY_ONLY = List.of(HELDOUT, REGIMES, REMEDIES, TOKENS_PER_LATENT, STEPS,
            BATCH, DEAD_WINDOW, EVAL_POINTS, EVAL_ROWS, SEED, Models.THREADS, KEEP_MODELS, JSON);

    static final OptionTable DEAD_CODES = OptionTable.of("experiment dead-codes", "every dead-latent remedy on one"
            + " dead-prone data set: table + SVG curves; with --data/--heldout, every regime × remedy on real"
            + " activations, judged on held-out rows", List.of("without --data: the synthetic experiment of"
            + " src/docs/dead-codes.md", "with --data: DIR gets results.json, table.md, dead-REGIME.svg,"
            + " heldout-ev-REGIME.svg, command.txt"),
            Opt.options(List.of(QUICK, OUT, DATA, HELDOUT, REGIMES, REMEDIES, TOKENS_PER_LATENT, STEPS, BATCH,
                    DEAD_WINDOW, EVAL_POINTS, EVAL_ROWS, SEED, Models.THREADS, KEEP_MODELS, JSON)));

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
        if (a.given(DATA)) {
            DeadCodesStudy.run(a, argv, out);
            return;
        }
        for (Opt<?> o : STUDY_ONLY) {
            if (a.given(o)) {
                throw new BadInputException("experiment dead-codes " + o.name() + ": only with --data TRAIN --heldout"
                        + " HELD (the real-data study); the synthetic experiment takes --quick and --out");
            }
        }
        DeadCodes.runAndWrite(a.get(QUICK) ? DeadCodes.Setup.quick() : DeadCodes.Setup.full(), a.get(OUT), out);
    }
}
