package org.sae4j.onnx.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.NpyDataset;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyFile;

/** The command as a user runs it: output files, counts, --list-outputs, and one line + exit 2 for bad input. */
class ActivationsCommandTest {
    static final String CACHE = System.getProperty("sae4j.onnx.cacheDir", "target/native-cache");
    static final String BUILTIN = "builtin:all-minilm-l6-v2";

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        List<String> a = new ArrayList<>(Arrays.asList(args));
        a.add("--cache-dir");
        a.add(CACHE);
        int code = ActivationsCommand.run(a.toArray(String[]::new), new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(e, true, StandardCharsets.UTF_8));
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    static String longText(int words) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < words; i++) sb.append(i % 2 == 0 ? "river " : "stone ");
        return sb.toString().strip();
    }

    @Test
    void truncationAndSpecialTokensOnCraftedTexts(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        // document 0: 40 words (truncated at 16 tokens), 1: empty, 2: two words, 3: whitespace only
        Files.writeString(text, longText(40) + "\n\nriver stone\n   \n");
        Path out = tmp.resolve("acts");
        Run r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--max-tokens", "16",
                "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("2 documents (2 empty lines skipped, 1 truncated to 16 tokens)");
        List<String[]> tsv = tsv(out.resolve("tokens.tsv"));
        // 14 word rows of document 0 (16 minus [CLS] and [SEP]), then 2 of document 2
        assertThat(tsv).hasSize(16);
        for (int i = 0; i < 14; i++) {
            assertThat(tsv.get(i)).containsExactly(Integer.toString(i), "0", Integer.toString(i + 1),
                    i % 2 == 0 ? "river" : "stone");
        }
        assertThat(tsv.get(14)).containsExactly("14", "2", "1", "river");
        assertThat(tsv.get(15)).containsExactly("15", "2", "2", "stone");
        assertCountsAgree(out, 16);

        Path kept = tmp.resolve("kept");
        r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", kept.toString(), "--max-tokens", "16",
                "--keep-special", "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        tsv = tsv(kept.resolve("tokens.tsv"));
        assertThat(tsv).hasSize(16 + 4);
        assertThat(tsv.get(0)).containsExactly("0", "0", "0", "[CLS]");
        assertThat(tsv.get(15)).containsExactly("15", "0", "15", "[SEP]"); // truncation keeps the closing [SEP]
        assertThat(tsv.get(16)).containsExactly("16", "2", "0", "[CLS]");
        assertThat(tsv.get(19)).containsExactly("19", "2", "3", "[SEP]");
        assertCountsAgree(kept, 20);
    }

    @Test
    void windowsInsteadOfTruncation(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, longText(40) + "\nriver stone\n"); // 40 words: 42 tokens with [CLS] and [SEP]
        Path out = tmp.resolve("acts");
        Run r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--window", "16",
                "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        // 14 content tokens per window: 40 words need 3 windows, the short document 1
        assertThat(r.out()).contains("2 documents (0 empty lines skipped, 4 windows of up to 16 tokens)");
        assertThat(Files.readAllLines(out.resolve("tokens.tsv")).get(0))
                .isEqualTo("row\tdocument\twindow\tposition\ttoken");
        List<String[]> tsv = tsv(out.resolve("tokens.tsv"));
        assertThat(tsv).hasSize(42);
        assertThat(tsv.get(0)).containsExactly("0", "0", "0", "1", "river");
        assertThat(tsv.get(13)).containsExactly("13", "0", "0", "14", "stone");
        assertThat(tsv.get(14)).containsExactly("14", "0", "1", "1", "river"); // window 1, after its [CLS]
        assertThat(tsv.get(39)).containsExactly("39", "0", "2", "12", "stone");
        assertThat(tsv.get(40)).containsExactly("40", "1", "0", "1", "river");
        assertCountsAgree(out, 42);

        // --stride without --window, and a stride beyond what a window holds: one line, exit 2, nothing written
        r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", tmp.resolve("x").toString(), "--stride", "4");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("sae4j: activations --stride 4: expected >= 1, with --window");
        r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", tmp.resolve("y").toString(), "--window", "16",
                "--stride", "15");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("sae4j: " + text + " line 1: --stride 15 skips tokens: each window holds 14"
                + " content tokens beside its 2 special ones; expected --stride <= 14");
        assertThat(Files.exists(tmp.resolve("x"))).isFalse();
        assertThat(Files.exists(tmp.resolve("y"))).isFalse();
    }

    /** --output takes TransformerLens's name for the residual stream; activations.json records both names. */
    @Test
    void aHookNameExtractsItsTensor(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "river stone\n");
        Path out = tmp.resolve("acts");
        Run r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--output",
                "blocks.2.hook_resid_post", "--quiet");
        assertThat(r.code()).as(r.err()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> o = ((List<Map<String, Object>>) Json.readObject(out.resolve("activations.json"))
                .get("outputs")).get(0);
        assertThat(o).containsEntry("name", "/encoder/layer.2/output/LayerNorm/Add_1_output_0")
                .containsEntry("hook_name", "blocks.2.hook_resid_post")
                .containsEntry("directory", "encoder_layer.2_output_LayerNorm_Add_1_output_0");
        Run bad = run("--onnx", BUILTIN, "--text", text.toString(), "--out", tmp.resolve("b").toString(),
                "--output", "blocks.9.hook_resid_post", "--quiet");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err().strip()).contains("no block 9 for 'blocks.9.hook_resid_post'; expected blocks.0 to"
                + " blocks.5.hook_resid_post").doesNotContain("\n");
        assertThat(Files.exists(tmp.resolve("b"))).isFalse();
    }

    /** Shards, tokens.tsv and activations.json agree on the row count; the model's sha256 is the resource's. */
    private static void assertCountsAgree(Path out, long rows) throws Exception {
        Map<String, Object> json = Json.readObject(out.resolve("activations.json"));
        assertThat(json.get("rows")).isEqualTo(rows);
        byte[] model;
        try (InputStream in = ActivationsCommandTest.class.getClassLoader()
                .getResourceAsStream("all-minilm-l6-v2.onnx")) {
            model = in.readAllBytes();
        }
        assertThat(json.get("model_sha256")).isEqualTo(java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(model)));
        // The text is named by its sha256 too, so a model trained on these rows can say exactly what it read.
        assertThat(json.get("text_sha256")).isEqualTo(java.util.HexFormat.of().formatHex(java.security.MessageDigest
                .getInstance("SHA-256").digest(Files.readAllBytes(Path.of((String) json.get("text"))))));
        @SuppressWarnings("unchecked")
        Map<String, Object> o = ((List<Map<String, Object>>) json.get("outputs")).get(0);
        assertThat(o.get("shape")).isEqualTo(List.of(rows, 384L));
        long shardRows = 0;
        try (Stream<Path> s = Files.list(out.resolve((String) o.get("directory")))) {
            for (Path p : s.toList()) {
                try (NpyFile f = NpyFile.open(p)) {
                    shardRows += f.rows();
                }
            }
        }
        assertThat(shardRows).isEqualTo(rows);
        assertThat(NpyDataset.open(out.resolve((String) o.get("directory"))).rows()).isEqualTo(rows);
        assertThat(Files.readAllLines(out.resolve("tokens.tsv"))).hasSize((int) rows + 1);
    }

    private static List<String[]> tsv(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        assertThat(lines.get(0)).isIn("row\tdocument\tposition\ttoken", "row\tdocument\twindow\tposition\ttoken");
        return lines.subList(1, lines.size()).stream().map(l -> l.split("\t", -1)).toList();
    }

    @Test
    void listOutputsShowsEveryBlockWithItsWidth() {
        Run r = run("--onnx", BUILTIN, "--list-outputs");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("last_hidden_state\t[batch, sequence, 384]\tgraph output");
        for (int layer = 0; layer < 5; layer++) {
            assertThat(r.out()).contains("/encoder/layer." + layer + "/output/LayerNorm/Add_1_output_0\t"
                    + "[batch, sequence, 384]\tAdd\tblocks." + layer + ".hook_resid_post");
            assertThat(r.out()).contains("# block " + layer + " (/encoder/layer." + layer + "/)");
        }
        assertThat(r.out()).contains("/encoder/layer.3/intermediate/dense/Add_output_0\t[batch, sequence, 1536]");
        // attention scores are [batch, heads, seq, seq]: not one row per token
        assertThat(r.out()).doesNotContain("Softmax_output_0");
    }

    @Test
    void badInputGetsOneLineAndExitTwoAndLeavesNothing(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "hello world\n");
        Path out = tmp.resolve("acts");
        Path garbled = tmp.resolve("garbled.onnx");
        Files.writeString(garbled, "this is not a model\n".repeat(50));
        Path truncated = tmp.resolve("truncated.onnx");
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2.onnx")) {
            Files.write(truncated, in.readNBytes(1 << 20));
        }
        Path tok;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("all-minilm-l6-v2-tokenizer.json")) {
            tok = tmp.resolve("tokenizer.json");
            Files.write(tok, in.readAllBytes());
        }
        Path badTok = tmp.resolve("bad-tokenizer.json");
        Files.writeString(badTok, "{\"model\": 42");
        // A valid tokenizer whose ids (40000+) lie beyond the model's 30522-word vocabulary.
        Path alienTok = tmp.resolve("alien-tokenizer.json");
        Files.writeString(alienTok, """
                {"version": "1.0", "truncation": null, "padding": null, "added_tokens": [], "normalizer": null,
                 "pre_tokenizer": {"type": "Whitespace"}, "post_processor": null, "decoder": null,
                 "model": {"type": "WordLevel", "vocab": {"[UNK]": 40002, "hello": 40000, "world": 40001},
                           "unk_token": "[UNK]"}}
                """);
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "\n  \n\n");
        Path notUtf8 = tmp.resolve("latin1.txt");
        Files.write(notUtf8, new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xe9, '\n'});
        Path existing = tmp.resolve("existing");
        Files.createDirectory(existing);

        String t = text.toString();
        String o = out.toString();
        Object[][] cases = {
            {new String[] {"--onnx", tmp.resolve("missing.onnx").toString(), "--tokenizer", tok.toString(),
                "--text", t, "--out", o}, "missing.onnx: no such file"},
            {new String[] {"--onnx", garbled.toString(), "--tokenizer", tok.toString(), "--text", t, "--out", o},
                "garbled.onnx: not an ONNX model"},
            {new String[] {"--onnx", truncated.toString(), "--tokenizer", tok.toString(), "--text", t, "--out", o},
                "truncated.onnx: not an ONNX model"},
            {new String[] {"--onnx", BUILTIN, "--output", "/encoder/layer.9/output", "--text", t, "--out", o},
                "has no tensor named '/encoder/layer.9/output'"},
            {new String[] {"--onnx", BUILTIN, "--tokenizer", badTok.toString(), "--text", t, "--out", o},
                "bad-tokenizer.json: not a Hugging Face tokenizer.json"},
            {new String[] {"--onnx", BUILTIN, "--tokenizer", alienTok.toString(), "--text", t, "--out", o},
                "expected a tokenizer that fits the model"},
            {new String[] {"--onnx", BUILTIN, "--text", empty.toString(), "--out", o},
                "empty.txt: no text (3 lines, all empty)"},
            {new String[] {"--onnx", BUILTIN, "--text", notUtf8.toString(), "--out", o},
                "latin1.txt line 2: bytes that are not UTF-8"},
            {new String[] {"--onnx", BUILTIN, "--text", tmp.resolve("nope.txt").toString(), "--out", o},
                "nope.txt: no such file"},
            {new String[] {"--onnx", BUILTIN, "--text", t, "--out", existing.toString()},
                "existing: already exists"},
            {new String[] {"--onnx", BUILTIN, "--text", t, "--out", o, "--batch", "0"}, "--batch 0: expected >= 1"},
            {new String[] {"--onnx", BUILTIN, "--text", t, "--out", o, "--bogus"}, "unknown option '--bogus'"},
            {new String[] {"--onnx", "builtin:gpt-9", "--text", t, "--out", o}, "unknown built-in model"},
        };
        for (Object[] c : cases) {
            Run r = run((String[]) c[0]);
            assertThat(r.code()).as("%s -> %s", Arrays.toString((String[]) c[0]), r.err()).isEqualTo(2);
            assertThat(r.err()).as(Arrays.toString((String[]) c[0])).startsWith("sae4j: ").contains((String) c[1])
                    .endsWith("\n");
            assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
            assertThat(out).doesNotExist();
            try (Stream<Path> s = Files.list(tmp)) {
                assertThat(s.map(p -> p.getFileName().toString())).as("no temp directory left behind")
                        .noneMatch(n -> n.startsWith(".acts"));
            }
        }
        assertThat(existing).isEmptyDirectory();
    }

    @Test
    void forceReplacesAnExistingDirectoryWhole(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "first text\n");
        Path out = tmp.resolve("acts");
        assertThat(run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--quiet").code())
                .isZero();
        Files.writeString(text, "a second, longer text\n");
        assertThat(run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--quiet",
                "--force").code()).isZero();
        assertThat(Files.readString(out.resolve("tokens.tsv"))).contains("second").doesNotContain("first");
        try (Stream<Path> s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
    }

    @Test
    void forceRefusesAFolderThatIsNotAnActivationsOutput(@TempDir Path tmp) throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "some text\n");
        Path out = tmp.resolve("acts");
        Files.createDirectories(out);
        Files.writeString(out.resolve("notes.txt"), "mine");
        Run r = run("--onnx", BUILTIN, "--text", text.toString(), "--out", out.toString(), "--quiet", "--force");
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith("sae4j: ").contains("acts: exists and holds no activations.json");
        assertThat(r.err().strip().lines().count()).as(r.err()).isEqualTo(1);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");
    }
}
