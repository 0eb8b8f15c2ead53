package org.sae4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.encode.SparseCode;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.checkpoint.Checkpoint;

/** Imported models through the CLI, bad foreign folders (one line, exit 2), and export round trips. */
class InteropCliTest {
    @TempDir
    Path dir;

    private final CliRun cli = new CliRun();

    private int run(String... args) {
        return cli.run(args);
    }

    private String errLine() {
        String e = cli.stderr().strip();
        assertThat(e.lines().count()).as("one line: " + e).isEqualTo(1);
        return e;
    }

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(InteropCliTest.class.getResource("/interop/" + name).toURI());
    }

    /** A writable copy of a fixture folder. */
    private Path copy(String name) throws Exception {
        Path src = fixture(name);
        Path dst = dir.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.toList()) {
                Files.copy(p, dst.resolve(p.getFileName()));
            }
        }
        return dst;
    }

    @Test
    void encodeEvalAndInspectReadASaeLensFolder() throws Exception {
        Path m = fixture("saelens-topk");
        Path inputs = m.resolve("inputs.npy");
        Path base = dir.resolve("codes");
        assertThat(run("encode", "--model", m.toString(), "--data", inputs.toString(), "--out", base.toString()))
                .as(cli.stderr()).isZero();
        float[] codes;
        try (NpyFile f = NpyFile.open(m.resolve("codes.npy"))) {
            codes = f.readAll();
        }
        // int32 .npy (v1 header): 6 indices per row, the SAELens k, each a latent the fixture says fires.
        byte[] raw = Files.readAllBytes(Path.of(base + ".indices.npy"));
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int start = 10 + (bb.getShort(8) & 0xffff);
        assertThat(new String(raw, 10, start - 10, StandardCharsets.ISO_8859_1)).contains("(40, 6)");
        for (int q = 0; q < 40 * 6; q++) {
            int j = bb.getInt(start + 4 * q);
            assertThat(codes[(q / 6) * 64 + j]).as("row " + q / 6 + " latent " + j).isPositive();
        }
        assertThat(run("eval", "--model", m.toString(), "--data", inputs.toString(), "--json")).isZero();
        Map<String, Object> ev = Json.readObject(writeTo("eval.json", cli.stdout()));
        assertThat((Double) ev.get("l0")).isEqualTo(6.0);
        assertThat(run("inspect", "--model", fixture("gemmascope").toString(), "--json")).isZero();
        assertThat(cli.stdout()).contains("\"format\":\"gemmascope\"")
                .contains("Gemma Scope jumprelu");
        assertThat(run("inspect", "--model", fixture("saelens-layernorm").toString())).isZero();
        assertThat(cli.stdout()).contains("read as saelens; forward pass: SAELens jumprelu,"
                + " input layer_norm");
    }

    private Path writeTo(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void sparsifyRunDirectoryNeedsAHookpointAndListsThem() throws Exception {
        Path run = dir.resolve("run");
        for (String hook : new String[] {"layers.0", "layers.1"}) {
            Files.createDirectories(run.resolve(hook));
            for (String f : new String[] {"cfg.json", "sae.safetensors"}) {
                Files.copy(fixture("sparsify-topk").resolve(f), run.resolve(hook).resolve(f));
            }
        }
        Path data = fixture("sparsify-topk").resolve("inputs.npy");
        assertThat(run("eval", "--model", run.toString(), "--data", data.toString())).isEqualTo(2);
        assertThat(errLine()).contains("[layers.0, layers.1]").contains("--hookpoint");
        assertThat(run("eval", "--model", run.toString(), "--hookpoint", "layers.1", "--data", data.toString()))
                .as(cli.stderr()).isZero();
        assertThat(run("eval", "--model", run.toString(), "--hookpoint", "layers.7", "--data", data.toString()))
                .isEqualTo(2);
        assertThat(errLine()).contains("layers.7").contains("layers.0");
    }

    @Test
    void badForeignFoldersAreOneLineNamingFileAndKey() throws Exception {
        Path d = fixture("saelens-standard").resolve("inputs.npy");

        Path missing = copy("saelens-standard");
        rewriteTensors(missing.resolve("sae_weights.safetensors"), "b_enc", null);
        assertThat(run("eval", "--model", missing.toString(), "--data", d.toString())).isEqualTo(2);
        assertThat(errLine()).contains("sae_weights.safetensors").contains("'b_enc'");

        Path transposed = copy("saelens-topk");
        rewriteTensors(transposed.resolve("sae_weights.safetensors"), "W_enc", "transpose");
        assertThat(run("eval", "--model", transposed.toString(), "--data", d.toString())).isEqualTo(2);
        assertThat(errLine()).contains("sae_weights.safetensors").contains("'W_enc'").contains("[64, 16]")
                .contains("transposed");

        Path arch = copy("saelens-jumprelu");
        Path cfg = arch.resolve("cfg.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"architecture\": \"jumprelu\"",
                "\"architecture\": \"matryoshka_magic\""));
        assertThat(run("eval", "--model", arch.toString(), "--data", d.toString())).isEqualTo(2);
        assertThat(errLine()).contains("cfg.json").contains("matryoshka_magic");

        Path dtype = copy("sparsify-topk");
        rewriteTensors(dtype.resolve("sae.safetensors"), "b_dec", "int32");
        assertThat(run("eval", "--model", dtype.toString(), "--data", d.toString())).isEqualTo(2);
        assertThat(errLine()).contains("sae.safetensors").contains("'b_dec'").contains("I32");

        assertThat(run("eval", "--model", fixture("saelens-expavg").toString(), "--data", d.toString()))
                .isEqualTo(2);
        assertThat(errLine()).contains("expected_average_only_in").contains("--scaling-factor");
        assertThat(run("eval", "--model", fixture("saelens-expavg").toString(), "--scaling-factor", "0.25",
                "--data", d.toString())).as(cli.stderr()).isZero();
    }

    /** Rewrites one tensor of a safetensors file: drop it ({@code how == null}), transpose it, or store as I32. */
    private static void rewriteTensors(Path file, String name, String how) throws IOException {
        Map<String, Safetensors.Tensor> all = Safetensors.readAll(file);
        Safetensors.Tensor t = all.remove(name);
        if ("transpose".equals(how)) {
            long[] s = t.shape();
            float[] v = t.data();
            float[] tr = new float[v.length];
            for (int r = 0; r < s[0]; r++) {
                for (int c = 0; c < s[1]; c++) {
                    tr[(int) (c * s[0] + r)] = v[(int) (r * s[1] + c)];
                }
            }
            all.put(name, Safetensors.Tensor.of(tr, s[1], s[0]));
        }
        Files.delete(file);
        Safetensors.write(file, all, null);
        if ("int32".equals(how)) {
            appendI32(file, name, t.data().length);
        }
    }

    /** Re-writes {@code file} with an extra I32 tensor {@code name} of {@code count} zeros (by hand). */
    private static void appendI32(Path file, String name, int count) throws IOException {
        Map<String, Safetensors.Tensor> all = Safetensors.readAll(file);
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (Map.Entry<String, Safetensors.Tensor> e : all.entrySet()) {
            long bytes = 4L * e.getValue().data().length;
            h.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":")
                    .append(Json.write(e.getValue().shape())).append(",\"data_offsets\":[").append(off).append(',')
                    .append(off + bytes).append("]},");
            off += bytes;
        }
        h.append('"').append(name).append("\":{\"dtype\":\"I32\",\"shape\":[").append(count)
                .append("],\"data_offsets\":[").append(off).append(',').append(off + 4L * count).append("]}}");
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + hb.length + (int) off + 4 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(hb.length).put(hb);
        for (Safetensors.Tensor t : all.values()) {
            for (float v : t.data()) {
                b.putFloat(v);
            }
        }
        Files.write(file, b.array());
    }

    @Test
    void trainInitRefusesAGatedModelAndStartsFromATopKOne() throws Exception {
        Path data = fixture("saelens-topk").resolve("inputs.npy");
        assertThat(run("train", "--init", fixture("saelens-gated-f16").toString(), "--data", data.toString(),
                "--out", dir.resolve("g").toString(), "--steps", "1", "--batch", "8", "--quiet")).isEqualTo(2);
        assertThat(errLine()).contains("gated");
        assertThat(Files.exists(dir.resolve("g").resolve("model.safetensors"))).isFalse();
        assertThat(run("train", "--init", fixture("saelens-topk").toString(), "--data", data.toString(),
                "--out", dir.resolve("t").toString(), "--steps", "2", "--batch", "8", "--quiet"))
                .as(cli.stderr()).isZero();
        assertThat(Checkpoint.loadModel(dir.resolve("t")).sae().config().k()).isEqualTo(6);
    }

    // ---------------------------------------------------------------- export

    private static Sae model(SaeConfig c, long seed) {
        Sae s = Sae.initialize(c.withSeed(seed));
        SplittableRandom r = new SplittableRandom(seed);
        for (float[] t : s.tensors()) {
            for (int i = 0; i < t.length; i++) {
                t[i] += (float) (0.05 * r.nextGaussian());
            }
        }
        if (s.logThreshold() != null) {
            java.util.Arrays.fill(s.logThreshold(), (float) Math.log(0.05));
        }
        return s;
    }

    private static float[] rows(int rows, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * d];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private void assertSameCodes(Path original, Path exported, boolean identical) throws IOException {
        SaeEncoder a = ModelFormats.loadEncoder(original);
        SaeEncoder b = ModelFormats.loadEncoder(exported);
        float[] x = rows(64, a.dim(), 9);
        for (int r = 0; r < 64; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * a.dim(), (r + 1) * a.dim());
            SparseCode ca = a.encode(row);
            SparseCode cb = b.encode(row);
            if (identical) {
                assertThat(cb.indices()).as("row " + r).containsExactly(ca.indices());
                assertThat(cb.values()).as("row " + r).containsExactly(ca.values());
                assertThat(b.reconstruct(row)).as("row " + r).containsExactly(a.reconstruct(row));
            } else {
                assertThat(cb.indices()).as("row " + r).containsExactlyInAnyOrder(ca.indices());
                float[] ra = a.reconstruct(row);
                float[] rb = b.reconstruct(row);
                for (int i = 0; i < ra.length; i++) {
                    assertThat(Math.abs(ra[i] - rb[i])).isLessThan(1e-4f * (1 + Math.abs(ra[i])));
                }
            }
        }
    }

    /** SAELens's sparsity.safetensors from a features run: log10(frequency + 1e-10) per latent, as its trainer. */
    @Test
    void exportWritesSaeLensSparsityFromFeatureStatistics() throws Exception {
        Path src = dir.resolve("mf");
        Checkpoint.save(src, model(SaeConfig.topK(12, 40, 5), 5), null);
        float[] x = new float[300 * 12];
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        Path data = dir.resolve("x.npy");
        org.sae4j.io.npy.NpyWriter.writeF32(data, x, 300, 12);
        Path feats = dir.resolve("feats");
        assertThat(run("features", "--model", src.toString(), "--data", data.toString(), "--out", feats.toString()))
                .as(cli.stderr()).isZero();
        Path sl = dir.resolve("sl-sparsity");
        assertThat(run("export", "--model", src.toString(), "--format", "saelens", "--features", feats.toString(),
                "--out", sl.toString())).as(cli.stderr()).isZero();
        org.sae4j.features.FeatureData f = org.sae4j.features.FeatureStatsReader.read(feats);
        float[] got;
        try (Safetensors st = Safetensors.open(sl.resolve("sparsity.safetensors"))) {
            got = st.readFloats("sparsity", 40);
        }
        for (int j = 0; j < 40; j++) {
            double freq = f.latentStats()[j * 4 + 1];
            assertThat(got[j]).as("latent " + j).isEqualTo((float) Math.log10(freq + 1e-10));
        }
        // A features directory of another model, and sparsify (no such file), are refused with one line.
        Path other = dir.resolve("mo");
        Checkpoint.save(other, model(SaeConfig.topK(12, 48, 5), 6), null);
        assertThat(run("export", "--model", other.toString(), "--format", "saelens", "--features", feats.toString(),
                "--out", dir.resolve("bad1").toString())).isEqualTo(2);
        assertThat(errLine()).contains("feature statistics of 40 latents; expected the model's 48");
        assertThat(run("export", "--model", src.toString(), "--format", "sparsify", "--features", feats.toString(),
                "--out", dir.resolve("bad2").toString())).isEqualTo(2);
        assertThat(errLine()).contains("only --format saelens");
        assertThat(dir.resolve("bad1")).doesNotExist();
        assertThat(dir.resolve("bad2")).doesNotExist();
    }

    @Test
    void exportThenImportGivesIdenticalCodes() throws Exception {
        SaeConfig[] configs = {SaeConfig.topK(12, 40, 5).withPreEncoderBias(true),
                SaeConfig.jumpRelu(12, 40), SaeConfig.relu(12, 40).withPreEncoderBias(true)};
        int i = 0;
        for (SaeConfig c : configs) {
            Path src = dir.resolve("m" + i);
            Checkpoint.save(src, model(c, 17 + i), null);
            Path sl = dir.resolve("saelens" + i);
            assertThat(run("export", "--model", src.toString(), "--format", "saelens", "--out", sl.toString()))
                    .as(cli.stderr()).isZero();
            assertThat(ModelFormats.detect(sl).id()).isEqualTo("saelens");
            Map<String, Object> cfg = Json.readObject(sl.resolve("cfg.json"));
            @SuppressWarnings("unchecked")
            Map<String, Object> meta = (Map<String, Object>) cfg.get("metadata");
            assertThat((String) meta.get("sae_lens_version")).startsWith("6.");
            try (Safetensors st = Safetensors.open(sl.resolve("sae_weights.safetensors"))) {
                assertThat(st.info("W_enc").shape()).containsExactly(12, 40); // SAELens: x @ W_enc
                assertThat(st.info("W_dec").shape()).containsExactly(40, 12);
            }
            assertSameCodes(src, sl, true);
            i++;
        }
        Path sp = dir.resolve("sparsify0");
        assertThat(run("export", "--model", dir.resolve("m0").toString(), "--format", "sparsify", "--out",
                sp.toString())).as(cli.stderr()).isZero();
        try (Safetensors st = Safetensors.open(sp.resolve("sae.safetensors"))) {
            assertThat(st.info("encoder.weight").shape()).containsExactly(40, 12); // nn.Linear [out, in]
        }
        assertThat(Json.readObject(sp.resolve("cfg.json"))).containsEntry("k", 5L).containsEntry("d_in", 12L)
                .containsEntry("num_latents", 40L);
        assertSameCodes(dir.resolve("m0"), sp, true);
        // GroupMax (sparsify's activation; SAELens has none), with b_dec subtracted as sparsify does: out and back.
        Path gm = dir.resolve("gm");
        Checkpoint.save(gm, model(new SaeConfig(12, 40, org.sae4j.model.Activation.GROUPMAX, 5, true, true, 1e-3, 1e-3,
                0), 23), null);
        Path gmSp = dir.resolve("gm-sparsify");
        assertThat(run("export", "--model", gm.toString(), "--format", "sparsify", "--out", gmSp.toString()))
                .as(cli.stderr()).isZero();
        assertThat(Json.readObject(gmSp.resolve("cfg.json"))).containsEntry("activation", "groupmax")
                .containsEntry("k", 5L);
        assertSameCodes(gm, gmSp, true);
    }

    /**
     * Each transcoder fixture goes out through {@code sae4j export} in its own format and comes back with identical
     * codes and outputs (bit for bit: both formats store the parameters as sae4j holds them, nothing is folded), and
     * with the layout the library's loader builds.
     */
    @Test
    void transcodersExportAndReimportWithIdenticalCodesAndOutputs() throws Exception {
        String[][] cases = {{"sparsify-transcoder", "sparsify"}, {"sparsify-skip-transcoder", "sparsify"},
                {"saelens-transcoder", "saelens"}, {"saelens-skip-transcoder", "saelens"},
                {"saelens-jumprelu-transcoder", "saelens"}};
        for (String[] c : cases) {
            Path out = dir.resolve(c[0] + "-out");
            assertThat(run("export", "--model", fixture(c[0]).toString(), "--format", c[1], "--out", out.toString()))
                    .as(cli.stderr()).isZero();
            assertThat(cli.stdout()).contains("transcoder");
            assertThat(ModelFormats.detect(out).id()).isEqualTo(c[1]);
            Map<String, Object> cfg = Json.readObject(out.resolve("cfg.json"));
            boolean skip = c[0].contains("skip");
            if (c[1].equals("sparsify")) {
                assertThat(cfg).containsEntry("transcode", true).containsEntry("skip_connection", skip)
                        .containsEntry("d_in", 16L);
                try (Safetensors st = Safetensors.open(out.resolve("sae.safetensors"))) {
                    assertThat(st.info("W_dec").shape()).containsExactly(64, 16);
                    assertThat(st.contains("W_skip")).isEqualTo(skip);
                    if (skip) {
                        assertThat(st.info("W_skip").shape()).containsExactly(16, 16);
                    }
                }
            } else {
                assertThat(cfg).containsEntry("architecture", c[0].substring("saelens-".length()).replace('-', '_'))
                        .containsEntry("d_out", 24L).containsEntry("apply_b_dec_to_input", false);
                try (Safetensors st = Safetensors.open(out.resolve("sae_weights.safetensors"))) {
                    assertThat(st.info("W_enc").shape()).containsExactly(16, 64);
                    assertThat(st.info("W_dec").shape()).containsExactly(64, 24);
                    assertThat(st.info("b_dec").shape()).containsExactly(24);
                    assertThat(st.contains("W_skip")).isEqualTo(skip);
                    if (skip) {
                        assertThat(st.info("W_skip").shape()).containsExactly(24, 16); // [d_out, d_in]
                    }
                }
            }
            assertSameTranscoder(fixture(c[0]), out);
        }
        // Neither library has the other's transcoder: sparsify's are top-k, SAELens's relu or jumprelu.
        assertThat(run("export", "--model", fixture("sparsify-transcoder").toString(), "--format", "saelens",
                "--out", dir.resolve("x1").toString())).isEqualTo(2);
        assertThat(errLine()).contains("topk transcoder").contains("relu (transcoder, skip_transcoder)");
        assertThat(run("export", "--model", fixture("saelens-transcoder").toString(), "--format", "sparsify",
                "--out", dir.resolve("x2").toString())).isEqualTo(2);
        assertThat(errLine()).contains("relu").contains("topk or groupmax only");
        assertThat(dir.resolve("x1")).doesNotExist();
        assertThat(dir.resolve("x2")).doesNotExist();
    }

    /**
     * inspect reports a transcoder's d_out-wide shapes (it sized every tensor by d before), and eval --target of an
     * imported transcoder against the library's outputs finds them reproduced.
     */
    @Test
    void inspectAndEvalReadImportedTranscoders() throws Exception {
        Path m = fixture("saelens-skip-transcoder");
        assertThat(run("inspect", "--model", m.toString())).as(cli.stderr()).isZero();
        assertThat(cli.stdout()).contains("relu skip transcoder, d_in 16 → d_out 24, latents 64")
                .contains("W_dec          [64, 24]").contains("W_skip         [24, 16]")
                .contains("b_dec          [24]");
        assertThat(run("inspect", "--model", fixture("sparsify-transcoder").toString(), "--json")).isZero();
        assertThat(cli.stdout()).contains("\"name\":\"W_dec\",\"shape\":[64,16]");
        // eval --target against the library's own outputs (recon.npy): nothing left to explain.
        for (String name : new String[] {"saelens-skip-transcoder", "sparsify-skip-transcoder",
                "saelens-jumprelu-transcoder"}) {
            Path f = fixture(name);
            assertThat(run("eval", "--model", f.toString(), "--data", f.resolve("inputs.npy").toString(),
                    "--target", f.resolve("recon.npy").toString(), "--json")).as(cli.stderr()).isZero();
            Map<String, Object> ev = Json.readObject(writeTo(name + "-eval.json", cli.stdout()));
            assertThat((Double) ev.get("mse")).as(name).isLessThan(1e-10);
            assertThat((Double) ev.get("r2")).as(name).isGreaterThan(0.999999);
        }
    }

    /**
     * Transcoders trained by sae4j ({@code train --target [--skip]}) go out as the format that can hold them and come
     * back with identical codes and outputs; one the format cannot hold is refused in one line.
     */
    @Test
    void trainedTranscodersExportAndReimportWithIdenticalCodesAndOutputs() throws Exception {
        Path sq = fixture("sparsify-skip-transcoder"); // inputs 40×16, outputs 40×16
        Path wide = fixture("saelens-transcoder");     // inputs 40×16, outputs 40×24
        String[][] cases = {{"topk-skip", sq.toString(), "sparsify", "--k", "4", "--skip"},
                {"relu-wide", wide.toString(), "saelens", "--activation", "relu"},
                {"relu-wide-skip", wide.toString(), "saelens", "--activation", "relu", "--skip"},
                {"jumprelu-wide", wide.toString(), "saelens", "--activation", "jumprelu"}};
        for (String[] c : cases) {
            Path src = dir.resolve("t-" + c[0]);
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("train", "--data",
                    c[1] + "/inputs.npy", "--target", c[1] + "/recon.npy", "--out", src.toString(), "--latents",
                    "32", "--batch", "8", "--steps", "3", "--threads", "1", "--quiet"));
            args.addAll(java.util.List.of(c).subList(3, c.length));
            assertThat(run(args.toArray(String[]::new))).as(c[0] + " " + cli.stderr()).isZero();
            Path out = dir.resolve("t-" + c[0] + "-" + c[2]);
            assertThat(run("export", "--model", src.toString(), "--format", c[2], "--out", out.toString()))
                    .as(c[0] + " " + cli.stderr()).isZero();
            assertThat(cli.stdout()).contains("transcoder");
            assertSameTranscoder(src, out, false);
        }
        Path topkWide = dir.resolve("t-topk-wide");
        assertThat(run("train", "--data", wide + "/inputs.npy", "--target", wide + "/recon.npy", "--out",
                topkWide.toString(), "--latents", "32", "--k", "4", "--batch", "8", "--steps", "2", "--quiet"))
                .as(cli.stderr()).isZero();
        assertThat(run("export", "--model", topkWide.toString(), "--format", "sparsify", "--out",
                dir.resolve("x3").toString())).isEqualTo(2);
        assertThat(errLine()).contains("d_out is 24; expected d_out = d_in (16)");
        assertThat(dir.resolve("x3")).doesNotExist();
    }

    private static void assertSameTranscoder(Path original, Path exported) throws IOException {
        assertSameTranscoder(original, exported, true);
    }

    /**
     * Same codes and outputs, bit for bit; {@code sameConfig}: also the same config (a sae4j checkpoint's training
     * settings, such as unit-norm rows and the seed, are not in the other library's folder).
     */
    private static void assertSameTranscoder(Path original, Path exported, boolean sameConfig) throws IOException {
        Sae a = ModelFormats.load(original).sae();
        Sae b = ModelFormats.load(exported).sae();
        if (sameConfig) {
            assertThat(b.config()).isEqualTo(a.config());
        } else {
            assertThat(b.config().transcoder()).isEqualTo(a.config().transcoder());
            assertThat(b.config().activation()).isEqualTo(a.config().activation());
        }
        float[] x = rows(64, a.dim(), 11);
        SaeEncoder ea = SaeEncoder.of(a);
        SaeEncoder eb = SaeEncoder.of(b);
        for (int r = 0; r < 64; r++) {
            float[] row = java.util.Arrays.copyOfRange(x, r * a.dim(), (r + 1) * a.dim());
            SparseCode ca = ea.encode(row);
            SparseCode cb = eb.encode(row);
            assertThat(cb.indices()).as(exported + " row " + r).containsExactly(ca.indices());
            assertThat(cb.values()).as(exported + " row " + r).containsExactly(ca.values());
        }
        Sae.Forward fa = a.forward(x, 64);
        Sae.Forward fb = b.forward(x, 64);
        assertThat(fb.codes()).as(exported + " codes").containsExactly(fa.codes());
        assertThat(fb.reconstruction()).as(exported + " outputs").hasSize(64 * a.outDim())
                .containsExactly(fa.reconstruction());
    }

    @Test
    void exportFoldsAStandardizerAndRefusesWhatAFormatCannotExpress() throws Exception {
        Path src = dir.resolve("std");
        float[] mean = new float[12];
        float[] sd = new float[12];
        for (int i = 0; i < 12; i++) {
            mean[i] = 0.1f * i - 0.3f;
            sd[i] = 0.5f + 0.1f * i;
        }
        Checkpoint.save(src, model(SaeConfig.topK(12, 40, 5), 3), Standardizer.perFeature(mean, sd));
        for (String f : new String[] {"saelens", "sparsify"}) {
            Path o = dir.resolve("std-" + f);
            assertThat(run("export", "--model", src.toString(), "--format", f, "--out", o.toString()))
                    .as(cli.stderr()).isZero();
            assertThat(cli.stdout()).contains("folded");
            assertSameCodes(src, o, false);
        }
        Path centred = dir.resolve("centred"); // --standardize center folds into b_dec (and b_enc) alone
        Checkpoint.save(centred, model(SaeConfig.topK(12, 40, 5), 5), Standardizer.center(mean));
        Path co = dir.resolve("centred-saelens");
        assertThat(run("export", "--model", centred.toString(), "--format", "saelens", "--out", co.toString()))
                .as(cli.stderr()).isZero();
        assertSameCodes(centred, co, false);
        Path relu = dir.resolve("relu");
        Checkpoint.save(relu, model(SaeConfig.relu(12, 40), 4), null);
        assertThat(run("export", "--model", relu.toString(), "--format", "sparsify", "--out",
                dir.resolve("x").toString())).isEqualTo(2);
        assertThat(errLine()).contains("relu").contains("topk or groupmax only");
        assertThat(Files.exists(dir.resolve("x"))).isFalse();
        assertThat(run("export", "--model", relu.toString(), "--format", "gemmascope", "--out",
                dir.resolve("x").toString())).isEqualTo(2);
        // An imported gated SAELens model goes back out as SAELens, with the same codes.
        Path gated = dir.resolve("gated-out");
        assertThat(run("export", "--model", fixture("saelens-gated-f16").toString(), "--format", "saelens",
                "--out", gated.toString())).as(cli.stderr()).isZero();
        assertSameCodes(fixture("saelens-gated-f16"), gated, false);
    }
}
