package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Transcoding;

/**
 * EleutherAI sparsify model folders: {@code cfg.json} + {@code sae.safetensors} ({@code SparseCoder.save_to_disk},
 * {@code sparsify/sparse_coder.py}, at {@code 9d3b136c}), and run directories holding one such folder per
 * hookpoint ({@code sparsify/trainer.py}).
 *
 * <p>Tensors are the module's state dict in nn.Linear layout: {@code encoder.weight} [num_latents, d_in] (already
 * sae4j's latent-major {@code W_enc}), {@code encoder.bias}, {@code W_dec} [num_latents, d_in] (used as stored) and
 * {@code b_dec}; checkpoints from before June 2024 used {@code W_enc} [d_in, num_latents] and {@code b_enc}. The
 * forward pass ({@code SparseCoder.encode}, {@code fused_encoder.py}) is {@code relu(x − b_dec)·encoderᵀ + bias},
 * then the top k: ReLU before top-k. Its non-zero codes are sae4j's TopK codes (the k largest positive
 * pre-activations), so the model is a plain TopK {@link Sae} with the pre-encoder bias. {@code num_latents: 0}
 * means {@code d_in · expansion_factor} ({@code sparsify/config.py}); unknown keys are ignored, as
 * {@code from_dict(drop_extra_fields=True)} does.
 *
 * <p>{@code activation: "groupmax"} ({@code FusedEncoder.forward} in {@code fused_encoder.py}: the relu'd
 * pre-activations unflattened into k groups of num_latents/k, the max of each, ties to the first) is sae4j's
 * {@link Activation#GROUPMAX} with the same k; sparsify cannot build one whose k does not divide num_latents, so
 * neither can sae4j.
 *
 * <p>{@code transcode: true} models are transcoders ({@link Transcoding}) with d_out = d_in, the only width sparsify
 * builds ({@code SparseCoder.__init__}: {@code W_dec = zeros_like(encoder.weight)}, {@code b_dec} of d_in): sparsify's
 * {@code encode} does not subtract {@code b_dec} when transcoding, so the model has no pre-encoder bias; with
 * {@code skip_connection: true} the tensor {@code W_skip} [d_in, d_in] adds {@code x @ W_skip.mT}
 * ({@code SparseCoder.forward}). Refused with the reason: {@code signed} models, and {@code skip_connection} without
 * {@code transcode} (an autoencoder with a skip path, which sae4j does not hold).
 */
public final class SparsifyFormat {
    public static final String CONFIG = "cfg.json";
    public static final String WEIGHTS = "sae.safetensors";

    private SparsifyFormat() {
    }

    static boolean looksLike(Path dir) {
        return Files.isRegularFile(dir.resolve(WEIGHTS));
    }

