package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.io.json.Json;

/**
 * The downstream figures of {@code sae4j splice --json} (the optional onnx module) as {@code features --splice}
 * carries them into {@code features.json} and the page: read and checked here, so core needs no ONNX.
 */
final class SpliceFigures {
    static final String FORMAT = "sae4j-splice/1";
    /** The keys kept: what the page and a reader of features.json need to know what was spliced where. */
    private static final List<String> KEPT = List.of("hook", "output", "output_kind", "onnx", "text", "documents",
            "spliced_rows", "special_tokens", "hook_relative_l2", "measures", "ce_loss_score", "kl_score");

    private SpliceFigures() {
    }

    static Map<String, Object> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": no such file (--splice); expected the output of 'sae4j splice"
                    + " --json'");
        }
        Map<String, Object> m = Json.readObject(file);
        if (!FORMAT.equals(m.get("format"))) {
            throw new BadInputException(file + ": format " + Json.write(m.get("format")) + "; expected \"" + FORMAT
                    + "\" (the output of 'sae4j splice --json')");
        }
        if (!(m.get("measures") instanceof Map<?, ?> measures) || measures.isEmpty()) {
            throw new BadInputException(file + ": no \"measures\" object; expected the output of 'sae4j splice"
                    + " --json'");
        }
        Map<String, Object> kept = new LinkedHashMap<>();
        kept.put("file", file.toString());
        for (String k : KEPT) {
            if (m.containsKey(k)) {
                kept.put(k, m.get(k));
            }
        }
        return kept;
    }

    /** One line for the command's summary: each measure's SAE value and recovered fraction against zeros. */
    static String line(Map<String, Object> splice) {
        StringBuilder b = new StringBuilder("splice at " + splice.get("hook") + ":");
        if (splice.get("measures") instanceof Map<?, ?> ms) {
            for (Map.Entry<?, ?> e : ms.entrySet()) {
                if (e.getValue() instanceof Map<?, ?> v) {
                    b.append(' ').append(e.getKey()).append(' ').append(num(v.get("sae")))
                            .append(" (recovered ").append(num(v.get("recovered_vs_zero"))).append(" vs zero, ")
                            .append(num(v.get("recovered_vs_mean"))).append(" vs mean)");
                }
            }
        }
        return b.toString();
    }

    private static String num(Object v) {
        return v instanceof Number n ? String.format(Locale.ROOT, "%.4f", n.doubleValue()) : "n/a";
    }
}
