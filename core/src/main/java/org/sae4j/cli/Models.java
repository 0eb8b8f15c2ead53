package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.sae4j.BadInputException;
import org.sae4j.Sae;
import org.sae4j.formats.Format;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.BatchOptions;
import org.sae4j.io.BatchStream;
import org.sae4j.io.NpyDataset;
import org.sae4j.io.Standardizer;
import org.sae4j.train.Checkpoint;

/** What eval, encode and inspect share: a required path option, a model directory, its data in file order. */
final class Models {
    private Models() {
    }

    /** Options of every command that reads a model: which format, which sparsify hookpoint, a SAELens factor. */
    static final Set<String> MODEL_OPTIONS = Set.of("--format", "--hookpoint", "--scaling-factor");

    /** {@code own} plus {@link #MODEL_OPTIONS}. */
    static Set<String> withModelOptions(Set<String> own) {
        Set<String> all = new LinkedHashSet<>(own);
        all.addAll(MODEL_OPTIONS);
        return all;
    }

    /** How {@code --format}, {@code --hookpoint} and {@code --scaling-factor} ask to read a model directory. */
    static ImportOptions importOptions(Args a) {
        String f = a.string("--format", null);
        String scale = a.string("--scaling-factor", null);
        return new ImportOptions(f == null ? null : Format.parse(f), a.string("--hookpoint", null),
                scale == null ? null : a.number("--scaling-factor", 0));
    }

    /** The model of {@code dir} in any format {@link ModelFormats} reads (trainer state, if any, is ignored). */
    static LoadedModel load(Args a, Path dir) throws IOException {
        return ModelFormats.load(dir, importOptions(a));
    }

    static String required(Args a, String command, String option, String what) {
        String v = a.string(option, null);
        if (v == null || v.isBlank()) {
            throw new BadInputException(command + ": " + option + " " + what + " is required");
        }
        return v;
    }

    static int positive(Args a, String command, String option, int def) {
        int v = a.integer(option, def);
        if (v <= 0) {
            throw new BadInputException(command + " " + option + " " + v + ": expected a positive number");
        }
        return v;
    }

    /** Checks that the data's rows have the model's width, naming both files. */
    static void checkWidth(NpyDataset data, Sae sae, Path modelDir) {
        if (data.dim() != sae.dim()) {
            throw new BadInputException(data.source() + ": rows have " + data.dim() + " columns; expected the"
                    + " model's dim " + sae.dim() + " (from " + modelDir + ")");
        }
    }

    /** Every row once, in file order, standardised as the model's inputs were; the last batch may be short. */
    static BatchStream inOrder(NpyDataset data, int batch, Standardizer std) {
        if (data.rows() == 0) {
            throw new BadInputException(data.source() + ": 0 rows; expected at least one row");
        }
        BatchOptions o = BatchOptions.of(batch, 0).withShuffle(false).withDropLast(false);
        return data.batches(o, std);
    }
}
