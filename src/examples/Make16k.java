import java.nio.file.Path;
import java.util.SplittableRandom;
import org.sae4j.data.TokensTsv;
import org.sae4j.encode.select.TopK;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;

/**
 * Test data for the feature browser at 16k latents (src/docs/features.md): a random-init TopK model (d = 768,
 * n = 16,384, k = 32) in DIR/model, 4,096 rows of uniform noise in DIR/x.npy and a synthetic DIR/tokens.tsv.
 * Run: {@code ./sae4j java src/examples/Make16k.java DIR}
 */
public class Make16k {
    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int d = 768, n = 16384, rows = 4096;
        Sae sae = Sae.initialize(new SaeConfig(d, n, Activation.TOPK, 32, true, false, 1e-3, 0.2, 1));
        Checkpoint.save(dir.resolve("model"), sae, null);
        SplittableRandom r = new SplittableRandom(2);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextDouble(-1, 1);
        NpyWriter.writeF32(dir.resolve("x.npy"), x, rows, d);
        try (TokensTsv.TokenWriter w = TokensTsv.writer(dir.resolve("tokens.tsv"))) {
            for (int i = 0; i < rows; i++) w.write(i / 128, i % 128 + 1, "Ġword" + r.nextInt(5000));
            w.commit();
        }
    }
}
