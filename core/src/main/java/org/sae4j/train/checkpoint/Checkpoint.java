package org.sae4j.train.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.io.AtomicFiles;
import org.sae4j.io.json.Json;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;

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
 *
 * <p>This class orders the files of a save and a load; each file's contents are a collaborator's:
 * {@link CheckpointTensors} ({@value #MODEL}), {@link CheckpointConfig} ({@value #CONFIG}),
 * {@link CheckpointTrainerState} ({@value #STATE}, {@value #OPTIMIZER}), and {@link CheckpointDirectory} the atomic
 * replacement and crash recovery.
 */
public final class Checkpoint {
    public static final String MODEL = "model.safetensors";
    public static final String CONFIG = "cfg.json";
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";

    private Checkpoint() {}

    /** A loaded directory: the model, its input standardisation (null if none) and trainer state (null if none). */
    /** A checkpoint read back; {@code source} is what its training rows were ({@code null}: not recorded). */
    public record Loaded(Sae sae, Standardizer standardizer, TrainState state, ActivationSource source) {
        public Loaded(Sae sae, Standardizer standardizer, TrainState state) {
            this(sae, standardizer, state, null);
        }
    }

    /** Test hook: called at each stage of a save; throwing from it simulates a crash at that point. */
    interface Hook {
        void at(String stage) throws IOException;
    }

    private static final Hook NO_HOOK = stage -> { };

    // ---------------------------------------------------------------- saving

    /** Saves a model without trainer state (e.g. as a starting point for {@code --init}). */
    public static void save(Path dir, Sae sae, Standardizer standardizer) throws IOException {
        save(dir, sae, standardizer, null, null, NO_HOOK);
    }

    /** Saves the model of {@code state} together with its trainer state. */
    public static void save(Path dir, TrainState state, Standardizer standardizer) throws IOException {
        save(dir, state, standardizer, null);
    }

    /** As {@link #save(Path, TrainState, Standardizer)}, recording where the training rows came from (or null). */
    public static void save(Path dir, TrainState state, Standardizer standardizer, ActivationSource source)
            throws IOException {
        save(dir, state.sae(), standardizer, source, state, NO_HOOK);
    }

    static void save(Path dir, Sae sae, Standardizer standardizer, TrainState state, Hook hook) throws IOException {
        save(dir, sae, standardizer, null, state, hook);
    }

    private static void save(Path dir, Sae sae, Standardizer standardizer, ActivationSource source, TrainState state,
            Hook hook) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        if (target.getParent() == null) {
            throw new BadInputException(dir + ": cannot write a checkpoint at the file-system root; expected a"
                    + " directory path");
        }
        CheckpointTensors.checkFinite(sae, state);
        CheckpointDirectory.replace(target, state, (d, writing) -> writeContents(d, sae, standardizer, source, state,
                writing), hook);
    }

    private static void writeContents(Path d, Sae sae, Standardizer standardizer, ActivationSource source,
            TrainState state, String[] writing) throws IOException {
        writing[0] = MODEL;
        CheckpointTensors.write(d.resolve(MODEL), sae, state);
        writing[0] = CONFIG;
        AtomicFiles.writeString(d.resolve(CONFIG), Json.writePretty(CheckpointConfig.configJson(sae, standardizer,
                source))
                + "\n");
        if (state != null) {
            CheckpointTrainerState.write(d, state, writing);
        }
    }

    /** The architecture fields of cfg.json (also what {@code inspect} shows). */
    public static Map<String, Object> saeConfigJson(SaeConfig c) {
        return CheckpointConfig.saeConfigJson(c);
    }

    static Map<String, Object> trainConfigJson(TrainConfig t) {
        return CheckpointTrainerState.trainConfigJson(t);
    }

    static TrainConfig parseTrainConfig(Map<String, Object> m, String src) {
        return CheckpointTrainerState.parseTrainConfig(m, src);
    }

    // ---------------------------------------------------------------- loading

    /** True when {@code dir} holds a model ({@value #CONFIG} or {@value #MODEL}), after crash recovery. */
    public static boolean exists(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        CheckpointDirectory.recover(target);
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
        CheckpointDirectory.recover(target);
        if (!Files.isDirectory(target)) {
            throw new BadInputException(dir + ": " + (Files.exists(target) ? "not a directory" : "no such directory")
                    + "; expected a model directory with " + CONFIG + " and " + MODEL);
        }
        Path cfgFile = target.resolve(CONFIG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new BadInputException(cfgFile + ": missing; expected the model's config next to " + MODEL);
        }
        Map<String, Object> cj = Json.readObject(cfgFile);
        SaeConfig c = CheckpointConfig.parseConfig(cj, cfgFile.toString());
        Standardizer std = CheckpointConfig.parseStandardizer(cj, cfgFile, c);
        float[][] t = CheckpointTensors.readTensors(target.resolve(MODEL), c, "");
        boolean jump = c.activation() == org.sae4j.model.Activation.JUMPRELU;
        Sae sae = Sae.of(c, t[0], t[1], t[2], t[3], jump ? t[4] : null, c.skip() ? t[t.length - 1] : null);
        CheckpointConfig.readBatchTopKThreshold(cj, cfgFile, sae);
        TrainState state = null;
        Path stateFile = target.resolve(STATE);
        if (withState && Files.isRegularFile(stateFile)) {
            state = CheckpointTrainerState.parseState(stateFile, target, sae);
        }
        return new Loaded(sae, std, state, ActivationSource.fromConfig(cj, cfgFile.toString()));
    }

    // ---------------------------------------------------------------- file helpers

    /** Deletes a file or directory tree if it exists; see {@link AtomicFiles#deleteTree}. */
    public static void deleteTree(Path p) throws IOException {
        AtomicFiles.deleteTree(p);
    }

    /** True when {@code dir} is missing or an empty directory; see {@link AtomicFiles#isAbsentOrEmpty}. */
    public static boolean isAbsentOrEmpty(Path dir) throws IOException {
        return AtomicFiles.isAbsentOrEmpty(dir);
    }
}
