package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sae4j.Activation;
import org.sae4j.BadInputException;
import org.sae4j.Sae;
import org.sae4j.SaeConfig;
import org.sae4j.io.ActivationSource;
import org.sae4j.io.Json;
import org.sae4j.io.JsonFields;
import org.sae4j.io.Safetensors;

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
 * neither can sae4j. Refused with the reason: {@code signed}, {@code transcode} and {@code skip_connection} models.
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
        for (String flag : new String[] {"signed", "transcode", "skip_connection"}) {
            if (cfg.optionalBoolean(flag, false)) {
                throw new BadInputException(cfgFile + ": " + flag + " is true; expected false (sae4j imports"
                        + " autoencoders with an unsigned top-k and no skip connection)");
            }
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
            if (t.has("W_skip")) {
                throw new BadInputException(weights + ": has tensor 'W_skip'; expected no skip connection");
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
            float[] wDec = t.read("W_dec", "[num_latents, d_in]" + why, n, d);
            float[] bDec = t.read("b_dec", "[d_in]" + why, d);
            SaeConfig c = SaeLensFormat.config(d, n, activation, k, false, true);
            return new LoadedModel(Sae.of(c, wEnc, bEnc, wDec, bDec, null), null, Format.SPARSIFY, dir);
        }
    }

    /**
     * Writes a sparsify folder for a TopK or GroupMax model. sparsify always encodes {@code x − b_dec}: a model
     * without the pre-encoder bias gets {@code b_dec} folded into {@code encoder.bias} (same function, float
     * rounding).
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
        float[] bias = e.bEnc().clone();
        if (!e.preEncoderBias()) {
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
        cfg.put("skip_connection", false);
        cfg.put("transcode", false);
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
        Exported.writeFolder(out, CONFIG, Json.write(cfg), WEIGHTS, t);
        return "sparsify " + c.activation().id() + (e.preEncoderBias() ? "" : " (b_dec folded into encoder.bias)");
    }
}
