package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.formats.Format;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;
import org.sae4j.train.checkpoint.Checkpoint;

/** What eval, encode and inspect share: a required path option, a model directory, its data in file order. */
final class Models {
    private Models() {
    }

    static final Opt<Path> MODEL = Opt.path("--model", "DIR", "the model folder (sae4j, SAELens, sparsify or"
            + " Gemma Scope)").asRequired();
    static final Opt<String> FORMAT = Opt.string("--format", "sae4j|saelens|sparsify|gemmascope", "the model"
            + " folder's format (default: detected)");
    static final Opt<String> HOOKPOINT = Opt.string("--hookpoint", "NAME", "which SAE of a sparsify run folder");
    static final Opt<Double> SCALING_FACTOR = Opt.number("--scaling-factor", "F", "SAELens"
            + " expected_average_only_in, when its cfg.json lacks it");
    /** Options of every command that reads a model: which format, which sparsify hookpoint, a SAELens factor. */
    static final List<Opt<?>> MODEL_OPTIONS = List.of(FORMAT, HOOKPOINT, SCALING_FACTOR);
    static final Opt<Integer> THREADS = Opt.integer("--threads", "T", "worker threads (default: all cores)");
    /** Every eval, encode and features table's {@code --data} (the rows). */
    static final Opt<Path> DATA = Opt.path("--data", "PATH", "a .npy file or a directory of shards").asRequired();
    /** Rows per batch of the commands that stream a dataset. */
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "rows per batch").withDefault("1024");

    /** How {@code --format}, {@code --hookpoint} and {@code --scaling-factor} ask to read a model directory. */
    static ImportOptions importOptions(Args a) {
        return importOptions(a, FORMAT);
    }

    /** As {@link #importOptions(Args)}, the input format named by {@code format} (export's {@code --from}). */
    static ImportOptions importOptions(Args a, Opt<String> format) {
        String f = a.get(format);
        return new ImportOptions(f == null ? null : Format.parse(f), a.get(HOOKPOINT), a.get(SCALING_FACTOR));
    }

    /** The model of {@code dir} in any format {@link ModelFormats} reads (trainer state, if any, is ignored). */
    static LoadedModel load(Args a, Path dir) throws IOException {
        return ModelFormats.load(dir, importOptions(a));
    }

    /** The option's value (its table's default when absent), refused unless positive. */
    static int positive(Args a, Opt<Integer> option) {
        return positive(a, option, a.get(option));
    }

    /** The option's value ({@code def} when absent), refused unless positive. */
    static int positive(Args a, Opt<Integer> option, int def) {
        int v = a.get(option, def);
        if (v <= 0) {
            throw new BadInputException(a.command() + " " + option.name() + " " + v + ": expected a positive number");
        }
        return v;
    }

    /** {@code --threads}' value, all cores when absent. */
    static int threads(Args a) {
        return positive(a, THREADS, Runtime.getRuntime().availableProcessors());
    }

    /** Checks that the data's rows have the model's width, naming both files. */
    static void checkWidth(NpyDataset data, Sae sae, Path modelDir) {
        org.sae4j.model.SaeConfig c = sae.config();
        if (c.transcoder() != null && data.target() == null) {
            throw new BadInputException(data.source() + ": model " + modelDir + " is a transcoder (d_out "
                    + c.outDim() + "); expected --target PATH with the rows it reconstructs");
        }
        if (c.transcoder() == null && data.target() != null) {
            throw new BadInputException(data.target().source() + ": --target is for transcoders; model " + modelDir
                    + " is an autoencoder (it reconstructs its own input)");
        }
        if (data.target() != null) {
            checkWidth(data.target(), c.outDim(), "d_out", modelDir);
            checkWidth(data.input(), c.dim(), "dim", modelDir);
            return;
        }
        checkWidth(data, sae.dim(), modelDir);
    }

    private static void checkWidth(NpyDataset data, int width, String what, Path modelDir) {
        if (data.dim() != width) {
            throw new BadInputException(data.source() + ": rows have " + data.dim() + " columns; expected the"
                    + " model's " + what + " " + width + " (from " + modelDir + ")");
        }
    }

    /**
     * {@code data}, paired row by row with {@code target} when given (a transcoder's input and target); a failure
     * closes what was opened.
     */
    static NpyDataset openData(Path data, Path target) throws IOException {
        NpyDataset x = NpyDataset.open(data);
        if (target == null) {
            return x;
        }
        NpyDataset y = null;
        try {
            y = NpyDataset.open(target);
            return NpyDataset.paired(x, y);
        } catch (IOException | RuntimeException e) {
            try (NpyDataset cx = x; NpyDataset cy = y) {
                throw e;
            }
        }
    }

    /** Checks that the data's rows have the model's width {@code dim}, naming both files. */
    static void checkWidth(NpyDataset data, int dim, Path modelDir) {
        if (data.dim() != dim) {
            throw new BadInputException(data.source() + ": rows have " + data.dim() + " columns; expected the"
                    + " model's dim " + dim + " (from " + modelDir + ")");
        }
    }

    /**
     * Refuses {@code --data} rows of another tensor (or model) than {@code trained}, what the model's cfg.json says it
     * was trained on; {@code force} ({@code --force}) uses them anyway. Unrecorded on either side: nothing to check.
     */
    static void checkSource(Args a, boolean force, ActivationSource trained, Path dataPath, Path model)
            throws IOException {
        if (!force) {
            ActivationSource.check(trained, ActivationSource.of(dataPath), a.command() + " --data " + dataPath,
                    "model " + model + " was trained on", "--force to use them anyway");
        }
    }

    /** Refuses data without rows: nothing to encode or measure. */
    static void checkRows(NpyDataset data) {
        if (data.rows() == 0) {
            throw new BadInputException(data.source() + ": 0 rows; expected at least one row");
        }
    }

    /** Every row once, in file order, standardised as the model's inputs were; the last batch may be short. */
    static BatchStream inOrder(NpyDataset data, int batch, Standardizer std) {
        checkRows(data);
        BatchOptions o = BatchOptions.of(batch, 0).withShuffle(false).withDropLast(false);
        return data.batches(o, std);
    }
}
