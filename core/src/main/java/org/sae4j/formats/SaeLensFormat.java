package org.sae4j.formats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.ForwardRule;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Transcoding;

/**
 * SAELens model folders: {@code cfg.json} + {@code sae_weights.safetensors} (SAELens {@code constants.py}), v6 and
 * v5 configs. Citations are to jbloomAus/SAELens v6.18.0 ({@code 91ca16cc}); the page
 * {@code src/docs/interop.md} collects them.
 *
 * <p>Import maps each architecture onto a {@link Sae} plus, where sae4j's forward pass differs, a {@link ForwardRule}:
 * <ul>
 *   <li>{@code standard}: ReLU; {@code apply_b_dec_to_input} is sae4j's pre-encoder bias; {@code W_dec} used as
 *       stored (no row normalisation).</li>
 *   <li>{@code jumprelu} (and the {@code batchtopk} training checkpoint, whose inference save is a jumprelu with
 *       {@code threshold = topk_threshold}, {@code saes/batchtopk_sae.py}): JumpReLU with the stored thresholds
 *       compared exactly, {@code relu(p)·[p > θ]} ({@code saes/jumprelu_sae.py} {@code encode}).</li>
 *   <li>{@code topk}: TopK (SAELens takes the top k of the raw pre-activations, then ReLU: the same non-zero codes
 *       as sae4j's TopK, {@code saes/topk_sae.py} {@code TopK.forward}). With {@code rescale_acts_by_decoder_norm}
 *       the norms {@code ‖W_dec[j]‖} are folded into {@code W_enc}/{@code b_enc} and the model decodes with
 *       unit-norm rows, which is the function SAELens computes ({@code encode} multiplies the pre-activations by
 *       the norms, {@code decode} divides them out) and what its own {@code save_inference_model} does.</li>
 *   <li>{@code gated}: a {@link ForwardRule#gated} rule ({@code saes/gated_sae.py} {@code encode}).</li>
 *   <li>{@code transcoder}, {@code skip_transcoder}, {@code jumprelu_transcoder}: a transcoder
 *       ({@link org.sae4j.model.Transcoding}) of width {@code d_out} (see {@code loadTranscoder}).</li>
 * </ul>
 * {@code normalize_activations} {@code constant_norm_rescale}/{@code layer_norm} become a
 * {@link ForwardRule.RowNorm}; {@code expected_average_only_in} needs the dataset factor, which the folder does not
 * hold, and is folded as SAELens's {@code fold_activation_norm_scaling_factor} does ({@code saes/sae.py}). Legacy
 * {@code scaling_factor} tensors are dropped when all ones and otherwise folded into {@code W_dec} as v5's decode
 * applied them ({@code loading/pretrained_sae_loaders.py} {@code read_sae_components_from_disk}). Tensors are read as
 * float32 from F32, F16, BF16 or F64; sae4j computes in float32 whatever {@code dtype} the config names (SAELens
 * would cast to that dtype first).
 */
public final class SaeLensFormat {
    public static final String CONFIG = "cfg.json";
    public static final String WEIGHTS = "sae_weights.safetensors";
    /** The SAELens version whose v6 layout {@link #write} follows (≥ 6.0.0-rc.0, so loaders read it as v6). */
    public static final String WRITTEN_VERSION = "6.18.0";

    private SaeLensFormat() {
    }

    static boolean looksLike(Path dir) {
        return Files.isRegularFile(dir.resolve(WEIGHTS));
    }

