package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sae4j.BadInputException;
import org.sae4j.model.Activation;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.Sae;

/**
 * Gemma Scope folders: {@code params.npz} alone (an {@code np.savez} zip with zip64 entries, read by
 * {@link org.sae4j.io.npy.Npz}); sizes come from the arrays. Same orientation as SAELens: {@code W_enc} [d_in, d_sae],
 * {@code W_dec} [d_sae, d_in], {@code b_enc}, {@code b_dec}, {@code threshold}; lower-case {@code w_enc}/{@code w_dec}
 * are accepted, as SAELens's {@code gemma_2_sae_huggingface_loader} does
 * ({@code loading/pretrained_sae_loaders.py}). The forward pass is the Gemma Scope tutorial's {@code JumpReLUSAE},
 * which SAELens maps to {@code jumprelu} with {@code apply_b_dec_to_input: false}: {@code p = x·W_enc + b_enc},
 * {@code z = relu(p)·[p > θ]}, {@code x̂ = z·W_dec + b_dec}; no {@code b_dec} is subtracted. Embedding SAEs (whose
 * weights SAELens rescales by √d_in, known only from the repository name) are not distinguished.
 */
public final class GemmaScopeFormat {
    public static final String WEIGHTS = "params.npz";

    private GemmaScopeFormat() {
    }

    static boolean looksLike(Path dir) {
        return Files.isRegularFile(dir.resolve(WEIGHTS));
    }

    static LoadedModel load(Path dir) throws IOException {
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": missing; expected a Gemma Scope params.npz");
        }
        try (Tensors t = Tensors.open(file)) {
            String enc = t.firstPresent("W_enc", "w_enc");
            String dec = t.firstPresent("W_dec", "w_dec");
            if (enc == null) {
                throw new BadInputException(file + ": no array 'W_enc'; expected W_enc [d_in, d_sae] (arrays present: "
                        + t.names() + ")");
            }
            long[] s = t.shape(enc);
            if (s.length != 2 || s[0] <= 0 || s[1] <= 0 || s[0] > Integer.MAX_VALUE || s[1] > Integer.MAX_VALUE) {
                throw new BadInputException(file + ": array '" + enc + "' has shape " + java.util.Arrays.toString(s)
                        + "; expected [d_in, d_sae]");
            }
            int d = (int) s[0];
            int n = (int) s[1];
            String why = " (d_in " + d + ", d_sae " + n + " from " + enc + ")";
            float[] wEnc = Tensors.transpose(t.read(enc, "[d_in, d_sae]" + why, d, n), d, n);
            float[] wDec = t.read(dec == null ? "W_dec" : dec, "[d_sae, d_in]" + why, n, d);
            float[] bEnc = t.read("b_enc", "[d_sae]" + why, n);
            float[] bDec = t.read("b_dec", "[d_in]" + why, d);
            float[] theta = t.read("threshold", "[d_sae]" + why, n);
            if (t.has("scaling_factor")) {
                for (float v : t.read("scaling_factor", "[d_sae]" + why, n)) {
                    if (v != 1f) {
                        throw new BadInputException(file + ": array 'scaling_factor' is not all ones; expected ones"
                                + " (SAELens refuses it too without finetuning_scaling_factor)");
                    }
                }
            }
            Sae sae = SaeLensFormat.jumpRelu(SaeLensFormat.config(d, n, Activation.JUMPRELU, 1, false, false),
                    wEnc, bEnc, wDec, bDec, theta, ForwardRule.RowNorm.NONE, "Gemma Scope jumprelu");
            return new LoadedModel(sae, null, Format.GEMMA_SCOPE, dir);
        }
    }
}
