package org.sae4j.train.checkpoint;

import static org.sae4j.train.checkpoint.Checkpoint.OPTIMIZER;
import static org.sae4j.train.checkpoint.Checkpoint.STATE;
import static org.sae4j.train.checkpoint.CheckpointConfig.FORMAT;
import static org.sae4j.train.checkpoint.CheckpointConfig.FORMAT_VERSION;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;
import org.sae4j.io.json.JsonFields;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.Optimizer;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;
import org.sae4j.train.UserTerm;

/**
 * The trainer state that resumes a run exactly: {@value Checkpoint#STATE} (step, batch position, the
 * {@link TrainConfig}, dead-latent counters, epoch progress) and, for Adam, the moments in
 * {@value Checkpoint#OPTIMIZER}. Fields are listed in {@code src/docs/checkpoints.md}.
 */
final class CheckpointTrainerState {
    private CheckpointTrainerState() {}

    /** Writes {@value Checkpoint#OPTIMIZER} (Adam only) and {@value Checkpoint#STATE} into {@code d}. */
    static void write(Path d, TrainState state, String[] writing) throws IOException {
        Sae sae = state.sae();
        SaeConfig c = sae.config();
        if (state.config().optimizer() == Optimizer.ADAM) {
            Map<String, Safetensors.Tensor> moments = new LinkedHashMap<>();
            String[] names = sae.tensorNames();
            long[][] shapes = CheckpointTensors.shapes(c);
            for (int t = 0; t < names.length; t++) {
                moments.put("exp_avg." + names[t], new Safetensors.Tensor(shapes[t], state.optimizer().m[t]));
                moments.put("exp_avg_sq." + names[t], new Safetensors.Tensor(shapes[t], state.optimizer().v[t]));
            }
            writing[0] = OPTIMIZER;
            Safetensors.write(d.resolve(OPTIMIZER), moments, Map.of("step", Long.toString(state.step())));
        }
        writing[0] = STATE;
        AtomicFiles.writeString(d.resolve(STATE), Json.writePretty(stateJson(state)) + "\n");
    }

    static Map<String, Object> trainConfigJson(TrainConfig t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("batch_size", (long) t.batchSize());
        m.put("epochs", (long) t.epochs());
        m.put("max_steps", t.maxSteps());
        m.put("lr", t.lr());
        m.put("warmup_steps", t.warmupSteps());
        m.put("cosine_decay", t.cosineDecay());
        m.put("min_lr_ratio", t.minLrRatio());
        m.put("optimizer", t.optimizer().id());
        m.put("beta1", t.beta1());
        m.put("beta2", t.beta2());
        m.put("adam_eps", t.adamEps());
        m.put("clip_grad", t.clipGrad());
        CoefSchedule rs = t.reanimation();
        Map<String, Object> re = new LinkedHashMap<>();
        re.put("kind", rs.kind().name().toLowerCase(java.util.Locale.ROOT));
        re.put("coef", rs.coef());
        re.put("start", rs.start());
        re.put("end", rs.end());
        re.put("threshold", rs.threshold());
        re.put("patience", rs.patience());
        m.put("reanimation", re);
        m.put("reanimation_form", t.reanimationForm().id());
        m.put("l1_coef", t.l1Coef());
        m.put("l1_decoder_norm_weighted", t.l1DecoderNormWeighted());
        m.put("l0_coef", t.l0Coef());
        m.put("auxk_coef", t.auxkCoef());
        m.put("auxk_k", (long) t.auxkK());
        m.put("dead_window_tokens", t.deadWindowTokens());
        m.put("resample_every", t.resampleEvery());
        m.put("preact_coef", t.preActCoef());
        m.put("reanimation_mask", t.reanimationWindowMask() ? "window" : "batch");
        m.put("decoder_bias_init", t.decoderBiasInit() == TrainConfig.BiasInit.MEAN ? "mean" : "median");
        m.put("encoder_init_scale", t.encoderInitScale());
        m.put("threads", (long) t.threads());
        m.put("seed", t.seed());
        if (!t.userTerms().isEmpty()) {
            // User loss terms by name and schedule: a resume must register the same terms (UserTerm.requireSame).
            List<Object> terms = new ArrayList<>();
            for (UserTerm u : t.userTerms()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("name", u.name());
                e.put("kind", u.schedule().kind().name().toLowerCase(java.util.Locale.ROOT));
                e.put("coef", u.schedule().coef());
                e.put("start", u.schedule().start());
                e.put("end", u.schedule().end());
                if (u.spec() != null) {
                    e.put("spec", u.spec());
                }
                terms.add(e);
            }
            m.put("loss_terms", terms);
        }
        return m;
    }

