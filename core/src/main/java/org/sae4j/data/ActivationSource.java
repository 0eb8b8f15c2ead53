package org.sae4j.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.sae4j.BadInputException;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;

/**
 * Where a set of activations came from: the facts {@code sae4j activations} records in {@value #INFO} for one of its
 * output directories. {@code train} copies them into the model's {@code cfg.json} (key {@value #CFG_KEY}), so later
 * commands can refuse rows of another tensor or another model, and exports can name the hook.
 *
 * @param model           the ONNX model as given ({@code builtin:all-minilm-l6-v2} or a path)
 * @param modelSha256     its file's sha256 (null when not recorded)
 * @param output          the graph tensor the rows are (e.g. {@code last_hidden_state})
 * @param hookName        its TransformerLens-style name ({@code blocks.2.hook_resid_post}), null when it has none
 * @param tokenizer       the tokenizer as given (null when not recorded)
 * @param tokenizerSha256 its file's sha256 (null when not recorded)
 * @param maxTokens       tokens per document or window (0 when not recorded)
 * @param keepSpecial     whether [CLS]/[SEP] rows were kept
 * @param text            the text file the activations were extracted from (null when not recorded)
 * @param textSha256      its sha256 (null when not recorded: older extractions)
 */
public record ActivationSource(String model, String modelSha256, String output, String hookName, String tokenizer,
                               String tokenizerSha256, long maxTokens, boolean keepSpecial, String text,
                               String textSha256) {
    /** The file {@code sae4j activations} writes beside its output directories. */
    public static final String INFO = "activations.json";
    /** The key of these facts in a model's {@code cfg.json}. */
    public static final String CFG_KEY = "activations";

    public ActivationSource {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(output, "output");
    }

    /**
     * The source of the rows at {@code data}: a shard directory (or one .npy file in it) that an {@code activations}
     * run wrote, found by its entry in the parent's {@value #INFO}; null for any other .npy data.
     */
    public static ActivationSource of(Path data) throws IOException {
        Path p = data.toAbsolutePath().normalize();
        Path dir = Files.isDirectory(p) ? p : p.getParent();
        if (dir == null || dir.getParent() == null) {
            return null;
        }
        Path info = dir.getParent().resolve(INFO);
        if (!Files.isRegularFile(info)) {
            return null;
        }
        Map<String, Object> m = Json.readObject(info);
        if (!(m.get("outputs") instanceof List<?> outs)) {
            return null;
        }
        String name = dir.getFileName().toString();
        for (Object o : outs) {
            if (o instanceof Map<?, ?> om && name.equals(om.get("directory")) && om.get("name") instanceof String out
                    && m.get("model") instanceof String model) {
                return new ActivationSource(model, string(m, "model_sha256"), out, string(om, "hook_name"),
                        string(m, "tokenizer"),
                        string(m, "tokenizer_sha256"), m.get("max_tokens") instanceof Long l ? l : 0,
                        Boolean.TRUE.equals(m.get("keep_special")), string(m, "text"), string(m, "text_sha256"));
            }
        }
        return null;
    }

    private static String string(Map<?, ?> m, String key) {
        return m.get(key) instanceof String s ? s : null;
    }

    /** The {@value #CFG_KEY} object of cfg.json (absent facts left out). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        putIfSet(m, "model_sha256", modelSha256);
        m.put("output", output);
        putIfSet(m, "hook_name", hookName);
        putIfSet(m, "tokenizer", tokenizer);
        putIfSet(m, "tokenizer_sha256", tokenizerSha256);
        if (maxTokens > 0) {
            m.put("max_tokens", maxTokens);
        }
        m.put("keep_special", keepSpecial);
        putIfSet(m, "text", text);
        putIfSet(m, "text_sha256", textSha256);
        return m;
    }

    private static void putIfSet(Map<String, Object> m, String key, String v) {
        if (v != null) {
            m.put(key, v);
        }
    }

    /** What a sae4j model folder's {@code cfg.json} says it was trained on (null: no such file, or not recorded). */
    public static ActivationSource ofModel(Path modelDir) throws IOException {
        Path cfg = modelDir.resolve("cfg.json");
        return Files.isRegularFile(cfg) ? fromConfig(Json.readObject(cfg), cfg.toString()) : null;
    }

    /** The {@value #CFG_KEY} object of {@code src}'s cfg.json, or null when absent. */
    public static ActivationSource fromConfig(Map<String, Object> cfg, String src) {
        if (!cfg.containsKey(CFG_KEY)) {
            return null;
        }
        JsonFields f = new JsonFields(new JsonFields(cfg, src + ":").requireObjectMap(CFG_KEY),
                src + ": field " + CFG_KEY + ":");
        Map<?, ?> m = f.map();
        return new ActivationSource(f.require("model", String.class, "the ONNX model"), string(m, "model_sha256"),
                f.require("output", String.class, "the graph output the rows were taken from"),
                string(m, "hook_name"), string(m, "tokenizer"), string(m, "tokenizer_sha256"), f.optionalLong("max_tokens", 0),
                f.optionalBoolean("keep_special", false), string(m, "text"), string(m, "text_sha256"));
    }

    /** Same tensor of the same model: the only rows a model trained on {@code this} reads as it was trained. */
    public boolean sameTensor(ActivationSource o) {
        boolean sameModel = modelSha256 != null && o.modelSha256 != null ? modelSha256.equals(o.modelSha256)
                : model.equals(o.model);
        return sameModel && output.equals(o.output);
    }

    /** {@code output 'X' of M} for messages. */
    public String describe() {
        return "output '" + output + "'" + (hookName == null ? "" : " (" + hookName + ")") + " of " + model;
    }

    /**
     * Refuses rows from another tensor than expected: {@code what} names the data option and path, {@code expected}
     * says whose tensor it should be ("model run1 was trained on"), {@code override} how to go on anyway (or null).
     * Nothing to check when either side is unknown.
     */
    public static void check(ActivationSource want, ActivationSource data, String what, String expected,
            String override) {
        if (want == null || data == null || want.sameTensor(data)) {
            return;
        }
        throw new BadInputException(what + ": activations of " + data.describe() + ", but " + expected + " "
                + want.describe() + "; expected rows of the same tensor" + (override == null ? "" : " (" + override
                + ")"));
    }
}
