package org.sae4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.model.Activation;
import org.sae4j.model.Matryoshka;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.Optimizer;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * {@code train}'s options, each declared once as a typed handle ({@link Opt}) and listed in {@link #ALL}, the
 * order of {@link #TABLE}; and how they map onto {@link SaeConfig} ({@link #freshConfig}) and {@link TrainConfig}
 * ({@link #hyperParameters}). A new option is one handle plus its line in one of those; one that {@code --resume}
 * fixes is declared with the value a run records for it ({@link Opt#fixedByResume}), which {@link ResumeOptions}
 * compares.
 */
final class TrainOptions {
    static final Opt<Path> DATA = Opt.path("--data", "PATH", "a 2-D float .npy file, or a directory of .npy shards")
            .asRequired();
    static final Opt<Path> OUT = Opt.path("--out", "DIR", "where checkpoints go (with --resume: that DIR unless"
            + " given)").asRequired();
    static final Opt<Path> TARGET = Opt.path("--target", "PATH", "train a transcoder: the rows it reconstructs from"
            + " --data's, row-aligned (e.g. an MLP's output where --data is its input); widths may differ");
    static final Opt<Boolean> SKIP = Opt.flag("--skip", "a skip transcoder (with --target): adds a learned linear path"
            + " W_skip·x, from 0").notWithResume();
    // The architecture: fixed by --resume, compared with the checkpoint's model.
    static final Opt<Integer> LATENTS = Opt.integer("--latents", "N", "dictionary size (fresh runs)").asRequired()
            .fixedByResume(ResumeOptions.Run::latents);
    static final Opt<Activation> ACTIVATION = Opt.parsed("--activation", "topk|batchtopk|jumprelu|relu|groupmax",
            "the code rule", Activation::parse).withDefault("topk").fixedByResume(r -> r.activation().id());
    static final Opt<Integer> K = Opt.integer("--k", "K", "active latents per row (topk; batchtopk: on average;"
            + " groupmax: groups of latents/K, one active each)").fixedByResume(ResumeOptions.Run::k);
    static final Opt<String> MATRYOSHKA = Opt.string("--matryoshka", "W1,W2,…", "nested prefixes (topk, batchtopk):"
            + " latent counts or fractions of --latents; training adds each prefix's reconstruction loss")
            .fixedByResume(ResumeOptions.Run::matryoshkaWidths);
    static final Opt<String> MATRYOSHKA_LOSS = Opt.string("--matryoshka-loss", "sum|mean", "how the prefixes' losses"
            + " combine (sum: SAELens; mean: dictionary_learning)").withDefault("sum")
            .fixedByResume(r -> r.matryoshkaLoss().id());
    // The optimisation: fixed by --resume, compared with the checkpoint's TrainConfig.
    static final Opt<Integer> BATCH = Opt.integer("--batch", "B", "rows per step").withDefault("1024")
            .fixedByResume(r -> r.cfg().batchSize());
    static final Opt<Integer> EPOCHS = Opt.integer("--epochs", "E", "passes over the data (or --steps)")
            .withDefault("1");
    static final Opt<Long> STEPS = Opt.longValue("--steps", "S", "optimizer steps (or --epochs)");
    static final Opt<Double> LR = Opt.number("--lr", "LR", "learning rate").withDefault("5e-4")
            .fixedByResume(r -> r.cfg().lr());
    static final Opt<Optimizer> OPTIMIZER = Opt.parsed("--optimizer", "adam|sgd", "the update rule", Optimizer::parse)
            .withDefault("adam").fixedByResume(r -> r.cfg().optimizer().name().toLowerCase(Locale.ROOT));
    static final Opt<Double> CLIP_GRAD = Opt.number("--clip-grad", "C", "global gradient-norm clip, 0 = off")
            .withDefault("1.0").fixedByResume(r -> r.cfg().clipGrad());
    static final Opt<Long> WARMUP_STEPS = Opt.longValue("--warmup-steps", "W", "linear learning-rate warm-up")
            .withDefault("0").fixedByResume(r -> r.cfg().warmupSteps());
    static final Opt<Double> REANIMATION = Opt.number("--reanimation", "COEF", "coefficient of the dead-latent"
            + " re-animation term").withDefault("1e-3").fixedByResume(r -> r.cfg().reanimation().coef());
    static final Opt<ReanimationForm> REANIMATION_FORM = Opt.parsed("--reanimation-form", "seed|overcomplete",
            "which re-animation term", ReanimationForm::parse).withDefault("seed")
            .fixedByResume(r -> r.cfg().reanimationForm().name().toLowerCase(Locale.ROOT));
    static final Opt<String> REANIMATION_ANNEAL = Opt.string("--reanimation-anneal", "START:END", "the coefficient"
            + " falls linearly to 0 between these steps (= --reanimation-schedule linear:START:END)")
            .fixedByResume(r -> r.cfg().reanimation().spec());
    static final Opt<String> REANIMATION_SCHEDULE = Opt.string("--reanimation-schedule",
            "constant|linear:START:END|cosine:START:END|auto:DEAD:PATIENCE", "how the coefficient changes (auto: off"
                    + " once the dead fraction stays below DEAD for PATIENCE steps)").withDefault("constant")
            .fixedByResume(r -> r.cfg().reanimation().spec());
    static final Opt<Double> L1 = Opt.number("--l1", "C", "L1 coefficient (relu only)").withDefault("1e-3")
            .fixedByResume(r -> r.cfg().l1Coef());
    static final Opt<Double> L0 = Opt.number("--l0", "C", "L0 coefficient (jumprelu only)").withDefault("1e-3")
            .fixedByResume(r -> r.cfg().l0Coef());
    static final Opt<Double> JUMPRELU_THRESHOLD = Opt.number("--jumprelu-threshold", "T", "every latent's initial"
            + " threshold θ (jumprelu only; near the pre-activations' scale, since Adam moves log θ by about --lr a"
            + " step whatever --l0 is)").withDefault("1e-3").fixedByResume(ResumeOptions.Run::jumpReluThreshold);
    static final Opt<Double> JUMPRELU_BANDWIDTH = Opt.number("--jumprelu-bandwidth", "E", "width ε of the"
            + " straight-through estimator's kernel (jumprelu only)").withDefault("1e-3")
            .fixedByResume(ResumeOptions.Run::jumpReluBandwidth);
    static final Opt<Double> AUXK = Opt.number("--auxk", "COEF", "AuxK loss coefficient, 0 = off").withDefault("0")
            .fixedByResume(r -> r.cfg().auxkCoef());
    static final Opt<Integer> AUXK_K = Opt.integer("--auxk-k", "K", "dead latents AuxK reconstructs with, 0 = dim/2")
            .withDefault("0").fixedByResume(r -> r.cfg().auxkK());
    static final Opt<Long> RESAMPLE_EVERY = Opt.longValue("--resample-every", "N", "every N steps, give the latents"
            + " dead over --dead-window new parameters from high-loss rows of the batch (resampling), 0 = off")
            .withDefault("0").fixedByResume(r -> r.cfg().resampleEvery());
    static final Opt<Double> PREACT_LOSS = Opt.number("--preact-loss", "COEF", "coefficient of the pre-activation"
            + " loss on the batch's dead latents (jumprelu only), 0 = off").withDefault("0")
            .fixedByResume(r -> r.cfg().preActCoef());
    static final Opt<Long> DEAD_WINDOW = Opt.longValue("--dead-window", "TOKENS", "a latent not fired within this"
            + " many tokens is dead (AuxK, --reanimation-mask window)").withDefault("1e7")
            .fixedByResume(r -> r.cfg().deadWindowTokens());
    static final Opt<String> REANIMATION_MASK = Opt.string("--reanimation-mask", "batch|window", "which latents"
            + " re-animation pushes: fired nowhere in the batch, or not within --dead-window").withDefault("batch")
            .fixedByResume(r -> r.cfg().reanimationWindowMask() ? "window" : "batch");
    static final Opt<TrainConfig.BiasInit> DECODER_BIAS_INIT = Opt.parsed("--decoder-bias-init", "mean|median",
            "b_dec from the first batch's", TrainConfig.BiasInit::parse).withDefault("mean")
            .fixedByResume(r -> r.cfg().decoderBiasInit().name().toLowerCase(Locale.ROOT));
    static final Opt<Double> ENCODER_INIT_SCALE = Opt.number("--encoder-init-scale", "S", "W_enc = S · W_decᵀ at"
            + " initialisation").withDefault("1.0").fixedByResume(r -> r.cfg().encoderInitScale());
    static final Opt<List<String>> LOSS_TERM = Opt.repeatable("--loss-term", "CLASS,coef=C[,schedule=S][,KEY=VALUE…]",
            "add your own LossTerm from SAE4J_CLASSPATH (S: constant|linear:START:END|cosine:START:END)")
            .fixedByResume(r -> LossTermSpec.describe(r.cfg().userTerms()));
    static final Opt<String> STANDARDIZE = Opt.string("--standardize", "none|feature|norm|center", "input"
            + " standardisation, stored with the model (center: subtract the data's per-feature mean)")
            .withDefault("none").fixedByResume(r -> standardizeName(r.standardize()));
    static final Opt<Long> SEED = Opt.longValue("--seed", "S", "initialisation and shuffling").withDefault("0")
            .fixedByResume(r -> r.cfg().seed());
    // Where the run goes and how it reports: may change on --resume.
    static final Opt<Long> CHECKPOINT_EVERY = Opt.longValue("--checkpoint-every", "N", "steps between checkpoints,"
            + " 0 = at the end only").withDefault("1000");
    static final Opt<Long> LOG_EVERY = Opt.longValue("--log-every", "N", "steps between progress lines")
            .withDefault("100");
    static final Opt<Boolean> JSON = Opt.flag("--json", "one JSON object per progress line and a summary, on stdout");
    static final Opt<Path> REPORT = Opt.path("--report", "FILE.html", "a self-contained HTML report of the run");
    static final Opt<Path> EVAL_DATA = Opt.path("--eval-data", "PATH", "held-out rows (.npy file or shard"
            + " directory): R², EV, L0, no-fire and dense share in the log, --json and --report");
    static final Opt<Path> EVAL_TARGET = Opt.path("--eval-target", "PATH", "a transcoder's held-out targets,"
            + " row-aligned with --eval-data");
    static final Opt<Long> EVAL_EVERY = Opt.longValue("--eval-every", "N", "steps between held-out evaluations, 0 ="
            + " only at the end").withDefault("0");
    static final Opt<Long> EVAL_ROWS = Opt.longValue("--eval-rows", "R", "held-out rows used (the first R), 0 = all")
            .withDefault("0");
    static final Opt<Boolean> QUIET = Opt.flag("--quiet", "no progress on stderr");
    static final Opt<Boolean> FORCE = Opt.flag("--force", "replace the sae4j model already in --out");
    static final Opt<String> ON_SAVE_ERROR = Opt.string("--on-save-error", "stop|retry", "a failed checkpoint ends"
            + " the run (exit 1), or training goes on and saves again at the next one").withDefault("stop");
    // The three starts.
    static final Opt<Path> INIT = Opt.path("--init", "DIR", "start from that model's weights (fresh optimizer)")
            .notWithResume();
    static final Opt<Path> RESUME = Opt.path("--resume", "DIR", "continue that run exactly (--steps/--epochs count"
            + " from its start)");

    /** Every option, in the order the usage shows them. */
    static final List<Opt<?>> ALL = all();

    static final OptionTable TABLE = OptionTable.of("train",
            "train an SAE on a .npy file (or a directory of .npy shards), checkpointing into --out",
            List.of("SIGTERM/SIGINT: finish the step, save, exit 143/130 (a second one aborts at once)",
                    "--steps/--epochs count from the run's start: --steps 10, then --resume --steps 20 = --steps 20"),
            Opt.options(ALL));

    private TrainOptions() {
    }

    private static List<Opt<?>> all() {
        List<Opt<?>> o = new ArrayList<>(List.of(DATA, OUT, TARGET, SKIP, LATENTS, ACTIVATION, K, MATRYOSHKA,
                MATRYOSHKA_LOSS, BATCH, EPOCHS, STEPS, LR, OPTIMIZER, CLIP_GRAD, WARMUP_STEPS, REANIMATION,
                REANIMATION_FORM, REANIMATION_ANNEAL, REANIMATION_SCHEDULE, L1, L0, JUMPRELU_THRESHOLD,
                JUMPRELU_BANDWIDTH, AUXK, AUXK_K, RESAMPLE_EVERY, PREACT_LOSS, DEAD_WINDOW, REANIMATION_MASK,
                DECODER_BIAS_INIT, ENCODER_INIT_SCALE, LOSS_TERM, STANDARDIZE, Models.THREADS, SEED, CHECKPOINT_EVERY,
                LOG_EVERY, JSON, REPORT, EVAL_DATA, EVAL_TARGET, EVAL_EVERY, EVAL_ROWS, QUIET, FORCE, ON_SAVE_ERROR,
                INIT, RESUME));
        for (Opt<?> m : Models.MODEL_OPTIONS) {
            o.add(m.notWithResume()); // they say how to read --init's folder; a resumed run reads its own
        }
        return List.copyOf(o);
    }

    /** The option named {@code name} (for tests that go through options by name). */
    static Opt<?> byName(String name) {
        for (Opt<?> o : ALL) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new IllegalArgumentException("train has no option " + name);
    }

    /** The optimisation settings of a fresh or {@code --init} run; {@code act} decides which penalty applies. */
    static TrainConfig.Builder hyperParameters(Args a, Activation act) {
        int batch = a.get(BATCH);
        if (batch <= 0) {
            throw new BadInputException("train --batch " + batch + ": expected a positive number of rows");
        }
        TrainConfig.Builder b = TrainConfig.builder().batchSize(batch)
                .lr(a.get(LR))
                .warmupSteps(a.get(WARMUP_STEPS))
                .optimizer(a.get(OPTIMIZER))
                .clipGrad(a.get(CLIP_GRAD))
                .reanimationForm(a.get(REANIMATION_FORM))
                .seed(a.get(SEED));
        double coef = a.get(REANIMATION);
        if (a.given(REANIMATION_ANNEAL) && a.given(REANIMATION_SCHEDULE)) {
            throw new BadInputException("train: --reanimation-anneal and --reanimation-schedule both given; expected"
                    + " one (START:END is linear:START:END)");
        }
        if (a.given(REANIMATION_ANNEAL)) {
            String anneal = a.get(REANIMATION_ANNEAL);
            if (!anneal.matches("\\s*\\d+\\s*:\\s*\\d+\\s*")) {
                throw new BadInputException("train --reanimation-anneal '" + anneal + "': expected START:END steps,"
                        + " e.g. 5000:10000");
            }
            b.reanimation(CoefSchedule.parse("linear:" + anneal.replace(" ", ""), coef));
        } else {
            b.reanimation(CoefSchedule.parse(a.get(REANIMATION_SCHEDULE), coef));
        }
        if (a.given(L1) && act != Activation.RELU) {
            throw new BadInputException("train --l1: only for --activation relu; expected it only with relu");
        }
        if (a.given(L0) && act != Activation.JUMPRELU) {
            throw new BadInputException("train --l0: only for --activation jumprelu; expected it only with jumprelu");
        }
        b.l1(act == Activation.RELU ? a.get(L1) : 0, false);
        b.l0(act == Activation.JUMPRELU ? a.get(L0) : 0);
        double preAct = a.get(PREACT_LOSS);
        if (a.given(PREACT_LOSS) && act != Activation.JUMPRELU && preAct != 0) {
            throw new BadInputException("train --preact-loss: only for --activation jumprelu (it pushes pre-activations"
                    + " up to the threshold θ); expected it only with jumprelu");
        }
        if (!(preAct >= 0) || !Double.isFinite(preAct)) {
            throw new BadInputException("train --preact-loss " + a.text(PREACT_LOSS) + ": expected a"
                    + " coefficient ≥ 0 (0 = off)");
        }
        b.preAct(act == Activation.JUMPRELU ? preAct : 0);
        long resampleEvery = a.get(RESAMPLE_EVERY);
        if (resampleEvery < 0) {
            throw new BadInputException("train --resample-every " + resampleEvery + ": expected a number of steps"
                    + " ≥ 0 (0 = off)");
        }
        b.resampleEvery(resampleEvery);
        int auxkK = a.get(AUXK_K);
        if (auxkK < 0) {
            throw new BadInputException("train --auxk-k " + auxkK + ": expected ≥ 0 (0 = dim/2)");
        }
        b.auxk(a.get(AUXK), auxkK);
        long window = a.get(DEAD_WINDOW);
        if (window <= 0) {
            throw new BadInputException("train --dead-window " + window + ": expected a positive number of tokens");
        }
        b.deadWindowTokens(window);
        String mask = a.get(REANIMATION_MASK);
        if (!mask.equals("batch") && !mask.equals("window")) {
            throw new BadInputException("train --reanimation-mask '" + mask + "': expected batch (the seed's: fired"
                    + " nowhere in the batch) or window (not fired within --dead-window tokens)");
        }
        b.reanimationWindowMask(mask.equals("window"));
        b.decoderBiasInit(a.get(DECODER_BIAS_INIT));
        b.encoderInitScale(a.get(ENCODER_INIT_SCALE));
        b.lossTerms(LossTermSpec.parseAll(a.get(LOSS_TERM)));
        return b;
    }

    /**
     * A fresh run's architecture for {@code data}: an autoencoder of its width, or with {@code --target} (a
     * {@link NpyDataset#paired} dataset) a transcoder from the input's width to the target's, skip with
     * {@code --skip}.
     */
    static SaeConfig freshConfig(Args a, Activation act, org.sae4j.data.NpyDataset data) {
        if (data.target() == null) {
            if (a.get(SKIP)) {
                throw new BadInputException("train --skip: only with --target PATH (a skip transcoder reconstructs"
                        + " another activation)");
            }
            return freshConfig(a, act, data.dim());
        }
        SaeConfig ae = freshConfig(a, act, data.input().dim());
        try {
            return ae.withTranscoder(new org.sae4j.model.Transcoding(data.target().dim(), a.get(SKIP)));
        } catch (BadInputException e) {
            throw new BadInputException("train --target: " + e.getMessage(), e);
        }
    }

    static SaeConfig freshConfig(Args a, Activation act, int dim) {
        if (!a.given(LATENTS)) {
            throw new BadInputException("train: --latents N is required (the dictionary size)");
        }
        int latents = a.get(LATENTS);
        if (latents <= 0) {
            throw new BadInputException("train --latents " + latents + ": expected a positive dictionary size");
        }
        int k = 1;
        if (act.usesK()) {
            if (!a.given(K)) {
                throw new BadInputException("train: --k K is required for --activation " + act.id() + " ("
                        + (act == Activation.GROUPMAX ? "the number of groups, one active latent each"
                        : "active latents per row" + (act == Activation.BATCHTOPK ? ", on average" : "")) + ")");
            }
            k = a.get(K);
            if (k <= 0 || k > latents) {
                throw new BadInputException("train --k " + k + ": expected 1 ≤ k ≤ latents (" + latents + ")");
            }
            if (act == Activation.GROUPMAX && latents % k != 0) {
                throw new BadInputException("train --k " + k + ": groupmax splits the " + latents + " latents into"
                        + " k equal groups; expected a divisor of --latents");
            }
        } else if (a.given(K)) {
            throw new BadInputException("train --k: only for --activation topk, batchtopk or groupmax; " + act.id()
                    + " has no fixed k");
        }
        return new SaeConfig(dim, latents, act, k, true, false, jumpReluOption(a, act, JUMPRELU_BANDWIDTH),
                jumpReluOption(a, act, JUMPRELU_THRESHOLD), a.get(SEED), matryoshka(a, act, latents));
    }

    /** {@code --matryoshka} (with {@code --matryoshka-loss}) for a dictionary of {@code latents}, or null. */
    static Matryoshka matryoshka(Args a, Activation act, int latents) {
        if (!a.given(MATRYOSHKA)) {
            if (a.given(MATRYOSHKA_LOSS)) {
                throw new BadInputException("train --matryoshka-loss: only with --matryoshka W1,W2,…");
            }
            return null;
        }
        if (act != Activation.TOPK && act != Activation.BATCHTOPK) {
            throw new BadInputException("train --matryoshka: only for --activation topk or batchtopk; " + act.id()
                    + " has no fixed budget to nest");
        }
        Matryoshka.Loss loss;
        try {
            loss = Matryoshka.Loss.parse(a.get(MATRYOSHKA_LOSS));
        } catch (BadInputException e) {
            throw new BadInputException("train --matryoshka-loss: " + e.getMessage(), e);
        }
        try {
            return Matryoshka.parse(a.get(MATRYOSHKA), latents, loss);
        } catch (BadInputException e) {
            throw new BadInputException("train " + e.getMessage(), e);
        }
    }

    /** {@code --jumprelu-threshold} or {@code --jumprelu-bandwidth}: positive, and given only for jumprelu. */
    static double jumpReluOption(Args a, Activation act, Opt<Double> option) {
        if (a.given(option) && act != Activation.JUMPRELU) {
            throw new BadInputException("train " + option.name() + ": only for --activation jumprelu; expected it only"
                    + " with jumprelu");
        }
        double v = a.get(option);
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new BadInputException("train " + option.name() + " " + a.text(option) + ": expected a positive"
                    + " number");
        }
        return v;
    }

    /** As {@link #jumpReluOption(Args, Activation, Opt)} for the option called {@code name}. */
    @SuppressWarnings("unchecked") // both jumprelu options are Opt<Double>
    static double jumpReluOption(Args a, Activation act, String name) {
        Opt<?> o = byName(name);
        if (o != JUMPRELU_THRESHOLD && o != JUMPRELU_BANDWIDTH) {
            throw new IllegalArgumentException(name + ": not a jumprelu option");
        }
        return jumpReluOption(a, act, (Opt<Double>) o);
    }

    /** With --init, architecture options may be repeated but must agree with the model. */
    static void checkSameArchitecture(Args a, Activation act, SaeConfig sc, Path dir) {
        Path cfg = dir.resolve(Checkpoint.CONFIG);
        if (act != null && act != sc.activation()) {
            throw new BadInputException("train --activation " + act.id() + ": " + cfg + " says " + sc.activation().id()
                    + "; expected the model's architecture with --init");
        }
        if (a.given(LATENTS) && a.get(LATENTS) != sc.latents()) {
            throw new BadInputException("train --latents " + a.text(LATENTS) + ": " + cfg + " says "
                    + sc.latents() + "; expected the model's architecture with --init");
        }
        if (a.given(K) && a.get(K) != sc.k()) {
            throw new BadInputException("train --k " + a.text(K) + ": " + cfg + " says " + sc.k()
                    + "; expected the model's architecture with --init");
        }
        if (a.given(MATRYOSHKA) || a.given(MATRYOSHKA_LOSS)) {
            Matryoshka given = matryoshka(a, sc.activation(), sc.latents());
            if (!java.util.Objects.equals(given, sc.matryoshka())) {
                throw new BadInputException("train --matryoshka " + a.get(MATRYOSHKA) + ": " + cfg + " says "
                        + (sc.matryoshka() == null ? "no nesting" : sc.matryoshka().widths() + " ("
                        + sc.matryoshka().loss().id() + ")") + "; expected the model's architecture with --init");
            }
        }
        if (a.given(SKIP) && sc.skip() != a.get(SKIP)) {
            throw new BadInputException("train --skip: " + cfg + " says " + (sc.transcoder() == null
                    ? "an autoencoder" : "a transcoder without a skip path") + "; expected the model's architecture"
                    + " with --init");
        }
        if (a.given(JUMPRELU_THRESHOLD)) { // the model's θ are learned; an initial value cannot apply
            throw new BadInputException("train --jumprelu-threshold: --init " + dir + " brings its own thresholds;"
                    + " expected it only for a fresh run");
        }
        if (a.given(JUMPRELU_BANDWIDTH)
                && jumpReluOption(a, sc.activation(), JUMPRELU_BANDWIDTH) != sc.jumpReluBandwidth()) {
            throw new BadInputException("train --jumprelu-bandwidth " + a.text(JUMPRELU_BANDWIDTH) + ": " + cfg
                    + " says " + sc.jumpReluBandwidth() + "; expected the model's architecture with --init");
        }
    }

    static Standardizer.Mode standardizeMode(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> Standardizer.Mode.NONE;
            case "feature" -> Standardizer.Mode.PER_FEATURE;
            case "norm" -> Standardizer.Mode.UNIT_MEAN_SQUARED_NORM;
            case "center" -> Standardizer.Mode.CENTER;
            default -> throw new BadInputException("train --standardize '" + s + "': expected none, feature"
                    + " (per-feature mean/std), norm (unit mean squared norm) or center (per-feature mean only)");
        };
    }

    /** The {@code --standardize} word for a mode. */
    static String standardizeName(Standardizer.Mode m) {
        return switch (m) {
            case NONE -> "none";
            case PER_FEATURE -> "feature";
            case UNIT_MEAN_SQUARED_NORM -> "norm";
            case CENTER -> "center";
        };
    }
}
