package org.sae4j.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.io.json.Json;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.Optimizer;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;

class CheckpointTest {
    @TempDir
    Path dir;

    private static Sae model(Activation act, long seed) {
        int k = act == Activation.GROUPMAX ? 7 : 2; // groupmax: k divides the 7 latents
        Sae s = Sae.initialize(new SaeConfig(5, 7, act, k, true, false, 1e-3, 1e-3, seed));
        for (int i = 0; i < s.bEnc().length; i++) {
            s.bEnc()[i] = 0.25f * i - seed;
        }
        s.bDec()[2] = (float) Math.PI;
        if (act == Activation.BATCHTOPK) {
            s.setBatchTopKThreshold(0.1f * seed + 1e-7f);
        }
        return s;
    }

    private static TrainState state(Sae sae, long step) {
        OptimizerState o = new OptimizerState(sae);
        o.step = step;
        o.reanimationCalmSteps = 4;
        o.reanimationOff = true;
        for (int j = 0; j < o.sinceFired.length; j++) {
            o.sinceFired[j] = 1000L * j + step;
        }
        for (int t = 0; t < o.m.length; t++) {
            for (int i = 0; i < o.m[t].length; i++) {
                o.m[t][i] = 1e-3f * (i + t) + step;
                o.v[t][i] = 1e-7f * (i + 1) * (t + 1);
            }
        }
        boolean[] fired = new boolean[sae.latents()];
        fired[3] = true;
        return new TrainState(sae, o, TrainConfig.builder().batchSize(4).lr(3e-4).auxk(0.03, 3)
                        .reanimation(org.sae4j.train.CoefSchedule.auto(2e-3, 0.05, 9))
                        .deadWindowTokens(77).resampleEvery(25).preAct(0.02).threads(1).seed(9).build(),
                BatchOptions.of(4, 9), new BatchStream.Position(2, 3), 40, 50,
                new TrainState.EpochProgress(3, 1.5, 0.25, 6.0, fired, 0.125));
    }

    private List<String> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void roundTripsModelConfigStandardizerAndTrainerState() throws IOException {
        for (Activation act : Activation.values()) {
            Path ck = dir.resolve(act.id());
            Sae sae = model(act, 1);
            TrainState st = state(sae, 12);
            Standardizer std = Standardizer.perFeature(new float[] {1, 2, 3, 4, 5}, new float[] {1, 0.5f, 2, 1, 3});
            Checkpoint.save(ck, st, std);
            Checkpoint.Loaded l = Checkpoint.load(ck);
            assertThat(l.sae().config()).isEqualTo(sae.config());
            for (int t = 0; t < sae.tensors().length; t++) {
                assertThat(l.sae().tensors()[t]).containsExactly(sae.tensors()[t]);
                assertThat(l.state().optimizer().m[t]).containsExactly(st.optimizer().m[t]);
                assertThat(l.state().optimizer().v[t]).containsExactly(st.optimizer().v[t]);
            }
            assertThat(l.standardizer().mean()).containsExactly(std.mean());
            assertThat(l.standardizer().std()).containsExactly(std.std());
            TrainState r = l.state();
            assertThat(r.step()).isEqualTo(12);
            assertThat(r.config()).isEqualTo(st.config());
            assertThat(r.batches()).isEqualTo(st.batches());
            assertThat(r.next()).isEqualTo(st.next());
            assertThat(r.totalSteps()).isEqualTo(50);
            assertThat(r.dataRows()).isEqualTo(40);
            assertThat(r.optimizer().sinceFired).containsExactly(st.optimizer().sinceFired);
            assertThat(r.optimizer().reanimationCalmSteps).isEqualTo(4);
            assertThat(r.optimizer().reanimationOff).isTrue();
            assertThat(l.sae().batchTopKThreshold()).isEqualTo(sae.batchTopKThreshold());
            assertThat(r.epoch().fired()).containsExactly(st.epoch().fired());
            assertThat(List.of(r.epoch().batches(), r.epoch().lossSum(), r.epoch().r2Sum(), r.epoch().l0Sum(),
                    r.epoch().seconds())).isEqualTo(List.of(3L, 1.5, 0.25, 6.0, 0.125));
            // A model-only load ignores the state; a model-only save has none.
            assertThat(Checkpoint.loadModel(ck).state()).isNull();
        }
        Checkpoint.save(dir.resolve("plain"), model(Activation.RELU, 2), null);
        assertThat(Checkpoint.load(dir.resolve("plain")).state()).isNull();
        assertThat(Checkpoint.load(dir.resolve("plain")).standardizer()).isNull();
        assertThat(Files.exists(dir.resolve("plain").resolve(Checkpoint.STATE))).isFalse();
    }

