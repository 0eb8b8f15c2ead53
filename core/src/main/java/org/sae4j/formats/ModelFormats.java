package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.encode.EncoderMode;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.kernels.KernelPool;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * Reads a model directory in any format sae4j knows, detected from the files present (or forced by
 * {@link ImportOptions#format()}):
 * <ul>
 *   <li>{@code model.safetensors} → sae4j ({@link Checkpoint});</li>
 *   <li>{@code sae_weights.safetensors} → SAELens ({@link SaeLensFormat});</li>
 *   <li>{@code sae.safetensors}, or sub-folders holding one (a run directory; {@code hookpoint} picks one) →
 *       sparsify ({@link SparsifyFormat});</li>
 *   <li>{@code params.npz} → Gemma Scope ({@link GemmaScopeFormat}).</li>
 * </ul>
 */
public final class ModelFormats {
    private ModelFormats() {
    }

    /**
     * An encoder for the model of a directory, with its input standardisation if it has one: sae4j's own
     * ({@code model.safetensors} + {@code cfg.json}) or a SAELens, sparsify or Gemma Scope folder, detected from
     * its files ({@link #load}). Batch products run on {@link KernelPool#common()}.
     */
    public static SaeEncoder loadEncoder(Path dir) throws IOException {
        return loadEncoder(dir, ImportOptions.DEFAULT, EncoderMode.FLOAT32);
    }

    /** As {@link #loadEncoder(Path)}, with a forced format, a sparsify hookpoint or a SAELens scaling factor. */
    public static SaeEncoder loadEncoder(Path dir, ImportOptions opts) throws IOException {
        return loadEncoder(dir, opts, EncoderMode.FLOAT32);
    }

    /**
     * As {@link #loadEncoder(Path)}, with single vectors encoded in {@code mode} (same codes, other memory and
     * speed).
     */
    public static SaeEncoder loadEncoder(Path dir, EncoderMode mode) throws IOException {
        return loadEncoder(dir, ImportOptions.DEFAULT, mode);
    }

    /** As {@link #loadEncoder(Path, ImportOptions)} in {@code mode}. */
    public static SaeEncoder loadEncoder(Path dir, ImportOptions opts, EncoderMode mode) throws IOException {
        LoadedModel m = load(dir, opts);
        return SaeEncoder.of(m.sae(), m.standardizer(), KernelPool.common(), mode);
    }

    public static LoadedModel load(Path dir) throws IOException {
        return load(dir, ImportOptions.DEFAULT);
    }

    public static LoadedModel load(Path dir, ImportOptions opts) throws IOException {
        Path target = folder(dir, opts);
        Format f = format(target, opts);
        return switch (f) {
            case SAE4J -> {
                Checkpoint.Loaded m = Checkpoint.loadModel(target);
                yield new LoadedModel(m.sae(), m.standardizer(), Format.SAE4J, target, m.source());
            }
            case SAELENS -> SaeLensFormat.load(target, opts);
            case SPARSIFY -> {
                if (!SparsifyFormat.looksLike(target)) {
                    List<String> hooks = SparsifyFormat.hookpoints(target);
                    if (!hooks.isEmpty()) {
                        throw new BadInputException(target + ": a sparsify run directory with hookpoints " + hooks
                                + "; expected --hookpoint NAME to pick one");
                    }
                }
                yield SparsifyFormat.load(target, opts);
            }
            case GEMMA_SCOPE -> GemmaScopeFormat.load(target);
        };
    }

    /** The folder {@link #load} reads: {@code dir}, or its hookpoint sub-folder; refused unless a directory. */
    public static Path folder(Path dir, ImportOptions opts) throws IOException {
        Path target = dir;
        if (opts.hookpoint() != null) {
            target = dir.resolve(opts.hookpoint());
            if (!Files.isDirectory(target)) {
                throw new BadInputException(target + ": no such hookpoint folder; expected one of "
                        + SparsifyFormat.hookpoints(dir));
            }
        }
        if (!Files.isDirectory(target)) {
            throw new BadInputException(target + ": " + (Files.exists(target) ? "not a directory" : "no such directory")
                    + "; expected a model directory");
        }
        return target;
    }

    /** The format {@link #load} reads {@code folder} as: the forced one, else {@link #detect}'s. */
    public static Format format(Path folder, ImportOptions opts) throws IOException {
        return opts.format() != null ? opts.format() : detect(folder);
    }

    /** The format of {@code dir} from its files. */
    public static Format detect(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve(Checkpoint.MODEL))) {
            return Format.SAE4J;
        }
        if (SaeLensFormat.looksLike(dir)) {
            return Format.SAELENS;
        }
        if (SparsifyFormat.looksLike(dir) || !SparsifyFormat.hookpoints(dir).isEmpty()) {
            return Format.SPARSIFY;
        }
        if (GemmaScopeFormat.looksLike(dir)) {
            return Format.GEMMA_SCOPE;
        }
        // Neither: let sae4j's loader explain (it also recovers an interrupted checkpoint save first).
        return Format.SAE4J;
    }
}
