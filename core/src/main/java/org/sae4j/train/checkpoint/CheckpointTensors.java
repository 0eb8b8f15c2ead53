package org.sae4j.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.sae4j.BadInputException;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.TrainState;

/** The model's tensors in {@value Checkpoint#MODEL}: their names and shapes from the config, finite values only. */
final class CheckpointTensors {
    private CheckpointTensors() {}

    /** A model with NaN/Inf could never be loaded again: refuse it before anything is replaced. */
    static void checkFinite(Sae sae, TrainState state) {
        String[] names = sae.tensorNames();
        float[][] t = sae.tensors();
        for (int i = 0; i < t.length; i++) {
            for (int j = 0; j < t[i].length; j++) {
                if (!Float.isFinite(t[i][j])) {
                    throw new BadInputException((state == null ? "model" : "step " + state.step()) + ": tensor '"
                            + names[i] + "' element " + j + " is " + t[i][j] + "; expected finite parameters (lower"
                            + " the learning rate), so this checkpoint is not saved");
                }
            }
        }
    }

    /** Writes {@code file}: the tensors, and {@code __metadata__} with {@code format: pt} and the architecture. */
    static void write(Path file, Sae sae, TrainState state) throws IOException {
        SaeConfig c = sae.config();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("sae4j_format_version", Long.toString(CheckpointConfig.FORMAT_VERSION));
        meta.put("activation", c.activation().id());
        meta.put("dim", Integer.toString(c.dim()));
        meta.put("latents", Integer.toString(c.latents()));
        meta.put("k", Integer.toString(c.k()));
        if (state != null) {
            meta.put("step", Long.toString(state.step()));
        }
        Safetensors.write(file, tensors(sae, ""), meta);
    }

    static Map<String, Safetensors.Tensor> tensors(Sae sae, String prefix) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        String[] names = sae.tensorNames();
        float[][] data = sae.tensors();
        long[][] shapes = shapes(sae.config());
        for (int t = 0; t < names.length; t++) {
            out.put(prefix + names[t], new Safetensors.Tensor(shapes[t], data[t]));
        }
        return out;
    }

    /** The tensors' names, in {@link Sae#tensorNames()} order. */
    static String[] names(SaeConfig c) {
        java.util.List<String> t = new java.util.ArrayList<>(java.util.List.of("W_enc", "b_enc", "W_dec", "b_dec"));
        if (c.activation() == Activation.JUMPRELU) {
            t.add("log_threshold");
        }
        if (c.skip()) {
            t.add("W_skip");
        }
        return t.toArray(new String[0]);
    }

    /** Shapes in {@link Sae#tensorNames()} order (a transcoder's decoder side has its output width). */
    static long[][] shapes(SaeConfig c) {
        long n = c.latents();
        long d = c.dim();
        long dOut = c.outDim();
        java.util.List<long[]> s = new java.util.ArrayList<>(java.util.List.of(
                new long[] {n, d}, new long[] {n}, new long[] {n, dOut}, new long[] {dOut}));
        if (c.activation() == Activation.JUMPRELU) {
            s.add(new long[] {n});
        }
        if (c.skip()) {
            s.add(new long[] {dOut, d});
        }
        return s.toArray(new long[0][]);
    }

    /** Reads the model's tensors with {@code prefix}, checking names, shapes and finiteness against the config. */
    static float[][] readTensors(Path file, SaeConfig c, String prefix) throws IOException {
        String[] names = CheckpointTensors.names(c);
        long[][] shapes = shapes(c);
        try (Safetensors st = Safetensors.open(file)) {
            Set<String> expected = new java.util.LinkedHashSet<>();
            for (String n : names) {
                expected.add(prefix + n);
            }
            for (String present : st.names()) {
                if (!expected.contains(present)) {
                    throw new BadInputException(file + ": unexpected tensor '" + present + "' for a "
                            + c.activation().id() + " SAE; expected only " + expected);
                }
            }
            for (String name : expected) {
                if (!st.contains(name)) {
                    throw new BadInputException(file + ": no tensor '" + name + "'; expected " + expected
                            + " for a " + c.activation().id() + " SAE");
                }
            }
            float[][] out = new float[names.length][];
            for (int i = 0; i < names.length; i++) {
                String name = prefix + names[i];
                Safetensors.TensorInfo info = st.info(name);
                if (!java.util.Arrays.equals(info.shape(), shapes[i])) {
                    throw new BadInputException(file + ": tensor '" + name + "' has shape "
                            + java.util.Arrays.toString(info.shape()) + "; expected "
                            + java.util.Arrays.toString(shapes[i]) + " from " + Checkpoint.CONFIG + " (dim " + c.dim()
                            + (c.transcoder() != null ? ", d_out " + c.outDim() : "") + ", latents " + c.latents()
                            + ")");
                }
                float[] v = st.readFloats(name);
                for (int j = 0; j < v.length; j++) {
                    if (!Float.isFinite(v[j])) {
                        throw new BadInputException(file + ": tensor '" + name + "' element " + j + " is " + v[j]
                                + "; expected finite values");
                    }
                }
                out[i] = v;
            }
            return out;
        }
    }
}