    @Test
    void modelFileIsStandardSafetensorsWithTheDesignNamesAndShapes() throws IOException {
        Path ck = dir.resolve("m");
        Checkpoint.save(ck, model(Activation.JUMPRELU, 3), null);
        try (Safetensors st = Safetensors.open(ck.resolve(Checkpoint.MODEL))) {
            assertThat(st.names()).containsExactly("W_dec", "W_enc", "b_dec", "b_enc", "log_threshold");
            assertThat(st.info("W_enc").shape()).containsExactly(7, 5);
            assertThat(st.info("W_dec").shape()).containsExactly(7, 5);
            assertThat(st.info("b_dec").shape()).containsExactly(5);
            assertThat(st.info("log_threshold").shape()).containsExactly(7);
            assertThat(st.info("W_enc").dtype()).isEqualTo(Safetensors.Dtype.F32);
            assertThat(st.metadata()).containsEntry("format", "pt").containsEntry("activation", "jumprelu");
        }
    }

    @Test
    void crashMidSaveKeepsThePreviousCheckpointIntact() throws IOException {
        Path ck = dir.resolve("run");
        Sae first = model(Activation.TOPK, 1);
        Checkpoint.save(ck, state(first, 10), null);
        byte[] model = Files.readAllBytes(ck.resolve(Checkpoint.MODEL));
        byte[] opt = Files.readAllBytes(ck.resolve(Checkpoint.OPTIMIZER));
        String st = Files.readString(ck.resolve(Checkpoint.STATE));
        Sae second = model(Activation.TOPK, 2);

        // Dies after the new files are written, before anything is renamed: the save throws, the old one stands.
        assertThatThrownBy(() -> Checkpoint.save(ck, second, null, state(second, 20), stage -> {
            if (stage.equals("written")) {
                throw new IOException("simulated crash after writing the new checkpoint");
            }
        })).hasMessageContaining("simulated crash");
        assertThat(Files.readAllBytes(ck.resolve(Checkpoint.MODEL))).isEqualTo(model);
        assertThat(Files.readAllBytes(ck.resolve(Checkpoint.OPTIMIZER))).isEqualTo(opt);
        assertThat(Files.readString(ck.resolve(Checkpoint.STATE))).isEqualTo(st);
        assertThat(listing()).containsExactly("run");

        // Dies between moving the old directory aside and moving the new one in: restored at once.
        assertThatThrownBy(() -> Checkpoint.save(ck, second, null, state(second, 20), stage -> {
            if (stage.equals("old-moved")) {
                throw new IOException("simulated crash between the renames");
            }
        })).hasMessageContaining("simulated crash");
        assertThat(Files.readAllBytes(ck.resolve(Checkpoint.MODEL))).isEqualTo(model);
        assertThat(listing()).containsExactly("run");
        assertThat(Checkpoint.load(ck).state().step()).isEqualTo(10);
    }

