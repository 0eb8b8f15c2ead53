package org.sae4j.train;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sae4j.Activation;
import org.sae4j.BadInputException;
import org.sae4j.Sae;
import org.sae4j.SaeConfig;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.BatchOptions;
import org.sae4j.io.BatchStream;
import org.sae4j.io.Json;
import org.sae4j.io.JsonFields;
import org.sae4j.io.Safetensors;
import org.sae4j.io.Standardizer;

/**
 * A model directory, optionally with the trainer state that resumes its run exactly (src/docs/design.md §7).
 *
 * <ul>
 *   <li>{@value #MODEL}: F32 tensors {@code W_enc} [n, d], {@code b_enc} [n], {@code W_dec} [n, d], {@code b_dec}
 *       [d], and {@code log_threshold} [n] for JumpReLU; {@code __metadata__} says {@code format: pt} (so
 *       {@code safetensors.torch} loads it) plus the architecture as strings.
 *   <li>{@value #CONFIG}: the {@link SaeConfig} fields, BatchTopK's learned inference threshold, and the
 *       {@link Standardizer} statistics when inputs were standardised (encode and eval apply them).
 *   <li>{@value #STATE} and, for Adam, {@value #OPTIMIZER} ({@code exp_avg.<tensor>}, {@code exp_avg_sq.<tensor>}):
 *       the {@link TrainState} (see {@code src/docs/checkpoints.md} for the fields).
 * </ul>
 *
 * <p><b>Atomic saves.</b> A checkpoint is written whole into the sibling directory {@code .<name>.next} (every file
 * fsynced), then the old directory is renamed to {@code .<name>.prev}, the new one to {@code <name>}, and the old one
 * deleted. Model, config and state therefore always belong to the same step. A crash before the first rename leaves
 * the previous checkpoint in place; a crash between the two renames leaves it in {@code .<name>.prev}, which the next
 * {@link #load} or {@link #save} moves back. The directory is owned by sae4j: a save replaces all of it.
 *
 * <p>Loading validates every shape against {@value #CONFIG} and refuses non-finite values, each failure a one-line
 * {@link BadInputException} naming the file and the tensor or field.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "cfg.json";
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    static final String FORMAT = "sae4j";
    static final long FORMAT_VERSION = 1;

    private Checkpoint() {}

    /** A loaded directory: the model, its input standardisation (null if none) and trainer state (null if none). */
    public record Loaded(Sae sae, Standardizer standardizer, TrainState state) {}

    /** Test hook: called at each stage of a save; throwing from it simulates a crash at that point. */
    interface Hook {
        void at(String stage) throws IOException;
    }

    private static final Hook NO_HOOK = stage -> { };

    // ---------------------------------------------------------------- saving

    /** Saves a model without trainer state (e.g. as a starting point for {@code --init}). */
    public static void save(Path dir, Sae sae, Standardizer standardizer) throws IOException {
        save(dir, sae, standardizer, null, NO_HOOK);
    }

    /** Saves the model of {@code state} together with its trainer state. */
    public static void save(Path dir, TrainState state, Standardizer standardizer) throws IOException {
        save(dir, state.sae(), standardizer, state, NO_HOOK);
    }

    static void save(Path dir, Sae sae, Standardizer standardizer, TrainState state, Hook hook) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new BadInputException(dir + ": cannot write a checkpoint at the file-system root; expected a"
                    + " directory path");
        }
        checkFinite(sae, state);
        try {
            Files.createDirectories(parent);
            recover(target);
        } catch (IOException e) {
            throw saveFailed(target, state, null, e);
        }
        Path next = sibling(target, "next");
        Path prev = sibling(target, "prev");
        String[] writing = {null}; // the file being written, to name it when a write fails
        boolean moved = false;
        try {
            deleteTree(next);
            Files.createDirectory(next);
            writeContents(next, sae, standardizer, state, writing);
            writing[0] = null;
            AtomicFiles.fsyncDirectory(next);
            hook.at("written");
            if (Files.exists(target)) {
                move(target, prev);
                moved = true;
            }
            hook.at("old-moved");
            move(next, target);
            moved = false;
            AtomicFiles.fsyncDirectory(parent);
            hook.at("renamed");
        } catch (IOException | RuntimeException e) {
            if (moved && !Files.exists(target)) {
                try {
                    move(prev, target);
                } catch (IOException restore) {
                    e.addSuppressed(restore);
                }
            }
            try {
                deleteTree(next);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw saveFailed(target, state, writing[0], io);
            }
            throw e;
        }
        deleteTree(prev);
    }

    /** One line naming the checkpoint, the file being written and the cause (disk full, permission, I/O error). */
    private static IOException saveFailed(Path target, TrainState state, String file, IOException e) {
        return new IOException(target + ": checkpoint" + (state == null ? "" : " of step " + state.step())
                + " not saved (" + (file == null ? "" : "writing " + file + ": ") + AtomicFiles.describe(e)
                + "); the previous one, if any, is unchanged", e);
    }

    /** A model with NaN/Inf could never be loaded again: refuse it before anything is replaced. */
    private static void checkFinite(Sae sae, TrainState state) {
        String[] names = sae.tensorNames();
        float[][] t = sae.tensors();
        for (int i = 0; i < t.length; i++) {
            for (int j = 0; j < t[i].length; j++) {
                if (!Float.isFinite(t[i][j])) {
                    throw new BadInputException((state == null ? "model" : "step " + state.step()) + ": tensor '"
                            + names[i] + "' element " + j + " is " + t[i][j] + "; expected finite parameters (lower"
                            + " the learning rate), so this checkpoint is not saved");
                }
            }
        }
    }

    private static void writeContents(Path d, Sae sae, Standardizer standardizer, TrainState state,
            String[] writing) throws IOException {
        SaeConfig c = sae.config();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("sae4j_format_version", Long.toString(FORMAT_VERSION));
        meta.put("activation", c.activation().id());
        meta.put("dim", Integer.toString(c.dim()));
        meta.put("latents", Integer.toString(c.latents()));
        meta.put("k", Integer.toString(c.k()));
        if (state != null) {
            meta.put("step", Long.toString(state.step()));
        }
        writing[0] = MODEL;
        Safetensors.write(d.resolve(MODEL), tensors(sae, ""), meta);
        writing[0] = CONFIG;
        AtomicFiles.writeString(d.resolve(CONFIG), Json.writePretty(configJson(sae, standardizer)) + "\n");
        if (state != null) {
            if (state.config().optimizer() == Optimizer.ADAM) {
                Map<String, Safetensors.Tensor> moments = new LinkedHashMap<>();
                String[] names = sae.tensorNames();
                long[][] shapes = shapes(c);
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
    }

    private static Map<String, Safetensors.Tensor> tensors(Sae sae, String prefix) {
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        String[] names = sae.tensorNames();
        float[][] data = sae.tensors();
        long[][] shapes = shapes(sae.config());
        for (int t = 0; t < names.length; t++) {
            out.put(prefix + names[t], new Safetensors.Tensor(shapes[t], data[t]));
        }
        return out;
    }

    /** Shapes in {@link Sae#tensorNames()} order. */
    private static long[][] shapes(SaeConfig c) {
        long n = c.latents();
        long d = c.dim();
        long[][] s = {{n, d}, {n}, {n, d}, {d}, {n}};
        return c.activation() == Activation.JUMPRELU ? s : java.util.Arrays.copyOf(s, 4);
    }

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
        return m;
    }

    static Map<String, Object> configJson(Sae sae, Standardizer standardizer) {
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
        return m;
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
                    t.requireDouble("coef"), t.requireLong("start"), t.requireLong("end"), 0, 0)));
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

    // ---------------------------------------------------------------- loading

    /** True when {@code dir} holds a model ({@value #CONFIG} or {@value #MODEL}), after crash recovery. */
    public static boolean exists(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        recover(target);
        return Files.isRegularFile(target.resolve(CONFIG)) || Files.isRegularFile(target.resolve(MODEL));
    }

    /** Loads the model and, when present, the trainer state. */
    public static Loaded load(Path dir) throws IOException {
        return load(dir, true);
    }

    /** Loads the model only (trainer state, if any, is ignored). */
    public static Loaded loadModel(Path dir) throws IOException {
        return load(dir, false);
    }

    private static Loaded load(Path dir, boolean withState) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        recover(target);
        if (!Files.isDirectory(target)) {
            throw new BadInputException(dir + ": " + (Files.exists(target) ? "not a directory" : "no such directory")
                    + "; expected a model directory with " + CONFIG + " and " + MODEL);
        }
        Path cfgFile = target.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException(cfgFile + ": missing; expected the model's config next to " + MODEL);
        }
        Map<String, Object> cj = Json.readObject(cfgFile);
        SaeConfig c = parseConfig(cj, cfgFile.toString());
        Standardizer std = null;
        if (cj.get("standardizer") instanceof Map<?, ?> sm) {
            @SuppressWarnings("unchecked")
            Map<String, Object> smap = (Map<String, Object>) sm;
            std = Standardizer.fromJson(smap, cfgFile.toString());
            if (std.dim() != c.dim()) {
                throw new BadInputException(cfgFile + ": standardizer dim " + std.dim() + "; expected dim " + c.dim());
            }
        } else if (cj.containsKey("standardizer")) {
            throw new JsonFields(cj, cfgFile + ":").fail("standardizer", Json.typeName(cj.get("standardizer")),
                    "an object");
        }
        Path modelFile = target.resolve(MODEL);
        float[][] t = readTensors(modelFile, c, "");
        Sae sae = Sae.of(c, t[0], t[1], t[2], t[3], t.length > 4 ? t[4] : null);
        if (c.activation() == Activation.BATCHTOPK) {
            double th = new JsonFields(cj, cfgFile + ":").requireDouble("batchtopk_threshold");
            try {
                sae.setBatchTopKThreshold((float) th);
            } catch (BadInputException e) {
                throw new BadInputException(cfgFile + ": field " + e.getMessage(), e);
            }
        }
        TrainState state = null;
        Path stateFile = target.resolve(STATE);
        if (withState && Files.isRegularFile(stateFile)) {
            state = parseState(stateFile, target, sae);
        }
        return new Loaded(sae, std, state);
    }

    /** Reads the model's tensors with {@code prefix}, checking names, shapes and finiteness against the config. */
    private static float[][] readTensors(Path file, SaeConfig c, String prefix) throws IOException {
        String[] names = c.activation() == Activation.JUMPRELU
                ? new String[] {"W_enc", "b_enc", "W_dec", "b_dec", "log_threshold"}
                : new String[] {"W_enc", "b_enc", "W_dec", "b_dec"};
        long[][] shapes = shapes(c);
        try (Safetensors st = Safetensors.open(file)) {
            Set<String> expected = new java.util.LinkedHashSet<>();
            for (String n : names) {
                expected.add(prefix + n);
            }
            for (String present : st.names()) {
                if (!expected.contains(present)) {
                    throw new BadInputException(file + ": unexpected tensor '" + present + "' for a "
                            + c.activation().id() + " SAE; expected only " + expected);
                }
            }
            for (String name : expected) {
                if (!st.contains(name)) {
                    throw new BadInputException(file + ": no tensor '" + name + "'; expected " + expected
                            + " for a " + c.activation().id() + " SAE");
                }
            }
            float[][] out = new float[names.length][];
            for (int i = 0; i < names.length; i++) {
                String name = prefix + names[i];
                Safetensors.TensorInfo info = st.info(name);
                if (!java.util.Arrays.equals(info.shape(), shapes[i])) {
                    throw new BadInputException(file + ": tensor '" + name + "' has shape "
                            + java.util.Arrays.toString(info.shape()) + "; expected "
                            + java.util.Arrays.toString(shapes[i]) + " from " + CONFIG + " (dim " + c.dim()
                            + ", latents " + c.latents() + ")");
                }
                float[] v = st.readFloats(name);
                for (int j = 0; j < v.length; j++) {
                    if (!Float.isFinite(v[j])) {
                        throw new BadInputException(file + ": tensor '" + name + "' element " + j + " is " + v[j]
                                + "; expected finite values");
                    }
                }
                out[i] = v;
            }
            return out;
        }
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
        Object act = m.get("activation");
        if (!(act instanceof String as)) {
            throw f.fail("activation", Json.typeName(act), "\"topk\", \"relu\" or \"jumprelu\"");
        }
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
        try {
            return new SaeConfig(dim, latents, a, k, unit, pre, bw, th, seed);
        } catch (BadInputException e) {
            throw new BadInputException(src + ": " + e.getMessage(), e);
        }
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

    private static TrainState parseState(Path file, Path dir, Sae sae) throws IOException {
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
        String ew = src + " epoch_progress";
        boolean[] fired = new boolean[sae.latents()];
        Object fl = e.map().get("fired_latents");
        if (!(fl instanceof List<?> list)) {
            throw e.fail("fired_latents", Json.typeName(fl), "an array of latent indices");
        }
        for (Object o : list) {
            if (!(o instanceof Long j) || j < 0 || j >= sae.latents()) {
                throw new BadInputException(ew + ": fired_latents has " + o + "; expected indices in [0, "
                        + sae.latents() + ")");
            }
            fired[(int) (long) j] = true;
        }
        TrainState.EpochProgress progress = new TrainState.EpochProgress(e.requireLong("batches"),
                e.requireDouble("loss_sum"), e.requireDouble("r2_sum"), e.requireDouble("l0_sum"), fired,
                e.requireDouble("seconds"));

        OptimizerState opt = new OptimizerState(sae);
        opt.step = step;
        opt.reanimationCalmSteps = f.requireLong("reanimation_calm_steps");
        opt.reanimationOff = f.requireBoolean("reanimation_off");
        Object sf = m.get("tokens_since_fired");
        if (!(sf instanceof List<?> sfl) || sfl.size() != sae.latents()) {
            throw f.fail("tokens_since_fired", JsonFields.found(sf), "an array of " + sae.latents() + " token counts");
        }
        for (int j = 0; j < sfl.size(); j++) {
            opt.sinceFired[j] = f.nonNegativeLongAt("tokens_since_fired", sfl, j);
        }
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
        String[] names = c.activation() == Activation.JUMPRELU
                ? new String[] {"W_enc", "b_enc", "W_dec", "b_dec", "log_threshold"}
                : new String[] {"W_enc", "b_enc", "W_dec", "b_dec"};
        long[][] shapes = shapes(c);
        float[][] out = new float[2 * names.length][];
        try (Safetensors st = Safetensors.open(file)) {
            for (int i = 0; i < names.length; i++) {
                out[i] = st.readFloats(mPrefix + names[i], shapes[i]);
                out[names.length + i] = st.readFloats(vPrefix + names[i], shapes[i]);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- crash recovery and file helpers

    private static Path sibling(Path target, String kind) {
        return target.resolveSibling("." + target.getFileName() + "." + kind);
    }

    /**
     * Finishes or undoes an interrupted save: the old checkpoint waiting in {@code .<name>.prev} goes back when
     * {@code <name>} is missing, and is deleted when the new one is in place; an unfinished {@code .<name>.next}
     * is left for the next save to delete.
     */
    static void recover(Path target) throws IOException {
        if (target.getParent() == null) {
            return;
        }
        Path prev = sibling(target, "prev");
        if (Files.isDirectory(prev)) {
            if (Files.exists(target)) {
                deleteTree(prev);
            } else {
                move(prev, target);
                AtomicFiles.fsyncDirectory(target.getParent());
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a file or directory tree if it exists. */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** True when {@code dir} is missing or an empty directory. */
    public static boolean isAbsentOrEmpty(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return true;
        }
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        }
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
}
