package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.Sae;
import org.sae4j.formats.LoadedModel;
import org.sae4j.io.BatchStream;
import org.sae4j.SaeEncoder;
import org.sae4j.kernels.KernelPool;
import org.sae4j.io.NpyDataset;
import org.sae4j.io.NpyWriter;

/**
 * {@code sae4j encode --model DIR --data PATH --out BASE [--k K] [--dense] [--batch B] [--threads T] [--force]}:
 * the codes of every row, in file order.
 *
 * <p>Sparse (default): {@code BASE.indices.npy} (int32, rows × k) and {@code BASE.values.npy} (float32, rows × k),
 * each row's active latents by decreasing value (ties: lower index first); rows with fewer than k active latents
 * are padded with index −1 and value 0; rows with more keep the k largest. k is the model's for TopK; BatchTopK
 * (whose k is an average), ReLU and JumpReLU models need {@code --k}.
 * Dense ({@code --dense}): {@code BASE.npy} (float32, rows × latents). A trailing {@code .npy} on BASE is dropped.
 * Files appear complete or not at all; existing ones are kept unless {@code --force}.
 */
final class Encode {
    static final OptionTable OPTIONS = OptionTable.of("encode", "the codes of every row, in file order",
            List.of("top-k codes as BASE.indices.npy (int32) + BASE.values.npy (float32), or BASE.npy dense"),
            List.of(Models.MODEL, Option.valued("--data", "PATH", "a .npy file or a directory of shards").asRequired(),
                    Option.valued("--out", "BASE", "where the codes go (a trailing .npy is dropped)").asRequired(),
                    Option.valued("--k", "K", "codes kept per row (default: a topk or groupmax model's k)"),
                    Option.flag("--dense", "every latent's code, as one rows × latents file"),
                    Option.valued("--batch", "B", "rows per batch").withDefault("1024"), Models.THREADS,
                    Option.flag("--force", "replace existing files; encode rows of another tensor than the model"
                            + " was trained on"))).with(Models.MODEL_OPTIONS);
    private Encode() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = Path.of(a.required("--model"));
        Path dataPath = Path.of(a.required("--data"));
        String base = a.required("--out");
        if (base.endsWith(".npy")) {
            base = base.substring(0, base.length() - 4);
        }
        int batch = Models.positive(a, "--batch");
        boolean dense = a.flag("--dense");
        int threads = Models.threads(a);
        LoadedModel lm = Models.load(a, model);
        Sae sae = lm.sae();
        int n = sae.latents();
        int k = 0;
        if (!dense) {
            if (sae.config().activation().atMostKPerRow()) { // BatchTopK's k is only the average per row
                k = a.integer("--k", sae.config().k());
            } else if (!a.given("--k")) {
                throw new BadInputException("encode: --k K is required for a " + sae.config().activation().id()
                        + " model (how many codes to keep per row), or pass --dense");
            } else {
                k = a.integer("--k", 0);
            }
            if (k <= 0 || k > n) {
                throw new BadInputException("encode --k " + k + ": expected 1 ≤ k ≤ latents (" + n + ")");
            }
        }
        Path[] targets = dense ? new Path[] {Path.of(base + ".npy")}
                : new Path[] {Path.of(base + ".indices.npy"), Path.of(base + ".values.npy")};
        for (Path t : targets) {
            if (Files.exists(t) && !a.flag("--force")) {
                throw new BadInputException(t + ": already exists; expected a new path (or pass --force to replace"
                        + " it)");
            }
        }
        long rows;
        try (NpyDataset data = NpyDataset.open(dataPath); KernelPool pool = new KernelPool(threads)) {
            // The stream standardises as the model was trained, so the encoder takes its inputs as given.
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            Models.checkWidth(data, sae.dim(), model); // codes read only the inputs (a transcoder's too)
            Models.checkSource(a, lm.source(), dataPath, model);
            BatchStream s = Models.inOrder(data, batch, lm.standardizer());
            rows = data.rows();
            float[] x = new float[batch * sae.dim()];
            if (dense) {
                float[] z = new float[batch * n];
                try (NpyWriter w = NpyWriter.create(targets[0], NpyWriter.Type.F4, rows, n)) {
                    for (long b = 0; b < s.batchesPerEpoch(); b++) {
                        int r = s.next(x);
                        enc.encodeDense(x, r, z);
                        w.writeRows(z, 0, r);
                    }
                    w.commit();
                }
            } else {
                int[] idx = new int[batch * k];
                float[] val = new float[batch * k];
                try (NpyWriter wi = NpyWriter.create(targets[0], NpyWriter.Type.I4, rows, k);
                     NpyWriter wv = NpyWriter.create(targets[1], NpyWriter.Type.F4, rows, k)) {
                    for (long b = 0; b < s.batchesPerEpoch(); b++) {
                        int r = s.next(x);
                        enc.encode(x, r, idx, val, k);
                        wi.writeRows(idx, 0, r);
                        wv.writeRows(val, 0, r);
                    }
                    wv.commit();
                    try {
                        wi.commit();
                    } catch (IOException | RuntimeException e) {
                        Files.deleteIfExists(targets[1]); // keep the pair all or nothing
                        throw e;
                    }
                }
            }
        }
        out.printf(Locale.ROOT, "encoded %d rows of %s with %s -> %s%n", rows, dataPath, model,
                dense ? targets[0] : targets[0] + ", " + targets[1]);
    }
}
