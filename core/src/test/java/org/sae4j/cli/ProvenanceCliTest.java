package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.ActivationSource;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * A model knows what it was trained on: {@code train} copies the activations' record into cfg.json, and eval,
 * encode, features and export use it (issue 28).
 */
class ProvenanceCliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();
    private static final int D = 8;
    private static final int ROWS = 256;
    private Path block;
    private Path last;

    /** An {@code activations} output as that command lays it out: two tensors of one extraction. */
    @BeforeEach
    void activations() throws IOException {
        Path acts = dir.resolve("acts");
        block = acts.resolve("encoder_layer.2_out");
        last = acts.resolve("last_hidden_state");
        Files.createDirectories(block);
        Files.createDirectories(last);
        NpyWriter.writeF32(block.resolve("shard_00000.npy"),
                PlantedDictionary.random(D, 16, 1).sample(ROWS, 2, 0.05, null, 2), ROWS, D);
        NpyWriter.writeF32(last.resolve("shard_00000.npy"),
                PlantedDictionary.random(D, 16, 7).sample(ROWS, 2, 0.05, null, 3), ROWS, D);
        Files.writeString(acts.resolve(ActivationSource.INFO), """
                {"format": "sae4j-activations/1", "model": "builtin:all-minilm-l6-v2", "model_sha256": "abc123",
                 "tokenizer": "builtin:all-minilm-l6-v2/tokenizer.json", "tokenizer_sha256": "def456",
                 "text": "/corpus/train.txt", "text_sha256": "0f0f", "max_tokens": 128, "keep_special": false,
                 "outputs": [{"name": "/encoder/layer.2/output/LayerNorm/Add_1_output_0",
                              "directory": "encoder_layer.2_out", "hook_name": "blocks.2.hook_resid_post"},
                             {"name": "last_hidden_state", "directory": "last_hidden_state"}]}
                """);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String p(String name) {
        return dir.resolve(name).toString();
    }

    private void assertBadInput(int code, String... fragments) {
        assertThat(code).as(cli.stderr()).isEqualTo(2);
        assertThat(cli.stderr().lines()).hasSize(1);
        for (String f : fragments) {
            assertThat(cli.stderr()).contains(f);
        }
    }

    private int train(String out, Path data, String... more) {
        String[] base = {"train", "--data", data.toString(), "--latents", "32", "--k", "3", "--batch", "32",
                "--steps", "4", "--threads", "1", "--out", out, "--quiet"};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return run(all);
    }

    @Test
    void trainRecordsTheSourceAndItTravelsThroughResumeAndInit() throws IOException {
        assertThat(train(p("m"), block)).as(cli.stderr()).isZero();
        ActivationSource s = Checkpoint.load(dir.resolve("m")).source();
        assertThat(s).isNotNull();
        assertThat(s.output()).isEqualTo("/encoder/layer.2/output/LayerNorm/Add_1_output_0");
        assertThat(s.modelSha256()).isEqualTo("abc123");
        assertThat(s.textSha256()).isEqualTo("0f0f");
        assertThat(s.maxTokens()).isEqualTo(128);
        Map<String, Object> cfg = Json.readObject(dir.resolve("m").resolve(Checkpoint.CONFIG));
        assertThat(cfg).containsKey(ActivationSource.CFG_KEY);

        // Resume with more steps keeps it; --init on a plain copy of the rows keeps the model's.
        assertThat(run("train", "--resume", p("m"), "--data", block.toString(), "--steps", "6", "--quiet",
                "--threads", "1")).as(cli.stderr())
                .isZero();
        assertThat(Checkpoint.load(dir.resolve("m")).source()).isEqualTo(s);
        Path copy = dir.resolve("copy.npy");
        Files.copy(block.resolve("shard_00000.npy"), copy);
        assertThat(run("train", "--data", copy.toString(), "--init", p("m"), "--steps", "2", "--batch", "32",
                "--out", p("m2"), "--quiet", "--threads", "1")).as(cli.stderr()).isZero();
        assertThat(Checkpoint.load(dir.resolve("m2")).source()).isEqualTo(s);

        // A resume on the other tensor's rows, or held-out rows of another tensor, is refused.
        assertBadInput(run("train", "--resume", p("m"), "--data", last.toString(), "--steps", "8", "--quiet"),
                "train --data " + last, "activations of output 'last_hidden_state'", "trains on output"
                        + " '/encoder/layer.2/output/LayerNorm/Add_1_output_0' (blocks.2.hook_resid_post)");
        assertBadInput(train(p("m3"), block, "--eval-data", last.toString()), "train --eval-data " + last,
                "the training rows are output '/encoder/layer.2/output/LayerNorm/Add_1_output_0'"
                        + " (blocks.2.hook_resid_post)");
        assertThat(Files.exists(dir.resolve("m3"))).isFalse();

        // inspect says it.
        assertThat(run("inspect", "--model", p("m"))).isZero();
        assertThat(cli.stdout()).contains("trained on output '/encoder/layer.2/output/LayerNorm/Add_1_output_0'"
                + " (blocks.2.hook_resid_post) of builtin:all-minilm-l6-v2, text /corpus/train.txt");
    }

    @Test
    void evalEncodeAndFeaturesRefuseAnotherTensorUnlessForced() throws IOException {
        assertThat(train(p("m"), block)).as(cli.stderr()).isZero();
        String want = "model " + p("m") + " was trained on output '/encoder/layer.2/output/LayerNorm/Add_1_output_0'"
                + " (blocks.2.hook_resid_post) of builtin:all-minilm-l6-v2; expected rows of the same tensor (--force to use them anyway)";
        assertBadInput(run("eval", "--model", p("m"), "--data", last.toString()),
                "eval --data " + last + ": activations of output 'last_hidden_state' of builtin:all-minilm-l6-v2, but "
                        + want);
        assertBadInput(run("encode", "--model", p("m"), "--data", last.toString(), "--out", p("codes")),
                "encode --data " + last, want);
        assertThat(Files.exists(dir.resolve("codes.indices.npy"))).isFalse();
        assertBadInput(run("features", "--model", p("m"), "--data", last.toString(), "--out", p("f")),
                "features --data " + last, want);
        assertThat(Files.exists(dir.resolve("f"))).isFalse();

        assertThat(run("eval", "--model", p("m"), "--data", block.toString())).as(cli.stderr()).isZero();
        assertThat(run("eval", "--model", p("m"), "--data", last.toString(), "--force")).as(cli.stderr()).isZero();
        assertThat(run("encode", "--model", p("m"), "--data", last.toString(), "--out", p("codes"), "--force"))
                .as(cli.stderr()).isZero();
        // Rows with no record (a bare .npy) cannot be checked and are used as given.
        Path bare = dir.resolve("bare.npy");
        Files.copy(last.resolve("shard_00000.npy"), bare);
        assertThat(run("eval", "--model", p("m"), "--data", bare.toString())).as(cli.stderr()).isZero();
    }

    @Test
    void exportNamesTheHookAndRefusesAnotherModelsStatistics() throws IOException {
        assertThat(train(p("m"), block)).as(cli.stderr()).isZero();
        assertThat(train(p("other"), block, "--seed", "5")).as(cli.stderr()).isZero();
        assertThat(run("features", "--model", p("other"), "--data", block.toString(), "--out", p("f-other")))
                .as(cli.stderr()).isZero();
        assertThat(run("features", "--model", p("m"), "--data", block.toString(), "--out", p("f"))).as(cli.stderr())
                .isZero();

        assertBadInput(run("export", "--model", p("m"), "--format", "saelens", "--out", p("x"), "--features",
                p("f-other")), p("f-other") + ": feature statistics of another model (" + p("other"),
                "not of " + p("m") + "; expected the features directory computed from this model");
        assertThat(Files.exists(dir.resolve("x"))).isFalse();

        assertThat(run("export", "--model", p("m"), "--format", "saelens", "--out", p("x"), "--features", p("f")))
                .as(cli.stderr()).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> meta = (Map<String, Object>) Json.readObject(dir.resolve("x").resolve("cfg.json"))
                .get("metadata");
        assertThat(meta).containsEntry("model_name", "builtin:all-minilm-l6-v2")
                .containsEntry("hook_name", "blocks.2.hook_resid_post")
                .containsEntry("context_size", 128L).containsEntry("prepend_bos", true)
                .containsEntry("dataset_path", "/corpus/train.txt");

        // sparsify's names for the same facts, in the hookpoint's cfg.json; the folder still imports.
        assertThat(run("export", "--model", p("m"), "--format", "sparsify", "--out", p("s"))).as(cli.stderr())
                .isZero();
        Map<String, Object> cfg = Json.readObject(dir.resolve("s").resolve("cfg.json"));
        assertThat(cfg).containsEntry("model", "builtin:all-minilm-l6-v2")
                .containsEntry("hookpoints", java.util.List.of("blocks.2.hook_resid_post"))
                .containsEntry("ctx_len", 128L).containsEntry("dataset", "/corpus/train.txt");
        assertThat(run("inspect", "--model", p("s"))).as(cli.stderr()).isZero();
    }
}
