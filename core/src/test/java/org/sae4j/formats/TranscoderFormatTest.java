package org.sae4j.formats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.io.json.Json;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Transcoding;

/**
 * Transcoder folders the fixtures do not reach: bad ones are refused in one line naming the file and the field,
 * and sae4j-made transcoders go out and back, or are refused when the format has no such model.
 */
class TranscoderFormatTest {
    @TempDir
    Path dir;

    /** A writable copy of the model files of a fixture folder. */
    private Path copy(String fixture, String... files) throws IOException {
        Path dst = dir.resolve(fixture);
        Files.createDirectories(dst);
        for (String f : files) {
            try (InputStream in = TranscoderFormatTest.class.getResourceAsStream("/interop/" + fixture + "/" + f)) {
                Files.copy(in, dst.resolve(f));
            }
        }
        return dst;
    }

    private static void replaceTensor(Path file, String name, Safetensors.Tensor t) throws IOException {
        Map<String, Safetensors.Tensor> all = Safetensors.readAll(file);
        if (t == null) {
            all.remove(name);
        } else {
            all.put(name, t);
        }
        Files.delete(file);
        Safetensors.write(file, all, null);
    }

    private static void edit(Path cfg, String from, String to) throws IOException {
        String s = Files.readString(cfg);
        assertThat(s).contains(from);
        Files.writeString(cfg, s.replace(from, to));
    }

    @Test
    void sparsifyTranscoderFoldersWithTheWrongSkipAreRefusedInOneLine() throws IOException {
        Path m = copy("sparsify-skip-transcoder", "cfg.json", "sae.safetensors");
        Path w = m.resolve("sae.safetensors");
        replaceTensor(w, "W_skip", Safetensors.Tensor.of(new float[16 * 8], 16, 8));
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessage(w + ": tensor 'W_skip' has shape [16, 8]; expected [16, 16] = [d_in, d_in]"
                        + " (skip_connection) from cfg.json (d_in 16, num_latents 0 → d_in × expansion_factor = 16×4)");
        replaceTensor(w, "W_skip", null);
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(w + ": no tensor 'W_skip'; expected [16, 16]");

        Path plain = copy("sparsify-transcoder", "cfg.json", "sae.safetensors");
        replaceTensor(plain.resolve("sae.safetensors"), "W_skip", Safetensors.Tensor.of(new float[256], 16, 16));
        assertThatThrownBy(() -> ModelFormats.load(plain)).isInstanceOf(BadInputException.class)
                .hasMessage(plain.resolve("sae.safetensors") + ": has tensor 'W_skip' but cfg.json has"
                        + " skip_connection false; expected no W_skip, or skip_connection true");

        Path cfg = plain.resolve("cfg.json");
        edit(cfg, "\"transcode\": true", "\"transcode\": false");
        edit(cfg, "\"skip_connection\": false", "\"skip_connection\": true");
        assertThatThrownBy(() -> ModelFormats.load(plain)).isInstanceOf(BadInputException.class)
                .hasMessage(cfg + ": skip_connection is true but transcode is false; expected skip_connection only"
                        + " on a transcoder (transcode: true)");
    }