    static LoadedModel load(Path dir, ImportOptions opts) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException(cfgFile + ": missing; expected SAELens's config next to " + WEIGHTS);
        }
        if (!Files.isRegularFile(weights)) {
            throw new BadInputException(weights + ": missing; expected SAELens's weights next to " + CONFIG);
        }
        JsonFields cfg = normalizedConfig(Json.readObject(cfgFile), cfgFile.toString());
        int d = cfg.requireInt("d_in");
        int n = cfg.requireInt("d_sae");
        if (d <= 0 || n <= 0) {
            throw new BadInputException(cfgFile + ": d_in " + d + ", d_sae " + n + "; expected positive sizes");
        }
        String arch = cfg.optionalString("architecture", "standard");
        String norm = cfg.optionalString("normalize_activations", "none");
        boolean bDecIn = cfg.optionalBoolean("apply_b_dec_to_input", true);
        if (arch.equals("transcoder") || arch.equals("skip_transcoder") || arch.equals("jumprelu_transcoder")) {
            return loadTranscoder(dir, cfg, cfgFile, weights, d, n, arch, norm, bDecIn);
        }
        String shapeWhy = " from " + CONFIG + " (d_in " + d + ", d_sae " + n + ")";
        try (Tensors t = Tensors.open(weights)) {
            float[] wEnc = Tensors.transpose(t.read("W_enc", "[d_in, d_sae]" + shapeWhy, d, n), d, n);
            float[] wDec = t.read("W_dec", "[d_sae, d_in]" + shapeWhy, n, d);
            float[] bDec = t.read("b_dec", "[d_in]" + shapeWhy, d);
            foldLegacyScaling(t, cfg, cfgFile.toString(), wDec, n, d, shapeWhy);
            ForwardRule.RowNorm rowNorm = rowNorm(norm, cfgFile);
            if (norm.equals("expected_average_only_in")) {
                foldDatasetScaling(opts, cfgFile, wEnc, wDec, bDec);
            }
            Dense p = new Dense(d, n, bDecIn, wEnc, wDec, bDec, rowNorm, shapeWhy);
            String origin = "SAELens " + arch;
            Sae sae = switch (arch) {
                case "standard" -> standard(t, p, origin);
                case "jumprelu", "batchtopk", "matryoshka_batchtopk" -> jumpReluOrBatchTopK(t, p, arch);
                case "topk" -> topK(t, p, cfg, cfgFile, weights, origin);
                case "gated" -> gated(t, p, origin);
                default -> throw new BadInputException(cfgFile + ": architecture is \"" + arch
                        + "\"; expected standard, jumprelu, topk, gated, transcoder, skip_transcoder or"
                        + " jumprelu_transcoder");
            };
            return new LoadedModel(sae, null, Format.SAELENS, dir);
        }
    }

    /**
     * What every SAE (not transcoder) architecture shares: the sizes, {@code apply_b_dec_to_input}, the three tensors
     * read (and folded) before the architecture's own, the input normalisation and the shape note for errors.
     */
    private record Dense(int d, int n, boolean bDecIn, float[] wEnc, float[] wDec, float[] bDec,
                         ForwardRule.RowNorm rowNorm, String why) {
        SaeConfig config(Activation a, int k, boolean unitNorm) {
            return SaeLensFormat.config(d, n, a, k, unitNorm, bDecIn);
        }

        float[] readLatentVector(Tensors t, String name) throws IOException {
            return t.read(name, "[d_sae]" + why, n);
        }

        /** {@code sae} with the row normalisation as its rule when the config asks for one. */
        Sae withRowNorm(Sae sae, String origin) {
            if (rowNorm != ForwardRule.RowNorm.NONE) {
                sae.withRule(ForwardRule.rowNorm(rowNorm, origin));
            }
            return sae;
        }
    }

    private static ForwardRule.RowNorm rowNorm(String norm, Path cfgFile) {
        return switch (norm) {
            case "none", "expected_average_only_in" -> ForwardRule.RowNorm.NONE;
            case "constant_norm_rescale" -> ForwardRule.RowNorm.CONSTANT_NORM_RESCALE;
            case "layer_norm" -> ForwardRule.RowNorm.LAYER_NORM;
            default -> throw new BadInputException(cfgFile + ": normalize_activations is \"" + norm
                    + "\"; expected none, expected_average_only_in, constant_norm_rescale or layer_norm");
        };
    }

    /** {@code expected_average_only_in}: the dataset factor comes from the options, the folder does not hold it. */
    private static void foldDatasetScaling(ImportOptions opts, Path cfgFile, float[] wEnc, float[] wDec,
                                           float[] bDec) {
        if (opts.scalingFactor() == null) {
            throw new BadInputException(cfgFile + ": normalize_activations is expected_average_only_in, whose"
                    + " dataset scaling factor is not in the folder; expected --scaling-factor F (SAELens's"
                    + " norm_scaling_factor for the release, or activation_scaler.json of the run)");
        }
        // SAELens SAE.fold_activation_norm_scaling_factor: W_enc *= f, W_dec /= f, b_dec /= f.
        float f = (float) (double) opts.scalingFactor();
        scale(wEnc, f);
        scale(wDec, 1 / f);
        scale(bDec, 1 / f);
    }

    private static Sae standard(Tensors t, Dense p, String origin) throws IOException {
        float[] bEnc = p.readLatentVector(t, "b_enc");
        Sae sae = Sae.of(p.config(Activation.RELU, 1, false), p.wEnc(), bEnc, p.wDec(), p.bDec(), null);
        return p.withRowNorm(sae, origin);
    }

    /** {@code jumprelu}, or a BatchTopK training checkpoint read as the JumpReLU its inference save is. */
    private static Sae jumpReluOrBatchTopK(Tensors t, Dense p, String arch) throws IOException {
        float[] bEnc = p.readLatentVector(t, "b_enc");
        float[] theta;
        String origin = "SAELens " + arch;
        if (arch.equals("jumprelu")) {
            theta = p.readLatentVector(t, "threshold");
        } else {
            // A BatchTopK training checkpoint: its inference form is a JumpReLU with θ = topk_threshold.
            float th = t.read("topk_threshold", "a scalar (BatchTopK training checkpoint)")[0];
            theta = new float[p.n()];
            Arrays.fill(theta, th);
            origin = "SAELens " + arch + " (as jumprelu, threshold " + th + ")";
        }
        return jumpRelu(p.config(Activation.JUMPRELU, 1, false), p.wEnc(), bEnc, p.wDec(), p.bDec(), theta,
                p.rowNorm(), origin);
    }

    private static Sae topK(Tensors t, Dense p, JsonFields cfg, Path cfgFile, Path weights, String origin)
            throws IOException {
        int k = cfg.optionalInt("k", 100);
        if (k < 1 || k > p.n()) {
            throw new BadInputException(cfgFile + ": k is " + k + "; expected 1 ≤ k ≤ d_sae (" + p.n() + ")");
        }
        float[] bEnc = p.readLatentVector(t, "b_enc");
        boolean rescale = cfg.optionalBoolean("rescale_acts_by_decoder_norm", false);
        if (rescale) {
            foldDecoderNorms(p, bEnc, weights);
        }
        Sae sae = Sae.of(p.config(Activation.TOPK, k, rescale), p.wEnc(), bEnc, p.wDec(), p.bDec(), null);
        return p.withRowNorm(sae, origin);
    }

    /**
     * {@code rescale_acts_by_decoder_norm}: {@code ‖W_dec[j]‖} folded into {@code W_enc}/{@code b_enc}, so the
     * model decodes with unit-norm rows and computes SAELens's function.
     */
    private static void foldDecoderNorms(Dense p, float[] bEnc, Path weights) {
        int d = p.d();
        float[] wEnc = p.wEnc();
        float[] wDec = p.wDec();
        for (int j = 0; j < p.n(); j++) {
            double ss = 0;
            for (int i = 0; i < d; i++) {
                ss += (double) wDec[j * d + i] * wDec[j * d + i];
            }
            float s = (float) Math.sqrt(ss);
            if (s == 0) {
                throw new BadInputException(weights + ": tensor 'W_dec' row " + j + " is zero;"
                        + " expected non-zero rows with rescale_acts_by_decoder_norm");
            }
            for (int i = 0; i < d; i++) {
                wEnc[j * d + i] *= s;
            }
            bEnc[j] *= s;
        }
    }

    private static Sae gated(Tensors t, Dense p, String origin) throws IOException {
        float[] bGate = p.readLatentVector(t, "b_gate");
        float[] bMag = p.readLatentVector(t, "b_mag");
        float[] rMag = p.readLatentVector(t, "r_mag");
        float[] magScale = new float[p.n()];
        for (int j = 0; j < p.n(); j++) {
            magScale[j] = (float) Math.exp(rMag[j]);
        }
        Sae sae = Sae.of(p.config(Activation.RELU, 1, false), p.wEnc(), new float[p.n()], p.wDec(), p.bDec(), null);
        return sae.withRule(ForwardRule.gated(bGate, magScale, bMag, p.rowNorm(), origin));
    }

    /**
     * SAELens {@code transcoder}, {@code skip_transcoder} and {@code jumprelu_transcoder}
     * ({@code sae_lens/saes/transcoder.py}): {@code TranscoderConfig} adds {@code d_out} and refuses
     * {@code apply_b_dec_to_input} ({@code __post_init__}); {@code W_enc} [d_in, d_sae], {@code W_dec} [d_sae, d_out],
     * {@code b_dec} [d_out], {@code SkipTranscoder.W_skip} [d_out, d_in] with {@code forward} adding
     * {@code x @ W_skip.T}; {@code Transcoder.encode} is {@code relu(x·W_enc + b_enc)} (the base
     * {@code get_activation_fn}), {@code JumpReLUTranscoder.encode} masks it with {@code pre > threshold}.
     * {@code Transcoder.decode} skips {@code run_time_activation_norm_fn_out} and {@code SkipTranscoder.forward}
     * feeds the raw input to {@code W_skip}, so an input normalisation has no sae4j counterpart: only {@code none}.
     */
    private static LoadedModel loadTranscoder(Path dir, JsonFields cfg, Path cfgFile, Path weights, int d, int n,
                                              String arch, String norm, boolean bDecIn) throws IOException {
        if (!cfg.has("d_out")) {
            // TranscoderConfig's dataclass default (768) would only coincide with the weights; ask for the width.
            throw new BadInputException(cfgFile + ": architecture " + arch + " has no d_out; expected the"
                    + " transcoder's output width (SAELens TranscoderConfig.d_out)");
        }
        int dOut = cfg.requireInt("d_out");
        if (dOut <= 0) {
            throw new BadInputException(cfgFile + ": d_out " + dOut + "; expected a positive output width");
        }
        if (bDecIn) {
            throw new BadInputException(cfgFile + ": apply_b_dec_to_input is true (or absent, default true) for a "
                    + arch + "; expected false (SAELens TranscoderConfig refuses it: b_dec is in the output space)");
        }
        if (!norm.equals("none")) {
            throw new BadInputException(cfgFile + ": normalize_activations is \"" + norm + "\" for a " + arch
                    + "; expected none (SAELens's transcoders normalise the input but not the output, which sae4j"
                    + " does not reproduce)");
        }
        boolean skip = arch.equals("skip_transcoder");
        boolean jump = arch.equals("jumprelu_transcoder");
        String why = " from " + CONFIG + " (d_in " + d + ", d_sae " + n + ", d_out " + dOut + ")";
        try (Tensors t = Tensors.open(weights)) {
            float[] wEnc = Tensors.transpose(t.read("W_enc", "[d_in, d_sae]" + why, d, n), d, n);
            float[] bEnc = t.read("b_enc", "[d_sae]" + why, n);
            float[] wDec = t.read("W_dec", "[d_sae, d_out]" + why, n, dOut);
            float[] bDec = t.read("b_dec", "[d_out]" + why, dOut);
            float[] wSkip = skip ? t.read("W_skip", "[d_out, d_in]" + why, dOut, d) : null;
            Transcoding tc = new Transcoding(dOut, skip);
            String origin = "SAELens " + arch;
            Sae sae;
            if (jump) {
                float[] theta = t.read("threshold", "[d_sae]" + why, n);
                sae = jumpRelu(config(d, n, Activation.JUMPRELU, 1, false, false).withTranscoder(tc), wEnc, bEnc,
                        wDec, bDec, theta, ForwardRule.RowNorm.NONE, origin);
            } else {
                sae = Sae.of(config(d, n, Activation.RELU, 1, false, false).withTranscoder(tc), wEnc, bEnc, wDec,
                        bDec, null, wSkip);
            }
            return new LoadedModel(sae, null, Format.SAELENS, dir);
        }
    }

    static Sae jumpRelu(SaeConfig c, float[] wEnc, float[] bEnc, float[] wDec, float[] bDec, float[] theta,
                        ForwardRule.RowNorm norm, String origin) {
        float[] logT = new float[theta.length];
        for (int j = 0; j < theta.length; j++) {
            // sae4j keeps log θ for training; inference compares with the stored θ through the rule.
            logT[j] = (float) Math.log(Math.max(theta[j], Float.MIN_NORMAL));
        }
        Sae sae = Sae.of(c, wEnc, bEnc, wDec, bDec, logT);
        return sae.withRule(ForwardRule.exactThresholds(theta, norm, origin));
    }

    static SaeConfig config(int d, int n, Activation a, int k, boolean unitNorm, boolean preEncoderBias) {
        return new SaeConfig(d, n, a, k, unitNorm, preEncoderBias, 1e-3, 1e-3, 0L);
    }

    private static void scale(float[] a, float f) {
        for (int i = 0; i < a.length; i++) {
            a[i] *= f;
        }
    }

    /** {@code scaling_factor} / {@code finetuning_scaling_factor} [d_sae]: v5 decoded with {@code z·f}. */
    private static void foldLegacyScaling(Tensors t, JsonFields cfg, String cfgFile, float[] wDec, int n, int d,
            String why)
            throws IOException {
        String name = t.firstPresent("scaling_factor", "finetuning_scaling_factor");
        if (name == null) {
            return;
        }
        float[] f = t.read(name, "[d_sae]" + why, n);
        boolean ones = true;
        for (float v : f) {
            ones &= v == 1f;
        }
        if (ones) {
            return;
        }
        if (!cfg.optionalBoolean("finetuning_scaling_factor", false)) {
            throw new BadInputException(t.file() + ": tensor '" + name + "' is not all ones but " + cfgFile
                    + " has finetuning_scaling_factor false; expected the flag true (as SAELens requires)");
        }
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < d; i++) {
                wDec[j * d + i] *= f[j];
            }
        }
    }

    /**
     * The config as SAELens v6 reads it: {@code handle_config_defaulting} and {@code handle_pre_6_0_config}
     * ({@code loading/pretrained_sae_loaders.py}): a config without {@code sae_lens_version} ≥ 6 (top level or in
     * {@code metadata}) is v5 and is mapped to v6 keys. Unknown keys are ignored.
     */
    static JsonFields normalizedConfig(Map<String, Object> raw, String file) {
        Object ver = raw.get("sae_lens_version");
        if (ver == null && raw.get("metadata") instanceof Map<?, ?> md) {
            ver = md.get("sae_lens_version");
        }
        if (ver instanceof String v && majorVersion(v) >= 6) {
            return foreignConfig(raw, file);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            String k = switch (e.getKey()) {
                case "hook_point" -> "hook_name";
                case "hook_point_head_index" -> "hook_head_index";
                case "activation_fn_str" -> "activation_fn";
                default -> e.getKey();
            };
            m.put(k, e.getValue());
        }
        m.putIfAbsent("apply_b_dec_to_input", true);
        m.putIfAbsent("architecture", "standard");
        Object fn = m.get("activation_fn");
        if (fn != null && !fn.equals("relu") && !fn.equals("topk")) {
            throw new BadInputException(file + ": activation_fn is " + fn + "; expected relu or topk");
        }
        if ("topk".equals(fn) && m.get("activation_fn_kwargs") instanceof Map<?, ?> kw && kw.get("k") != null) {
            m.put("architecture", "topk");
            m.put("k", kw.get("k"));
        }
        Object na = m.get("normalize_activations");
        if (na instanceof Boolean b) {
            m.put("normalize_activations", b ? "expected_average_only_in" : "none");
        } else if (na == null) {
            m.put("normalize_activations", "none");
        }
        return foreignConfig(m, file);
    }

    /** Read by the foreign library's rules: integral floats are integers, {@code null} means its default. */
    private static JsonFields foreignConfig(Map<String, Object> m, String file) {
        return new JsonFields(m, file + ":", JsonFields.Dialect.FOREIGN_CONFIG);
    }

    private static int majorVersion(String v) {
        int i = 0;
        while (i < v.length() && Character.isDigit(v.charAt(i))) {
            i++;
        }
        return i == 0 ? -1 : Integer.parseInt(v.substring(0, Math.min(i, 9)));
    }

    // ---------------------------------------------------------------- export

    /**
     * Writes {@code model} as a SAELens v6 inference folder ({@code cfg.json} with {@code metadata.sae_lens_version},
     * {@code sae_weights.safetensors} in F32, {@code W_enc} [d_in, d_sae]). The dictionary sae4j decodes with is
     * written as {@code W_dec}, so a unit-norm sae4j model needs no rescale flag. A standardizer is folded into the
     * weights (affine, so the function is the same; values equal up to float rounding). A transcoder is written as
     * {@code transcoder}, {@code skip_transcoder} or {@code jumprelu_transcoder} with {@code d_out}, {@code W_dec}
     * [d_sae, d_out], {@code b_dec} [d_out] and {@code W_skip} [d_out, d_in]. Refuses what SAELens cannot express.
     */
    public static String write(Path out, Exported e) throws IOException {
        return write(out, e, null);
    }

    /** The file SAELens's trainer writes beside the weights: log10 of each latent's firing frequency + 1e-10. */
    public static final String SPARSITY = "sparsity.safetensors";

    /**
     * As {@link #write(Path, Exported)}, plus {@code sparsity.safetensors} (tensor {@code "sparsity"} [d_sae] =
     * log10(frequency + 1e-10), as {@code sae_lens/training/sae_trainer.py} computes it) when {@code frequency} is
     * given (each latent's firing frequency, e.g. from {@code sae4j features}).
     */
    public static String write(Path out, Exported e, double[] frequency) throws IOException {
        Sae sae = e.sae();
        SaeConfig c = sae.config();
        if (c.activation() == Activation.GROUPMAX) {
            throw new BadInputException("export --format saelens: the model is groupmax, which SAELens has no"
                    + " architecture for (export it as sparsify)");
        }
        int d = c.dim();
        int n = c.latents();
        int dOut = c.outDim();
        Map<String, Object> cfg = baseConfig(e);
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("W_enc", Safetensors.Tensor.of(Tensors.transpose(e.wEnc(), n, d), d, n));
        t.put("W_dec", Safetensors.Tensor.of(e.wDec(), n, dOut));
        t.put("b_dec", Safetensors.Tensor.of(e.bDec(), dOut));
        String arch = putArchitecture(e, cfg, t);
        cfg.put("architecture", arch);
        Map<String, Safetensors.Tensor> sparsity = frequency == null ? null : sparsity(frequency, n);
        Exported.writeFolder(out, CONFIG, Json.writePretty(cfg), WEIGHTS, t, SPARSITY, sparsity);
        return "SAELens v6 " + arch + (sparsity == null ? "" : " with " + SPARSITY);
    }

    /** cfg.json up to its metadata, in the key order SAELens writes; the architecture's keys follow. */
    private static Map<String, Object> baseConfig(Exported e) {
        SaeConfig c = e.sae().config();
        ForwardRule rule = e.sae().rule();
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("d_in", (long) c.dim());
        cfg.put("d_sae", (long) c.latents());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        cfg.put("apply_b_dec_to_input", e.preEncoderBias());
        ForwardRule.RowNorm norm = rule == null ? ForwardRule.RowNorm.NONE : rule.norm();
        cfg.put("normalize_activations", norm.name().toLowerCase(Locale.ROOT));
        cfg.put("reshape_activations", "none");
        cfg.put("metadata", metadata(e.source()));
        return cfg;
    }

    private static Map<String, Object> metadata(ActivationSource src) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("sae_lens_version", WRITTEN_VERSION);
        meta.put("sae_lens_training_version", WRITTEN_VERSION);
        if (src != null) { // SAEMetadata's keys, in the order _set_sae_metadata writes them
            meta.put("model_name", src.model());
            meta.put("hook_name", src.hookName() != null ? src.hookName() : src.output());
            if (src.maxTokens() > 0) {
                meta.put("context_size", src.maxTokens());
            }
            meta.put("prepend_bos", true); // sae4j activations always lets the tokenizer add its special tokens
            if (src.text() != null) {
                meta.put("dataset_path", src.text());
            }
        }
        meta.put("exported_by", "sae4j");
        return meta;
    }

    /** Adds the architecture's own tensors to {@code t} (and keys to {@code cfg}); returns its SAELens name. */
    private static String putArchitecture(Exported e, Map<String, Object> cfg, Map<String, Safetensors.Tensor> t) {
        Sae sae = e.sae();
        SaeConfig c = sae.config();
        ForwardRule rule = sae.rule();
        int n = c.latents();
        if (c.transcoder() != null) {
            String arch = transcoderArchitecture(sae);
            t.put("b_enc", Safetensors.Tensor.of(e.bEnc(), n));
            if (arch.equals("jumprelu_transcoder")) {
                t.put("threshold", Safetensors.Tensor.of(Exported.thresholds(sae), n));
            }
            if (c.skip()) {
                // [d_out, d_in]: out += x @ W_skip.T
                t.put("W_skip", Safetensors.Tensor.of(sae.wSkip(), c.outDim(), c.dim()));
            }
            cfg.put("d_out", (long) c.outDim()); // after metadata, where TranscoderConfig.to_dict puts its own field
            return arch;
        }
        if (rule != null && rule.gated()) {
            float[][] g = rule.gateParameters();
            float[] rMag = new float[n];
            for (int j = 0; j < n; j++) {
                rMag[j] = (float) Math.log(g[1][j]);
            }
            t.put("b_gate", Safetensors.Tensor.of(add(g[0], e.bEnc()), n));
            t.put("r_mag", Safetensors.Tensor.of(rMag, n));
            t.put("b_mag", Safetensors.Tensor.of(g[2], n));
            return "gated";
        }
        t.put("b_enc", Safetensors.Tensor.of(e.bEnc(), n));
        return switch (c.activation()) {
            case RELU -> "standard";
            case TOPK -> {
                cfg.put("k", (long) c.k());
                cfg.put("rescale_acts_by_decoder_norm", false);
                yield "topk";
            }
            case JUMPRELU, BATCHTOPK -> {
                t.put("threshold", Safetensors.Tensor.of(Exported.thresholds(sae), n));
                yield "jumprelu";
            }
            default -> throw new AssertionError(c.activation());
        };
    }

    /** {@code sparsity.safetensors}'s tensor: log10(frequency + 1e-10) per latent. */
    private static Map<String, Safetensors.Tensor> sparsity(double[] frequency, int n) {
        if (frequency.length != n) {
            throw new BadInputException("firing frequencies: " + frequency.length + " latents; expected the"
                    + " model's d_sae " + n);
        }
        float[] log = new float[n];
        for (int j = 0; j < n; j++) {
            log[j] = (float) Math.log10(frequency[j] + 1e-10);
        }
        return Map.of("sparsity", Safetensors.Tensor.of(log, n));
    }

    /**
     * SAELens v6.18's transcoder classes ({@code sae_lens/saes/transcoder.py}, registered in
     * {@code sae_lens/__init__.py}): ReLU {@code transcoder} and {@code skip_transcoder}, JumpReLU
     * {@code jumprelu_transcoder} without a skip path; anything else is refused.
     */
    private static String transcoderArchitecture(Sae sae) {
        SaeConfig c = sae.config();
        ForwardRule rule = sae.rule();
        if (rule != null && (rule.gated() || rule.norm() != ForwardRule.RowNorm.NONE)) {
            throw new BadInputException("export --format saelens: the transcoder has " + rule.origin()
                    + " forward-pass parts SAELens's transcoders cannot express");
        }
        return switch (c.activation()) {
            case RELU -> c.skip() ? "skip_transcoder" : "transcoder";
            case JUMPRELU, BATCHTOPK -> {
                if (c.skip()) {
                    throw new BadInputException("export --format saelens: the model is a " + c.activation().id()
                            + " skip transcoder; SAELens's JumpReLUTranscoder has no W_skip (its skip_transcoder is"
                            + " ReLU)");
                }
                yield "jumprelu_transcoder";
            }
            default -> throw new BadInputException("export --format saelens: the model is a " + c.activation().id()
                    + " transcoder; SAELens's transcoders are relu (transcoder, skip_transcoder) or jumprelu"
                    + " (jumprelu_transcoder)" + (c.outDim() == c.dim() ? " (export it as sparsify)" : ""));
        };
    }

    private static float[] add(float[] a, float[] b) {
        float[] s = a.clone();
        for (int i = 0; i < s.length; i++) {
            s[i] += b[i];
        }
        return s;
    }
}