    /** The user loss terms a trainer state recorded (name and schedule; the code must be registered again). */
    private static List<UserTerm> recordedTerms(JsonFields f) {
        if (!f.has("loss_terms")) {
            return List.of();
        }
        List<UserTerm> out = new ArrayList<>();
        List<?> list = f.requireArray("loss_terms", "objects with name, kind, coef, start, end");
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> e)) {
                throw f.fail("loss_terms", Json.typeName(list.get(i)), "objects with name, kind, coef, start, end");
            }
            JsonFields t = new JsonFields(e, f.where() + " loss_terms[" + i + "]:");
            out.add(new UserTerm(t.requireString("name"), null, new CoefSchedule(scheduleKind(t),
                    t.requireDouble("coef"), t.requireLong("start"), t.requireLong("end"), 0, 0),
                    t.has("spec") ? t.requireString("spec") : null));
        }
        return out;
    }

    private static Map<String, Object> stateJson(TrainState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT + "-trainer-state");
        m.put("format_version", FORMAT_VERSION);
        m.put("step", s.step());
        m.put("total_steps", s.totalSteps());
        m.put("next_batch", s.next().toJson());
        m.put("data_rows", s.dataRows());
        m.put("batches", s.batches().toJson());
        Map<String, Object> rng = new LinkedHashMap<>();
        // Batch order is a pure function of (batch options, epoch) and init of the config's seed: no hidden state.
        rng.put("data_seed", s.batches().seed());
        rng.put("init_seed", s.sae().config().seed());
        m.put("rng", rng);
        m.put("train_config", trainConfigJson(s.config()));
        // Per latent, tokens since it last fired: the windowed dead mask AuxK uses.
        m.put("tokens_since_fired", s.optimizer().sinceFired);
        // The AUTO re-animation schedule's progress and decision.
        m.put("reanimation_calm_steps", s.optimizer().reanimationCalmSteps);
        m.put("reanimation_off", s.optimizer().reanimationOff);
        TrainState.EpochProgress p = s.epoch();
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("batches", p.batches());
        e.put("loss_sum", p.lossSum());
        e.put("r2_sum", p.r2Sum());
        e.put("l0_sum", p.l0Sum());
        e.put("seconds", p.seconds());
        List<Long> fired = new ArrayList<>();
        for (int j = 0; j < p.fired().length; j++) {
            if (p.fired()[j]) {
                fired.add((long) j);
            }
        }
        e.put("fired_latents", fired);
        m.put("epoch_progress", e);
        return m;
    }

    static TrainConfig parseTrainConfig(Map<String, Object> m, String src) {
        String where = src + " train_config";
        JsonFields f = new JsonFields(m, where + ":");
        JsonFields re = f.requireObject("reanimation");
        try {
            return TrainConfig.builder()
                    .batchSize(f.requirePositiveInt("batch_size"))
                    .epochs(f.requirePositiveInt("epochs"))
                    .maxSteps(f.requireLong("max_steps"))
                    .lr(f.requireDouble("lr"))
                    .warmupSteps(f.requireLong("warmup_steps"))
                    .cosineDecay(f.requireBoolean("cosine_decay"), f.requireDouble("min_lr_ratio"))
                    .optimizer(Optimizer.parse(f.requireString("optimizer")))
                    .adam(f.requireDouble("beta1"), f.requireDouble("beta2"),
                            f.requireDouble("adam_eps"))
                    .clipGrad(f.requireDouble("clip_grad"))
                    .reanimation(new CoefSchedule(scheduleKind(re),
                            re.requireDouble("coef"),
                            re.requireLong("start"),
                            re.requireLong("end"),
                            re.requireDouble("threshold"),
                            re.requireLong("patience")))
                    .reanimationForm(ReanimationForm.parse(f.requireString("reanimation_form")))
                    .l1(f.requireDouble("l1_coef"), f.requireBoolean("l1_decoder_norm_weighted"))
                    .l0(f.requireDouble("l0_coef"))
                    .auxk(f.requireDouble("auxk_coef"), f.requireNonNegativeInt("auxk_k"))
                    .deadWindowTokens(f.requireLong("dead_window_tokens"))
                    .reanimationWindowMask(reanimationMask(f))
                    .decoderBiasInit(TrainConfig.BiasInit.parse(f.requireString("decoder_bias_init")))
                    .encoderInitScale(f.requireDouble("encoder_init_scale"))
                    .threads(f.requirePositiveInt("threads"))
                    .seed(f.requireLong("seed"))
                    .lossTerms(recordedTerms(f))
                    // Absent from checkpoints written before these remedies existed: off.
                    .resampleEvery(f.has("resample_every") ? f.requireLong("resample_every") : 0)
                    .preAct(f.has("preact_coef") ? f.requireDouble("preact_coef") : 0)
                    .build();
        } catch (BadInputException e) {
            if (e.getMessage().startsWith(src)) {
                throw e;
            }
            throw new BadInputException(where + ": " + e.getMessage(), e);
        }
    }

    private static boolean reanimationMask(JsonFields f) {
        String v = f.requireString("reanimation_mask");
        return switch (v) {
            case "batch" -> false;
            case "window" -> true;
            default -> throw f.fail("reanimation_mask", "'" + v + "'", "batch or window");
        };
    }

    private static CoefSchedule.Kind scheduleKind(JsonFields re) {
        String k = re.requireString("kind");
        for (CoefSchedule.Kind c : CoefSchedule.Kind.values()) {
            if (c.name().equalsIgnoreCase(k)) {
                return c;
            }
        }
        throw re.fail("kind", k, "constant, linear, cosine or auto");
    }

    static TrainState parseState(Path file, Path dir, Sae sae) throws IOException {
        String src = file.toString();
        Map<String, Object> m = Json.readObject(file);
        JsonFields f = new JsonFields(m, src + ":");
        Object version = m.get("format_version");
        if (!(version instanceof Long v && v == FORMAT_VERSION)) {
            throw f.fail("format_version", String.valueOf(version), String.valueOf(FORMAT_VERSION));
        }
        long step = f.requireLong("step");
        long total = f.requireLong("total_steps");
        BatchStream.Position next = BatchStream.Position.fromJson(f.requireObjectMap("next_batch"), src);
        long dataRows = f.requireLong("data_rows");
        BatchOptions batches = BatchOptions.fromJson(f.requireObjectMap("batches"), src);
        TrainConfig tc = parseTrainConfig(f.requireObjectMap("train_config"), src);
        JsonFields e = f.requireObject("epoch_progress");
        boolean[] fired = new boolean[sae.latents()];
        for (long j : e.requireLongs("fired_latents", -1, 0, sae.latents() - 1, "latent indices")) {
            fired[(int) j] = true;
        }
        TrainState.EpochProgress progress = new TrainState.EpochProgress(e.requireLong("batches"),
                e.requireDouble("loss_sum"), e.requireDouble("r2_sum"), e.requireDouble("l0_sum"), fired,
                e.requireDouble("seconds"));

        OptimizerState opt = new OptimizerState(sae);
        opt.step = step;
        opt.reanimationCalmSteps = f.requireLong("reanimation_calm_steps");
        opt.reanimationOff = f.requireBoolean("reanimation_off");
        long[] sinceFired = f.requireLongs("tokens_since_fired", sae.latents(), 0, Long.MAX_VALUE, "token counts");
        System.arraycopy(sinceFired, 0, opt.sinceFired, 0, sinceFired.length);
        if (tc.optimizer() == Optimizer.ADAM) {
            Path of = dir.resolve(OPTIMIZER);
            if (!Files.isRegularFile(of)) {
                throw new BadInputException(of + ": missing; expected Adam moments next to " + STATE);
            }
            float[][] mt = readMoments(of, sae.config(), "exp_avg.", "exp_avg_sq.");
            int half = mt.length / 2;
            for (int t = 0; t < half; t++) {
                System.arraycopy(mt[t], 0, opt.m[t], 0, opt.m[t].length);
                System.arraycopy(mt[half + t], 0, opt.v[t], 0, opt.v[t].length);
            }
            try (Safetensors st = Safetensors.open(of)) {
                String s = st.metadata().get("step");
                if (!Long.toString(step).equals(s)) {
                    throw new BadInputException(of + ": __metadata__ step is " + s + "; expected " + step
                            + " as in " + STATE);
                }
            }
        }
        return new TrainState(sae, opt, tc, batches, next, dataRows, total, progress);
    }

    /** Both moment sets: the first half of the result is {@code mPrefix} tensors, the second {@code vPrefix}. */
    private static float[][] readMoments(Path file, SaeConfig c, String mPrefix, String vPrefix) throws IOException {
        String[] names = CheckpointTensors.names(c);
        long[][] shapes = CheckpointTensors.shapes(c);
        float[][] out = new float[2 * names.length][];
        try (Safetensors st = Safetensors.open(file)) {
            for (int i = 0; i < names.length; i++) {
                out[i] = st.readFloats(mPrefix + names[i], shapes[i]);
                out[names.length + i] = st.readFloats(vPrefix + names[i], shapes[i]);
            }
        }
        return out;
    }
}
