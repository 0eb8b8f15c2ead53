package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;

/**
 * A model's parameters as another library must store them: the decoder is the dictionary sae4j decodes with, and a
 * {@link Standardizer} {@code x' = (x − m) / s} is folded into the weights ({@code W'[j,i] = W[j,i] / s_i},
 * {@code D'[j,i] = D[j,i]·s_i}, {@code b_dec' = b_dec·s + m}; without a pre-encoder bias also
 * {@code b_enc' = b_enc − W'·m}), which is the same affine function, equal up to float rounding. A transcoder's
 * {@code W_dec} is n×d_out and {@code b_dec} d_out; its {@code W_skip} is read from {@link Sae#wSkip()}.
 *
 * @param wEnc           n×d, latent-major (sae4j's layout)
 * @param preEncoderBias whether the encoder subtracts {@code bDec}
 * @param source         what the model was trained on (null: not recorded), for the other library's hook metadata
 */
public record Exported(Sae sae, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, boolean preEncoderBias,
                       boolean folded, ActivationSource source) {

    public static Exported of(LoadedModel m) {
        Sae sae = m.sae();
        int d = sae.dim();
        int n = sae.latents();
        float[] wEnc = sae.wEnc().clone();
        float[] bEnc = sae.bEnc().clone();
        float[] wDec = sae.dictionary();
        float[] bDec = sae.bDec().clone();
        boolean pre = sae.config().preEncoderBias();
        Standardizer std = m.standardizer();
        if (std == null || std.mode() == Standardizer.Mode.NONE) {
            return new Exported(sae, wEnc, bEnc, wDec, bDec, pre, false, m.source());
        }
        if (sae.config().transcoder() != null) {
            // The fold below maps W_dec and b_dec back into x's units; a transcoder's output is another space.
            throw new BadInputException(m.dir() + ": a transcoder with a standardizer cannot be folded into the"
                    + " weights (its output is not in the input's units); expected a transcoder without one");
        }
        if (sae.rule() != null) {
            throw new BadInputException(m.dir() + ": a standardizer together with an imported forward rule cannot"
                    + " be folded; expected one of them");
        }
        float[] mean = new float[d];
        float[] s = new float[d];
        if (std.mode() == Standardizer.Mode.PER_FEATURE) {
            mean = std.mean();
            s = std.std();
        } else if (std.mode() == Standardizer.Mode.CENTER) {
            mean = std.mean();
            java.util.Arrays.fill(s, 1f);
        } else {
            java.util.Arrays.fill(s, 1f / std.scale());
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < d; i++) {
                wEnc[j * d + i] /= s[i];
                wDec[j * d + i] *= s[i];
            }
        }
        for (int i = 0; i < d; i++) {
            bDec[i] = bDec[i] * s[i] + mean[i];
        }
        if (!pre) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) wEnc[j * d + i] * mean[i];
                }
                bEnc[j] = (float) (bEnc[j] - dot);
            }
        }
        return new Exported(sae, wEnc, bEnc, wDec, bDec, pre, true, m.source());
    }

    /** The thresholds a JumpReLU/BatchTopK model compares with, as sae4j's encoders compute them. */
    static float[] thresholds(Sae sae) {
        int n = sae.latents();
        if (sae.rule() != null && sae.rule().thresholds() != null) {
            return sae.rule().thresholds();
        }
        float[] th = new float[n];
        if (sae.config().activation() == Activation.BATCHTOPK) {
            java.util.Arrays.fill(th, sae.batchTopKThreshold());
        } else {
            for (int j = 0; j < n; j++) {
                th[j] = (float) Math.exp(sae.logThreshold()[j]); // as SaeEncoder and Sae.activate compute θ
            }
        }
        return th;
    }

    /** Writes a config and a weights file into {@code out} (a new or empty directory); nothing half-written stays. */
    static void writeFolder(Path out, String cfgName, String cfgText, String weightsName,
                            Map<String, Safetensors.Tensor> tensors) throws IOException {
        writeFolder(out, cfgName, cfgText, weightsName, tensors, null, null);
    }

    /** As above, plus one more safetensors file ({@code extraName} → {@code extra}) when {@code extra} is given. */
    static void writeFolder(Path out, String cfgName, String cfgText, String weightsName,
                            Map<String, Safetensors.Tensor> tensors, String extraName,
                            Map<String, Safetensors.Tensor> extra) throws IOException {
        if (!AtomicFiles.isAbsentOrEmpty(out)) {
            throw new BadInputException(out + ": exists and is not empty; expected a new or empty directory");
        }
        boolean created = !Files.exists(out);
        Files.createDirectories(out);
        try {
            Safetensors.write(out.resolve(weightsName), tensors, null);
            if (extra != null) {
                Safetensors.write(out.resolve(extraName), extra, null);
            }
            AtomicFiles.writeString(out.resolve(cfgName), cfgText + "\n");
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(out.resolve(weightsName));
            if (extra != null) {
                Files.deleteIfExists(out.resolve(extraName));
            }
            Files.deleteIfExists(out.resolve(cfgName));
            if (created) {
                Files.deleteIfExists(out);
            }
            throw e;
        }
    }
}
