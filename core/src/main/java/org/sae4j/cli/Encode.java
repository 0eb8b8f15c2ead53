package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.LoadedModel;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.Sae;

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
    static final Opt<String> OUT = Opt.string("--out", "BASE", "where the codes go (a trailing .npy is dropped)")
            .asRequired();
    static final Opt<Integer> K = Opt.integer("--k", "K", "codes kept per row (default: a topk or groupmax model's"
            + " k)");
    static final Opt<Boolean> DENSE = Opt.flag("--dense", "every latent's code, as one rows × latents file");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "replace existing files; encode rows of another tensor"
            + " than the model was trained on");
    static final OptionTable OPTIONS = OptionTable.of("encode", "the codes of every row, in file order",
            List.of("top-k codes as BASE.indices.npy (int32) + BASE.values.npy (float32), or BASE.npy dense"),
            Opt.options(List.of(Models.MODEL, Models.DATA, OUT, K, DENSE, Models.BATCH, Models.THREADS, FORCE)))
            .with(Opt.options(Models.MODEL_OPTIONS));
    private Encode() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = a.required(Models.MODEL);
        Path dataPath = a.required(Models.DATA);
        String base = a.required(OUT);
        if (base.endsWith(".npy")) {
            base = base.substring(0, base.length() - 4);
        }
        int batch = Models.positive(a, Models.BATCH);
        boolean dense = a.get(DENSE);
        int threads = Models.threads(a);
        LoadedModel lm = Models.load(a, model);
        Sae sae = lm.sae();
        int k = dense ? 0 : k(a, sae);
        Path[] targets = dense ? new Path[] {Path.of(base + ".npy")}
                : new Path[] {Path.of(base + ".indices.npy"), Path.of(base + ".values.npy")};
        for (Path t : targets) {
            if (Files.exists(t) && !a.get(FORCE)) {
                throw new BadInputException(t + ": already exists; expected a new path (or pass --force to replace"
                        + " it)");
            }
        }
        long rows;
        try (NpyDataset data = NpyDataset.open(dataPath); KernelPool pool = new KernelPool(threads)) {
            // The stream standardises as the model was trained, so the encoder takes its inputs as given.
            SaeEncoder enc = SaeEncoder.of(sae, null, pool);
            Models.checkWidth(data, sae.dim(), model); // codes read only the inputs (a transcoder's too)
            Models.checkSource(a, a.get(FORCE), lm.source(), dataPath, model);
            BatchStream s = Models.inOrder(data, batch, lm.standardizer());
            rows = data.rows();
            if (dense) {
                writeDense(enc, s, batch, rows, targets[0]);
            } else {
                writeSparse(enc, s, batch, rows, k, targets);
            }
        }
        out.printf(Locale.ROOT, "encoded %d rows of %s with %s -> %s%n", rows, dataPath, model,
                dense ? targets[0] : targets[0] + ", " + targets[1]);
    }

    /** The codes kept per row: {@code --k}, by default a model's whose k bounds every row's active latents. */
    private static int k(Args a, Sae sae) {
        int n = sae.latents();
        int k;
        if (sae.config().activation().atMostKPerRow()) { // BatchTopK's k is only the average per row
            k = a.get(K, sae.config().k());
        } else if (!a.given(K)) {
            throw new BadInputException("encode: --k K is required for a " + sae.config().activation().id()
                    + " model (how many codes to keep per row), or pass --dense");
        } else {
            k = a.get(K, 0);
        }
        if (k <= 0 || k > n) {
            throw new BadInputException("encode --k " + k + ": expected 1 ≤ k ≤ latents (" + n + ")");
        }
        return k;
    }

    /** Every row's codes as one rows × latents file. */
    private static void writeDense(SaeEncoder enc, BatchStream s, int batch, long rows, Path target)
            throws IOException {
        int n = enc.latents();
        float[] x = new float[batch * enc.dim()];
        float[] z = new float[batch * n];
        try (NpyWriter w = NpyWriter.create(target, NpyWriter.Type.F4, rows, n)) {
            for (long b = 0; b < s.batchesPerEpoch(); b++) {
                int r = s.next(x);
                enc.encodeDense(x, r, z);
                w.writeRows(z, 0, r);
            }
            w.commit();
        }
    }

    /** Every row's k largest codes, as an indices file and a values file that appear both or neither. */
    private static void writeSparse(SaeEncoder enc, BatchStream s, int batch, long rows, int k, Path[] targets)
            throws IOException {
        float[] x = new float[batch * enc.dim()];
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
