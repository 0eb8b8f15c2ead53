package org.sae4j.train.checkpoint;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.io.json.JsonFields;
import org.sae4j.model.Activation;
import org.sae4j.model.Matryoshka;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;

/** {@value Checkpoint#CONFIG} both ways: the {@link SaeConfig} fields, BatchTopK's threshold, the standardizer. */
final class CheckpointConfig {
    static final String FORMAT = "sae4j";
    static final long FORMAT_VERSION = 1;

    private CheckpointConfig() {}

    /** The architecture fields of cfg.json (also what {@code inspect} shows). */
    public static Map<String, Object> saeConfigJson(SaeConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dim", (long) c.dim());
        m.put("latents", (long) c.latents());
        m.put("activation", c.activation().id());
        m.put("k", (long) c.k());
        m.put("unit_norm_decoder", c.unitNormDecoder());
        m.put("pre_encoder_bias", c.preEncoderBias());
        m.put("jumprelu_bandwidth", c.jumpReluBandwidth());
        m.put("jumprelu_init_threshold", c.jumpReluInitThreshold());
        m.put("seed", c.seed());
        if (c.matryoshka() != null) {
            m.put("matryoshka_widths", c.matryoshka().widths().stream().map(Long::valueOf).toList());
            m.put("matryoshka_loss", c.matryoshka().loss().id());
        }
        if (c.transcoder() != null) {
            m.put("transcoder_d_out", (long) c.outDim());
            m.put("transcoder_skip", c.skip());
        }
        return m;
    }

    static Map<String, Object> configJson(Sae sae, Standardizer standardizer, ActivationSource source) {
        SaeConfig c = sae.config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format_version", FORMAT_VERSION);
        m.putAll(saeConfigJson(c));
        if (c.activation() == Activation.BATCHTOPK) {
            // BatchTopK's inference threshold is learned (a running mean over training batches): part of the model.
            m.put("batchtopk_threshold", sae.batchTopKThreshold());
        }
        if (standardizer != null && standardizer.mode() != Standardizer.Mode.NONE) {
            m.put("standardizer", standardizer.toJson());
        }
        if (source != null) {
            m.put(ActivationSource.CFG_KEY, source.toJson());
        }
        return m;
    }

    static SaeConfig parseConfig(Map<String, Object> m, String src) {
        Object format = m.get("format");
        if (format != null && !FORMAT.equals(format)) {
            throw new JsonFields(m, src + ":").fail("format", String.valueOf(format), "\"" + FORMAT + "\"");
        }
        Object version = m.get("format_version");
        if (version != null && !(version instanceof Long v && v == FORMAT_VERSION)) {
            throw new BadInputException(src + ": field format_version is " + version + "; expected "
                    + FORMAT_VERSION + " (written by a newer sae4j?)");
        }
        JsonFields f = new JsonFields(m, src + ":");
        int dim = f.requirePositiveInt("dim");
        int latents = f.requirePositiveInt("latents");
        String as = f.require("activation", String.class, "\"topk\", \"relu\" or \"jumprelu\"");
        Activation a;
        try {
            a = Activation.parse(as);
        } catch (BadInputException e) {
            throw new BadInputException(src + ": field " + e.getMessage(), e);
        }
        int k = f.optionalPositiveInt("k", 1);
        boolean unit = f.optionalBoolean("unit_norm_decoder", true);
        boolean pre = f.optionalBoolean("pre_encoder_bias", false);
        double bw = f.optionalDouble("jumprelu_bandwidth", 1e-3);
        double th = f.optionalDouble("jumprelu_init_threshold", 1e-3);
        long seed = f.optionalLong("seed", 0);
        Matryoshka nesting = null;
        if (f.has("matryoshka_widths")) {
            long[] w = f.requireLongs("matryoshka_widths", -1, 1, latents, "prefix widths");
            java.util.List<Integer> widths = new java.util.ArrayList<>();
            for (long v : w) {
                widths.add((int) v);
            }
            String loss = f.optionalString("matryoshka_loss", Matryoshka.Loss.SUM.id());
            try {
                nesting = new Matryoshka(widths, Matryoshka.Loss.parse(loss));
            } catch (BadInputException e) {
                throw new BadInputException(src + ": " + e.getMessage(), e);
            }
        }
        org.sae4j.model.Transcoding out = null;
        if (f.has("transcoder_d_out")) {
            out = new org.sae4j.model.Transcoding(f.requirePositiveInt("transcoder_d_out"),
                    f.optionalBoolean("transcoder_skip", false));
        } else if (f.has("transcoder_skip")) {
            throw new BadInputException(src + ": field transcoder_skip without transcoder_d_out; expected both or"
                    + " neither");
        }
        try {
            return new SaeConfig(dim, latents, a, k, unit, pre, bw, th, seed, nesting, out);
        } catch (BadInputException e) {
            throw new BadInputException(src + ": " + e.getMessage(), e);
        }
    }

    /** The input standardisation of {@value Checkpoint#CONFIG}, or null when inputs are used as given. */
    static Standardizer parseStandardizer(Map<String, Object> cj, Path cfgFile, SaeConfig c) {
        if (!cj.containsKey("standardizer")) {
            return null;
        }
        Standardizer std = Standardizer.fromJson(new JsonFields(cj, cfgFile + ":").requireObjectMap("standardizer"),
                cfgFile.toString());
        if (std.dim() != c.dim()) {
            throw new BadInputException(cfgFile + ": standardizer dim " + std.dim() + "; expected dim " + c.dim());
        }
        return std;
    }

    /** BatchTopK's learned inference threshold into {@code sae} (other activations have none). */
    static void readBatchTopKThreshold(Map<String, Object> cj, Path cfgFile, Sae sae) {
        if (sae.config().activation() == Activation.BATCHTOPK) {
            double th = new JsonFields(cj, cfgFile + ":").requireDouble("batchtopk_threshold");
            try {
                sae.setBatchTopKThreshold((float) th);
            } catch (BadInputException e) {
                throw new BadInputException(cfgFile + ": field " + e.getMessage(), e);
            }
        }
    }
}