    @Test
    void saeLensTranscoderFoldersWithABadConfigOrSkipAreRefusedInOneLine() throws IOException {
        Path m = copy("saelens-skip-transcoder", "cfg.json", "sae_weights.safetensors");
        Path cfg = m.resolve("cfg.json");
        Path w = m.resolve("sae_weights.safetensors");
        Safetensors.Tensor skip = Safetensors.readAll(w).get("W_skip");
        replaceTensor(w, "W_skip", Safetensors.Tensor.of(skip.data(), 16, 24)); // [d_in, d_out]: transposed
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessage(w + ": tensor 'W_skip' has shape [16, 24] (the transposed orientation); expected"
                        + " [24, 16] = [d_out, d_in] from cfg.json (d_in 16, d_sae 64, d_out 24)");
        replaceTensor(w, "W_skip", skip);
        assertThat(ModelFormats.load(m).sae().config().skip()).isTrue();

        edit(cfg, "\"d_out\": 24,", "");
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessage(cfg + ": architecture skip_transcoder has no d_out; expected the transcoder's output"
                        + " width (SAELens TranscoderConfig.d_out)");
        edit(cfg, "\"architecture\"", "\"d_out\": 20, \"architecture\"");
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessage(w + ": tensor 'W_dec' has shape [64, 24]; expected [64, 20] = [d_sae, d_out] from"
                        + " cfg.json (d_in 16, d_sae 64, d_out 20)");
        edit(cfg, "\"d_out\": 20", "\"d_out\": 24");

        edit(cfg, "\"apply_b_dec_to_input\": false", "\"apply_b_dec_to_input\": true");
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(cfg + ": apply_b_dec_to_input is true (or absent, default true) for a"
                        + " skip_transcoder; expected false");
        edit(cfg, "\"apply_b_dec_to_input\": true", "\"apply_b_dec_to_input\": false");

        edit(cfg, "\"normalize_activations\": \"none\"", "\"normalize_activations\": \"layer_norm\"");
        assertThatThrownBy(() -> ModelFormats.load(m)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(cfg + ": normalize_activations is \"layer_norm\" for a skip_transcoder;"
                        + " expected none");
    }

    private static Sae transcoder(SaeConfig c, long seed) {
        Sae s = Sae.initialize(c.withSeed(seed));
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (float[] t : s.tensors()) {
            for (int i = 0; i < t.length; i++) {
                t[i] += (float) (0.05 * r.nextGaussian());
            }
        }
        return s;
    }

    private Exported exported(Sae sae) {
        return Exported.of(new LoadedModel(sae, null, Format.SAE4J, dir));
    }

    @Test
    void aSae4jTopKSkipTranscoderGoesToSparsifyAndBackWithTheSameParameters() throws IOException {
        Sae sae = transcoder(SaeConfig.topK(16, 64, 8).withTranscoder(new Transcoding(16, true)), 3);
        Path out = dir.resolve("sp");
        assertThat(SparsifyFormat.write(out, exported(sae))).isEqualTo("sparsify topk skip transcoder");
        Sae back = ModelFormats.load(out).sae();
        assertThat(back.config().transcoder()).isEqualTo(new Transcoding(16, true));
        assertThat(back.wEnc()).containsExactly(sae.wEnc());
        assertThat(back.bEnc()).containsExactly(sae.bEnc());
        assertThat(back.wDec()).containsExactly(sae.dictionary());
        assertThat(back.bDec()).containsExactly(sae.bDec());
        assertThat(back.wSkip()).containsExactly(sae.wSkip());
        assertThat(Json.readObject(out.resolve("cfg.json"))).containsEntry("transcode", true)
                .containsEntry("skip_connection", true).containsEntry("k", 8L);
    }

    @Test
    void exportRefusesTranscodersAFormatCannotHold() {
        Sae wide = transcoder(SaeConfig.topK(16, 64, 8).withTranscoder(new Transcoding(24, false)), 4);
        assertThatThrownBy(() -> SparsifyFormat.write(dir.resolve("a"), exported(wide)))
                .isInstanceOf(BadInputException.class)
                .hasMessage("export --format sparsify: the transcoder's d_out is 24; expected d_out = d_in (16), the"
                        + " only width sparsify's SparseCoder builds (W_dec [num_latents, d_in], b_dec [d_in],"
                        + " sparse_coder.py __init__); export it as saelens");
        assertThatThrownBy(() -> SaeLensFormat.write(dir.resolve("b"), exported(wide)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("topk transcoder");
        Sae jumpSkip = transcoder(SaeConfig.jumpRelu(16, 64).withTranscoder(new Transcoding(24, true)), 5);
        assertThatThrownBy(() -> SaeLensFormat.write(dir.resolve("c"), exported(jumpSkip)))
                .isInstanceOf(BadInputException.class).hasMessageContaining("JumpReLUTranscoder has no W_skip");
        assertThat(dir.resolve("a")).doesNotExist();
        assertThat(dir.resolve("b")).doesNotExist();
        assertThat(dir.resolve("c")).doesNotExist();
    }

    @Test
    void aSae4jJumpReluTranscoderGoesToSaeLensAndBackWithTheSameThresholds() throws IOException {
        Sae sae = transcoder(SaeConfig.jumpRelu(16, 64).withTranscoder(new Transcoding(24, false)), 6);
        Path out = dir.resolve("sl");
        assertThat(SaeLensFormat.write(out, exported(sae))).isEqualTo("SAELens v6 jumprelu_transcoder");
        Sae back = ModelFormats.load(out).sae();
        float[] x = new float[32 * 16];
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Sae.Forward a = sae.forward(x, 32);
        Sae.Forward b = back.forward(x, 32);
        assertThat(b.codes()).containsExactly(a.codes());
        assertThat(b.reconstruction()).hasSize(32 * 24).containsExactly(a.reconstruction());
    }
}
