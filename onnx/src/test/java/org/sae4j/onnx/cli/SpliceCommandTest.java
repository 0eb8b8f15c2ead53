package org.sae4j.onnx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.io.json.Json;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/** {@code sae4j splice} as a user runs it on the tiny decoder: the JSON fields, and one line + exit 2 for bad input. */
class SpliceCommandTest {
    static final String CACHE = System.getProperty("sae4j.onnx.cacheDir", "target/native-cache");
    static final String HOOK = "/blocks.0/Add_2_output_0";
    static Path dir;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void model() throws Exception {
        dir = Path.of(SpliceCommandTest.class.getResource("/tiny-decoder/tiny-decoder.onnx").toURI()).getParent();
    }

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.addAll(List.of("--cache-dir", CACHE, "--quiet"));
        int code = SpliceCommand.run(a.toArray(String[]::new), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The tiny decoder, its tokenizer and the text, then {@code more}. */
    static String[] args(Path text, Path sae, String... more) {
        List<String> a = new ArrayList<>(List.of("splice", "--onnx", dir.resolve("tiny-decoder.onnx").toString(),
                "--tokenizer", dir.resolve("tokenizer.json").toString(), "--text", text.toString(), "--model",
                sae.toString()));
        a.addAll(Arrays.asList(more));
        return a.toArray(String[]::new);
    }

    static Path sae(Path tmp, int d) throws Exception {
        Path p = tmp.resolve("sae" + d);
        Checkpoint.save(p, Sae.initialize(SaeConfig.topK(d, 4 * d, 4).withSeed(1)), null);
        return p;
    }

    static Path text(Path tmp) throws Exception {
        Path t = tmp.resolve("t.txt");
        Files.writeString(t, "the cat sat on the mat .\nshe saw a big red dog\n\nwe ran to the moon\n");
        return t;
    }

    @Test
    void jsonNamesEveryFigure(@TempDir Path tmp) throws Exception {
        Run r = run(args(text(tmp), sae(tmp, 16), "--output", HOOK, "--json", "--batch", "2"));
        assertThat(r.code()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> j = (Map<String, Object>) Json.parse(r.out().strip());
        assertThat(j).containsEntry("format", "sae4j-splice/1").containsEntry("hook", HOOK)
                .containsEntry("output", "logits").containsEntry("output_kind", "logits")
                .containsEntry("special_tokens", "clean").containsEntry("model_format", "sae4j")
                .containsKeys("onnx_sha256", "documents", "tokens", "spliced_rows", "hook_mse", "hook_relative_l2",
                        "measured_positions", "measures", "ce_loss_score", "kl_score");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> m = (Map<String, Map<String, Object>>) j.get("measures");
        assertThat(m).containsOnlyKeys("ce", "kl");
        assertThat(m.get("ce")).containsOnlyKeys("clean", "sae", "zero", "mean", "recovered_vs_zero",
                "recovered_vs_mean");
        assertThat(((Number) j.get("documents")).longValue()).isEqualTo(3);
        assertThat(((Number) j.get("spliced_rows")).longValue())
                .isEqualTo(((Number) j.get("tokens")).longValue() - 3);

        Run table = run(args(text(tmp), sae(tmp, 16), "--output", HOOK, "--splice-special"));
        assertThat(table.code()).as(table.err()).isZero();
        assertThat(table.out()).contains("special tokens spliced too", "rec(zero)", "CE-loss score");
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path tmp) throws Exception {
        Path text = text(tmp);
        Path sae16 = sae(tmp, 16);
        expectBad(run(args(text, sae(tmp, 8), "--output", HOOK)), "has width 16 but the SAE's dim is 8");
        expectBad(run(args(text, sae16, "--output", "/blocks.0/nope")), "has no tensor named '/blocks.0/nope'");
        expectBad(run(args(text, sae16, "--output", "input_ids")), "is a graph input");
        expectBad(run(args(text, sae16, "--output", HOOK, "--measure", "/Shape_output_0")),
                "expected [batch, sequence, width]");
        // activations of another output than the hook: an SAE trained elsewhere
        Path acts = tmp.resolve("acts");
        Files.createDirectories(acts);
        Files.writeString(acts.resolve("activations.json"), Json.write(Map.of("outputs",
                List.of(Map.of("name", "/blocks.1/Add_2_output_0")))));
        expectBad(run(args(text, sae16, "--output", HOOK, "--activations", acts.toString())),
                "an SAE trained on another output");
    }

    /** A sae4j model that records its tensor splices there without --output, and refuses another one. */
    @Test
    void theModelsRecordedTensorIsTheDefaultHook(@TempDir Path tmp) throws Exception {
        Path text = text(tmp);
        Path sae = sae(tmp, 16);
        expectBad(run(args(text, sae)), "splice: --output HOOK is required (" + sae + " does not record the tensor");
        Path cfg = sae.resolve(Checkpoint.CONFIG);
        Map<String, Object> c = Json.readObject(cfg);
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(dir.resolve("tiny-decoder.onnx"))));
        c.put("activations", Map.of("model", "tiny-decoder.onnx", "model_sha256", sha, "output", HOOK));
        Files.writeString(cfg, Json.write(c));
        Run r = run(args(text, sae, "--json"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Json.readObject(writeTo(tmp, r.out()))).containsEntry("hook", HOOK);
        expectBad(run(args(text, sae, "--output", "blocks.1.hook_resid_post")), "splice --output"
                + " /blocks.1/Add_2_output_0: activations of output '/blocks.1/Add_2_output_0'"
                + " (blocks.1.hook_resid_post) of ");
        // Either name of the recorded tensor is the same hook.
        Run same = run(args(text, sae, "--output", "blocks.0.hook_resid_post", "--json"));
        assertThat(same.code()).as(same.err()).isZero();
        expectBad(run(args(text, sae, "--output", "/blocks.1/Add_2_output_0")), "was trained on output '" + HOOK
                + "' of tiny-decoder.onnx; expected rows of the same tensor (--force to splice there anyway)");
    }

    private static Path writeTo(Path tmp, String json) throws Exception {
        Path p = tmp.resolve("out.json");
        Files.writeString(p, json);
        return p;
    }

    private static void expectBad(Run r, String fragment) {
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip()).contains(fragment).doesNotContain("\n");
    }
}
