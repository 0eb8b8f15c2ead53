package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.sae4j.BadInputException;
import org.sae4j.io.npy.Npz;
import org.sae4j.io.safetensors.Safetensors;

/**
 * The tensors of one weights file (safetensors or npz) as float32, with the checks every importer needs: a
 * missing tensor, a wrong shape (saying when it is the transposed orientation) and non-finite values are one
 * line naming the file and the key.
 */
final class Tensors implements AutoCloseable {
    private final Path file;
    private final Safetensors st;
    private final Npz npz;

    private Tensors(Path file, Safetensors st, Npz npz) {
        this.file = file;
        this.st = st;
        this.npz = npz;
    }

    static Tensors open(Path file) throws IOException {
        if (file.getFileName().toString().endsWith(".npz")) {
            return new Tensors(file, null, Npz.open(file));
        }
        return new Tensors(file, Safetensors.open(file), null);
    }

    Path file() {
        return file;
    }

    List<String> names() {
        return st != null ? st.names() : npz.keys();
    }

    boolean has(String name) {
        return st != null ? st.contains(name) : npz.contains(name);
    }

    long[] shape(String name) {
        return st != null ? st.info(name).shape() : npz.entry(name).shape();
    }

    /** The first of {@code names} present, or {@code null}. */
    String firstPresent(String... names) {
        for (String n : names) {
            if (has(n)) {
                return n;
            }
        }
        return null;
    }

    /**
     * Reads {@code name} after checking it exists and has {@code shape}; {@code meaning} explains the shape, e.g.
     * {@code "[d_in, d_sae] from cfg.json"}.
     */
    float[] read(String name, String meaning, long... shape) throws IOException {
        if (!has(name)) {
            throw new BadInputException(file + ": no tensor '" + name + "'; expected " + Arrays.toString(shape)
                    + " = " + meaning + " (tensors present: " + names() + ")");
        }
        long[] got = shape(name);
        if (!Arrays.equals(got, shape)) {
            String hint = got.length == 2 && shape.length == 2 && got[0] == shape[1] && got[1] == shape[0]
                    && shape[0] != shape[1] ? " (the transposed orientation)" : "";
            throw new BadInputException(file + ": tensor '" + name + "' has shape " + Arrays.toString(got) + hint
                    + "; expected " + Arrays.toString(shape) + " = " + meaning);
        }
        float[] v = st != null ? st.readFloats(name) : npz.readFloats(name);
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new BadInputException(file + ": tensor '" + name + "' element " + i + " is " + v[i]
                        + "; expected finite values");
            }
        }
        return v;
    }

    /** Rows×cols row-major → cols×rows row-major (SAELens's x·W layout into sae4j's latent-major rows). */
    static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }

    @Override
    public void close() throws IOException {
        if (st != null) {
            st.close();
        } else {
            npz.close();
        }
    }
}