    /** Sub-folders of a run directory that hold a sparsify model (hookpoints, e.g. {@code layers.6}). */
    static List<String> hookpoints(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(p -> Files.isDirectory(p) && looksLike(p)).map(p -> p.getFileName().toString()).sorted()
                    .forEach(out::add);
        }
        return out;
    }

    static LoadedModel load(Path dir, ImportOptions opts) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException(cfgFile + ": missing; expected sparsify's config next to " + WEIGHTS);
        }
        // sparsify's rules: integral floats are integers, null means its default.
        JsonFields cfg = new JsonFields(Json.readObject(cfgFile), cfgFile + ":", JsonFields.Dialect.FOREIGN_CONFIG);
        int d = cfg.requireInt("d_in");
        String act = cfg.optionalString("activation", "topk");
        if (!act.equals("topk") && !act.equals("groupmax")) {
            throw new BadInputException(cfgFile + ": activation is \"" + act + "\"; expected topk or groupmax"
                    + " (sparsify/config.py SparseCoderConfig.activation)");
        }
        Activation activation = act.equals("groupmax") ? Activation.GROUPMAX : Activation.TOPK;
        if (cfg.optionalBoolean("signed", false)) {
            throw new BadInputException(cfgFile + ": signed is true; expected false (sae4j imports an unsigned"
                    + " top-k)");
        }
        boolean transcode = cfg.optionalBoolean("transcode", false);
        boolean skip = cfg.optionalBoolean("skip_connection", false);
        if (skip && !transcode) {
            // An autoencoder with a skip path: sae4j holds W_skip only on a transcoder.
            throw new BadInputException(cfgFile + ": skip_connection is true but transcode is false; expected"
                    + " skip_connection only on a transcoder (transcode: true)");
        }
        int ef = cfg.optionalInt("expansion_factor", 32);
        int n = cfg.optionalInt("num_latents", 0);
        String nWhy = "num_latents " + n;
        if (n == 0) {
            long product = (long) d * ef;
            if (product > Integer.MAX_VALUE) {
                throw new BadInputException(cfgFile + ": d_in " + d + " × expansion_factor " + ef + " = " + product
                        + " latents; expected fewer than 2^31 latents");
            }
            n = (int) product; // a negative product is refused with the sizes below
            nWhy = "num_latents 0 → d_in × expansion_factor = " + d + "×" + ef;
        }
        int k = cfg.optionalInt("k", 32);
        if (d <= 0 || n <= 0 || k < 1 || k > n) {
            throw new BadInputException(cfgFile + ": d_in " + d + ", latents " + n + ", k " + k
                    + "; expected positive sizes and 1 ≤ k ≤ latents");
        }
        if (activation == Activation.GROUPMAX && n % k != 0) {
            throw new BadInputException(cfgFile + ": groupmax with k " + k + " and " + n + " latents; expected k to"
                    + " divide the latents into equal groups (as sparsify's unflatten(-1, (k, -1)) requires)");
        }
        String why = " from " + CONFIG + " (d_in " + d + ", " + nWhy + ")";
        try (Tensors t = Tensors.open(weights)) {
            if (!skip && t.has("W_skip")) {
                // sparsify's strict load_model would refuse the unexpected key too.
                throw new BadInputException(weights + ": has tensor 'W_skip' but " + CONFIG + " has skip_connection"
                        + " false; expected no W_skip, or skip_connection true");
            }
            float[] wEnc;
            float[] bEnc;
            if (t.has("encoder.weight") || !t.has("W_enc")) {
                wEnc = t.read("encoder.weight", "[num_latents, d_in]" + why, n, d);
                bEnc = t.read("encoder.bias", "[num_latents]" + why, n);
            } else {
                wEnc = Tensors.transpose(t.read("W_enc", "[d_in, num_latents]" + why, d, n), d, n);
                bEnc = t.read("b_enc", "[num_latents]" + why, n);
            }
            // A transcoder's W_dec and b_dec are d_in wide too: SparseCoder.__init__ builds W_dec as
            // zeros_like(encoder.weight) and b_dec of d_in, and load_model is strict.
            float[] wDec = t.read("W_dec", "[num_latents, d_in]" + why, n, d);
            float[] bDec = t.read("b_dec", "[d_in]" + why, d);
            if (!transcode) {
                SaeConfig c = SaeLensFormat.config(d, n, activation, k, false, true);
                return new LoadedModel(Sae.of(c, wEnc, bEnc, wDec, bDec, null), null, Format.SPARSIFY, dir);
            }
            // SparseCoder.encode subtracts b_dec only when not transcoding: no pre-encoder bias. W_skip is
            // [d_in, d_in] and forward adds x @ W_skip.mT, which is sae4j's d_out×d layout as stored.
            float[] wSkip = skip ? t.read("W_skip", "[d_in, d_in] (skip_connection)" + why, d, d) : null;
            SaeConfig c = SaeLensFormat.config(d, n, activation, k, false, false)
                    .withTranscoder(new Transcoding(d, skip));
            return new LoadedModel(Sae.of(c, wEnc, bEnc, wDec, bDec, null, wSkip), null, Format.SPARSIFY, dir);
        }
    }

    /**
     * Writes a sparsify folder for a TopK or GroupMax model. sparsify encodes {@code x − b_dec} unless it transcodes:
     * an autoencoder without the pre-encoder bias gets {@code b_dec} folded into {@code encoder.bias} (same function,
     * float rounding). A transcoder is written with {@code transcode: true} (and {@code skip_connection} with its
     * {@code W_skip}) when its d_out equals d_in, the only width sparsify builds; otherwise refused.
     */
    public static String write(Path out, Exported e) throws IOException {
        Sae sae = e.sae();
        SaeConfig c = sae.config();
        if (c.activation() != Activation.TOPK && c.activation() != Activation.GROUPMAX) {
            throw new BadInputException("export --format sparsify: the model is " + c.activation().id()
                    + "; sparsify models are topk or groupmax only (export it as saelens)");
        }
        if (sae.rule() != null) {
            throw new BadInputException("export --format sparsify: the model has " + sae.rule().origin()
                    + " forward-pass parts sparsify cannot express (export it as saelens)");
        }
        int d = c.dim();
        int n = c.latents();
        boolean transcode = c.transcoder() != null;
        if (transcode && c.outDim() != d) {
            throw new BadInputException("export --format sparsify: the transcoder's d_out is " + c.outDim()
                    + "; expected d_out = d_in (" + d + "), the only width sparsify's SparseCoder builds (W_dec"
                    + " [num_latents, d_in], b_dec [d_in], sparse_coder.py __init__); export it as saelens");
        }
        float[] bias = e.bEnc().clone();
        // A transcoder encodes x itself in both libraries (SparseCoder.encode skips x − b_dec when transcoding).
        if (!e.preEncoderBias() && !transcode) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int i = 0; i < d; i++) {
                    dot += (double) e.wEnc()[j * d + i] * e.bDec()[i];
                }
                bias[j] = (float) (bias[j] + dot);
            }
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("activation", c.activation().id()); // topk or groupmax, sparsify's names too
        cfg.put("expansion_factor", (long) Math.max(1, n / d));
        cfg.put("normalize_decoder", c.unitNormDecoder());
        cfg.put("num_latents", (long) n);
        cfg.put("k", (long) c.k());
        cfg.put("multi_topk", false);
        cfg.put("skip_connection", c.skip());
        cfg.put("transcode", transcode);
        cfg.put("d_in", (long) d);
        ActivationSource src = e.source();
        if (src != null) {
            // sparsify keeps these in the run's config.json (RunConfig: model, dataset, ctx_len; TrainConfig:
            // hookpoints), one level above the hookpoint folder written here. Its load_from_disk drops keys it does
            // not know (sparse_coder.py:135-165, drop_extra_fields=True), so they ride in cfg.json under its names.
            cfg.put("model", src.model());
            cfg.put("hookpoints", java.util.List.of(src.hookName() != null ? src.hookName() : src.output()));
            if (src.maxTokens() > 0) {
                cfg.put("ctx_len", src.maxTokens());
            }
            if (src.text() != null) {
                cfg.put("dataset", src.text());
            }
        }
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("encoder.weight", Safetensors.Tensor.of(e.wEnc(), n, d));
        t.put("encoder.bias", Safetensors.Tensor.of(bias, n));
        t.put("W_dec", Safetensors.Tensor.of(e.wDec(), n, d));
        t.put("b_dec", Safetensors.Tensor.of(e.bDec(), d));
        if (c.skip()) {
            t.put("W_skip", Safetensors.Tensor.of(sae.wSkip(), d, d)); // [d_in, d_in], out += x @ W_skip.mT
        }
        Exported.writeFolder(out, CONFIG, Json.write(cfg), WEIGHTS, t);
        if (transcode) {
            return "sparsify " + c.activation().id() + (c.skip() ? " skip transcoder" : " transcoder");
        }
        return "sparsify " + c.activation().id() + (e.preEncoderBias() ? "" : " (b_dec folded into encoder.bias)");
    }
}
