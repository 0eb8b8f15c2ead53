package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.ModelFormats;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * Model folders whose files come from the input (see {@link Harness#sections}): sae4j checkpoints
 * ({@link Checkpoint}: cfg.json, model.safetensors, trainer_state.json, optimizer.safetensors) and the SAELens,
 * sparsify and Gemma Scope folders through {@link ModelFormats#loadEncoder}, the entry point of the CLI and the
 * service. A model that loads also encodes one input vector (of ones), so weights the loader accepted are used once.
 */
class ModelFolderFuzzTest {
    /** Sections: cfg.json, model.safetensors, trainer_state.json, optimizer.safetensors. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void checkpoint(byte[] data) throws Exception {
        Path dir = folder("ckpt", data, Checkpoint.CONFIG, Checkpoint.MODEL, Checkpoint.STATE, Checkpoint.OPTIMIZER);
        Harness.check(() -> Checkpoint.load(dir));
        Harness.check(() -> encodeOnce(dir));
    }

    /** Sections: cfg.json, sae_weights.safetensors. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void saeLens(byte[] data) throws Exception {
        Path dir = folder("saelens", data, "cfg.json", "sae_weights.safetensors");
        Harness.check(() -> encodeOnce(dir));
        // normalize_activations: expected_average_only_in loads only with the dataset's scaling factor.
        Harness.check(() -> encodeOnce(dir, new ImportOptions(null, null, 2.0)));
    }

    /** Sections: cfg.json, sae.safetensors. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void sparsify(byte[] data) throws Exception {
        Path dir = folder("sparsify", data, "cfg.json", "sae.safetensors");
        Harness.check(() -> encodeOnce(dir));
    }

    /** The whole input is params.npz. */
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void gemmaScope(byte[] data) throws Exception {
        Path dir = Harness.freshDir("gemmascope");
        Harness.write(dir, "params.npz", data);
        Harness.check(() -> encodeOnce(dir));
    }

    private static Path folder(String name, byte[] data, String... files) throws Exception {
        Path dir = Harness.freshDir(name);
        List<byte[]> s = Harness.sections(data, files.length);
        for (int i = 0; i < files.length; i++) {
            Harness.write(dir, files[i], s.get(i));
        }
        return dir;
    }

    static void encodeOnce(Path dir) throws Exception {
        encodeOnce(dir, ImportOptions.DEFAULT);
    }

    /** Loads and encodes a vector of ones (not zeros: constant_norm_rescale refuses a zero row, as it should). */
    static void encodeOnce(Path dir, ImportOptions opts) throws Exception {
        SaeEncoder e = ModelFormats.loadEncoder(dir, opts);
        float[] x = new float[e.dim()];
        java.util.Arrays.fill(x, 1f);
        e.encode(x);
    }
}
