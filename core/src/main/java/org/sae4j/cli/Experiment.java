package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.sae4j.BadInputException;
import org.sae4j.experiments.DeadCodes;

/** {@code sae4j experiment dead-codes [--quick] [--out DIR]}: the reproducible experiments behind src/docs. */
final class Experiment {
    private Experiment() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        if (argv.length == 0 || !argv[0].equals("dead-codes")) {
            throw new BadInputException("experiment '" + (argv.length == 0 ? "" : argv[0])
                    + "': expected dead-codes");
        }
        Args a = new Args("experiment dead-codes", Arrays.copyOfRange(argv, 1, argv.length), 0, Set.of("--out"),
                Set.of("--quick"));
        DeadCodes.runAndWrite(a.flag("--quick") ? DeadCodes.Setup.quick() : DeadCodes.Setup.full(),
                Path.of(a.string("--out", "src/docs")), out);
    }
}