    @Test
    void killBetweenTheRenamesIsRecoveredOnTheNextLoad() throws IOException {
        Path ck = dir.resolve("run");
        Sae first = model(Activation.TOPK, 1);
        Checkpoint.save(ck, state(first, 10), null);
        byte[] model = Files.readAllBytes(ck.resolve(Checkpoint.MODEL));
        // What kill -9 leaves between the two renames: the old checkpoint moved aside, a complete or partial new
        // one beside it, no directory under the real name.
        Files.move(ck, dir.resolve(".run.prev"));
        Files.createDirectories(dir.resolve(".run.next"));
        Files.writeString(dir.resolve(".run.next").resolve(Checkpoint.MODEL), "half a file");
        assertThat(Checkpoint.exists(ck)).isTrue();
        assertThat(Files.readAllBytes(ck.resolve(Checkpoint.MODEL))).isEqualTo(model);
        assertThat(Checkpoint.load(ck).state().step()).isEqualTo(10);
        // The next save clears the leftovers.
        Checkpoint.save(ck, state(model(Activation.TOPK, 2), 20), null);
        assertThat(listing()).containsExactly("run");
        assertThat(Checkpoint.load(ck).state().step()).isEqualTo(20);
    }

    @Test
    void nonFiniteModelIsNotSaved() throws IOException {
        Path ck = dir.resolve("run");
        Sae ok = model(Activation.TOPK, 1);
        Checkpoint.save(ck, state(ok, 10), null);
        Sae bad = model(Activation.TOPK, 1);
        bad.wEnc()[6] = Float.NaN;
        assertThatThrownBy(() -> Checkpoint.save(ck, state(bad, 11), null)).isInstanceOf(BadInputException.class)
                .hasMessage("step 11: tensor 'W_enc' element 6 is NaN; expected finite parameters (lower the learning"
                        + " rate), so this checkpoint is not saved");
        assertThat(Checkpoint.load(ck).state().step()).isEqualTo(10);
    }

    /** Rewrites model.safetensors of {@code ck} with {@code tensors}. */
    private static void replaceModel(Path ck, Map<String, Safetensors.Tensor> tensors) throws IOException {
        Safetensors.write(ck.resolve(Checkpoint.MODEL), tensors, Map.of("format", "pt"));
    }

    private static void assertLoadRefused(Path ck, String... fragments) {
        assertThatThrownBy(() -> Checkpoint.load(ck)).isInstanceOf(BadInputException.class).satisfies(e -> {
            assertThat(e.getMessage()).doesNotContain("\n").contains("expected");
            for (String f : fragments) {
                assertThat(e.getMessage()).contains(f);
            }
        });
    }

    @Test
    void loadRefusesTensorsThatDisagreeWithTheConfig() throws IOException {
        Path ck = dir.resolve("m");
        Sae sae = model(Activation.TOPK, 1);
        Checkpoint.save(ck, sae, null);
        Path file = ck.resolve(Checkpoint.MODEL);
        Map<String, Safetensors.Tensor> good = new LinkedHashMap<>(Safetensors.readAll(file));

        Map<String, Safetensors.Tensor> wrong = new LinkedHashMap<>(good);
        wrong.put("W_dec", Safetensors.Tensor.of(new float[8 * 5], 8, 5));
        replaceModel(ck, wrong);
        assertLoadRefused(ck, file.toString(), "tensor 'W_dec' has shape [8, 5]; expected [7, 5] from cfg.json");

        Map<String, Safetensors.Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("b_dec");
        replaceModel(ck, missing);
        assertLoadRefused(ck, file.toString(), "no tensor 'b_dec'");

        Map<String, Safetensors.Tensor> extra = new LinkedHashMap<>(good);
        extra.put("log_threshold", Safetensors.Tensor.of(new float[7], 7));
        replaceModel(ck, extra);
        assertLoadRefused(ck, file.toString(), "unexpected tensor 'log_threshold' for a topk SAE");

        Map<String, Safetensors.Tensor> nan = new LinkedHashMap<>(good);
        float[] b = good.get("b_enc").data().clone();
        b[4] = Float.POSITIVE_INFINITY;
        nan.put("b_enc", Safetensors.Tensor.of(b, 7));
        replaceModel(ck, nan);
        assertLoadRefused(ck, file.toString(), "tensor 'b_enc' element 4 is Infinity");

        replaceModel(ck, good);
        Files.writeString(ck.resolve(Checkpoint.CONFIG), Files.readString(ck.resolve(Checkpoint.CONFIG))
                .replace("\"latents\": 7", "\"latents\": \"seven\""), StandardCharsets.UTF_8);
        assertLoadRefused(ck, ck.resolve(Checkpoint.CONFIG).toString(), "field latents is seven; expected an integer");
    }

