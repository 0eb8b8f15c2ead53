package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.experiments.DeadCodes;

/** {@code sae4j experiment dead-codes [--quick] [--out DIR]}: the reproducible experiments behind src/docs. */
final class Experiment {
    static final OptionTable DEAD_CODES = OptionTable.of("experiment dead-codes", "every dead-latent remedy on one"
            + " dead-prone data set: table + SVG curves", List.of(),
            List.of(Option.flag("--quick", "the reduced size DeadCodesExperimentTest checks"),
                    Option.valued("--out", "DIR", "where the table and curves go").withDefault("src/docs")));

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
        DeadCodes.runAndWrite(a.flag("--quick") ? DeadCodes.Setup.quick() : DeadCodes.Setup.full(),
                Path.of(a.string("--out")), out);
    }
}