    @Test
    void latentArraysOfTheTrainerStateAreChecked() throws IOException {
        Path ck = dir.resolve("ck");
        Checkpoint.save(ck, state(model(Activation.TOPK, 1), 10), null);
        Path file = ck.resolve(Checkpoint.STATE);
        Map<String, Object> good = Json.readObject(file);

        Map<String, Object> m = Json.readObject(file);
        @SuppressWarnings("unchecked")
        Map<String, Object> progress = (Map<String, Object>) m.get("epoch_progress");
        progress.put("fired_latents", List.of(3L, 7L));
        Files.writeString(file, Json.write(m), StandardCharsets.UTF_8);
        assertLoadRefused(ck, file + " epoch_progress: field fired_latents[1] is 7; expected an integer in [0, 6]");

        m = new LinkedHashMap<>(good);
        m.put("tokens_since_fired", List.of(1L, 2L));
        Files.writeString(file, Json.write(m), StandardCharsets.UTF_8);
        assertLoadRefused(ck, file + ": field tokens_since_fired is an array of 2; expected an array of 7 token"
                + " counts");
        m.put("tokens_since_fired", List.of(0L, 1L, 2L, -3L, 4L, 5L, 6L));
        Files.writeString(file, Json.write(m), StandardCharsets.UTF_8);
        assertLoadRefused(ck, file + ": field tokens_since_fired[3] is -3; expected a non-negative integer");

        Files.writeString(file, Json.write(good), StandardCharsets.UTF_8);
        TrainState back = Checkpoint.load(ck).state();
        assertThat(back.epoch().fired()[3]).isTrue();
        assertThat(back.optimizer().sinceFired).containsExactly(state(model(Activation.TOPK, 1), 10).optimizer()
                .sinceFired);
    }

    @Test
    void missingDirectoryAndConfigAreNamed() throws IOException {
        assertLoadRefused(dir.resolve("nope"), "nope: no such directory");
        Files.createDirectories(dir.resolve("empty"));
        assertLoadRefused(dir.resolve("empty"), "cfg.json: missing");
    }

    @Test
    void everyTrainingSettingSurvivesTheTrainerState() {
        org.sae4j.train.TrainConfig t = org.sae4j.train.TrainConfig.builder().batchSize(7).epochs(3).maxSteps(11)
                .lr(2e-3).warmupSteps(5).cosineDecay(true, 0.2).optimizer(org.sae4j.train.Optimizer.SGD)
                .adam(0.8, 0.99, 1e-7).clipGrad(0.5)
                .reanimation(org.sae4j.train.CoefSchedule.auto(1e-4, 0.02, 40))
                .reanimationForm(org.sae4j.train.ReanimationForm.OVERCOMPLETE).l1(0.1, true).l0(0.2)
                .auxk(1.0 / 32, 12).deadWindowTokens(12345).reanimationWindowMask(true)
                .decoderBiasInit(org.sae4j.train.TrainConfig.BiasInit.GEOMETRIC_MEDIAN).encoderInitScale(0.25)
                .threads(3).seed(99).build();
        String json = Json.write(Checkpoint.trainConfigJson(t));
        @SuppressWarnings("unchecked")
        java.util.Map<String, Object> m = (java.util.Map<String, Object>) Json.parse(json);
        org.assertj.core.api.Assertions.assertThat(Checkpoint.parseTrainConfig(m, "state.json")).isEqualTo(t);
    }
}
