package org.sae4j.cli;

import static org.sae4j.cli.Option.flag;
import static org.sae4j.cli.Option.valued;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sae4j.Activation;
import org.sae4j.BadInputException;
import org.sae4j.Matryoshka;
import org.sae4j.SaeConfig;
import org.sae4j.io.Standardizer;
import org.sae4j.train.Checkpoint;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.Optimizer;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.TrainConfig;

/**
 * {@code train}'s options ({@link #TABLE}) and how they map onto {@link SaeConfig} ({@link #freshConfig}) and
 * {@link TrainConfig} ({@link #hyperParameters}). A new option is one table entry plus its line in one of those; if
 * it is {@link Option.Resume#FIXED_BY_RESUME}, also its recorded value in {@link ResumeOptions}.
 */
final class TrainOptions {
    static final String RESUME = "--resume";

    static final OptionTable TABLE = OptionTable.of("train",
            "train an SAE on a .npy file (or a directory of .npy shards), checkpointing into --out",
            List.of("SIGTERM/SIGINT: finish the step, save, exit 143/130 (a second one aborts at once)",
                    "--steps/--epochs count from the run's start: --steps 10, then --resume --steps 20 = --steps 20"),
            options());

    private TrainOptions() {
    }

    private static List<Option> options() {
        List<Option> o = new ArrayList<>(List.of(
                valued("--data", "PATH", "a 2-D float .npy file, or a directory of .npy shards").asRequired(),
                valued("--out", "DIR", "where checkpoints go (with --resume: that DIR unless given)").asRequired(),
                valued("--target", "PATH", "train a transcoder: the rows it reconstructs from --data's, row-aligned"
                        + " (e.g. an MLP's output where --data is its input); widths may differ"),
                flag("--skip", "a skip transcoder (with --target): adds a learned linear path W_skip·x, from 0")
                        .notWithResume(),
                valued("--latents", "N", "dictionary size (fresh runs)").asRequired().fixedByResume(),
                valued("--activation", "topk|batchtopk|jumprelu|relu|groupmax", "the code rule")
                        .withDefault("topk").fixedByResume(),
                valued("--k", "K", "active latents per row (topk; batchtopk: on average; groupmax: groups of"
                        + " latents/K, one active each)").fixedByResume(),
                valued("--matryoshka", "W1,W2,…", "nested prefixes (topk, batchtopk): latent counts or fractions of"
                        + " --latents; training adds each prefix's reconstruction loss").fixedByResume(),
                valued("--matryoshka-loss", "sum|mean", "how the prefixes' losses combine (sum: SAELens; mean:"
                        + " dictionary_learning)").withDefault("sum").fixedByResume(),
                valued("--batch", "B", "rows per step").withDefault("1024").fixedByResume(),
                valued("--epochs", "E", "passes over the data (or --steps)").withDefault("1"),
                valued("--steps", "S", "optimizer steps (or --epochs)"),
                valued("--lr", "LR", "learning rate").withDefault("5e-4").fixedByResume(),
                valued("--optimizer", "adam|sgd", "the update rule").withDefault("adam").fixedByResume(),
                valued("--clip-grad", "C", "global gradient-norm clip, 0 = off").withDefault("1.0").fixedByResume(),
                valued("--warmup-steps", "W", "linear learning-rate warm-up").withDefault("0").fixedByResume(),
                valued("--reanimation", "COEF", "coefficient of the dead-latent re-animation term")
                        .withDefault("1e-3").fixedByResume(),
                valued("--reanimation-form", "seed|overcomplete", "which re-animation term").withDefault("seed")
                        .fixedByResume(),
                valued("--reanimation-anneal", "START:END", "the coefficient falls linearly to 0 between these"
                        + " steps (= --reanimation-schedule linear:START:END)").fixedByResume(),
                valued("--reanimation-schedule", "constant|linear:START:END|cosine:START:END|auto:DEAD:PATIENCE",
                        "how the coefficient changes (auto: off once the dead fraction stays below DEAD for PATIENCE"
                                + " steps)").withDefault("constant").fixedByResume(),
                valued("--l1", "C", "L1 coefficient (relu only)").withDefault("1e-3").fixedByResume(),
                valued("--l0", "C", "L0 coefficient (jumprelu only)").withDefault("1e-3").fixedByResume(),
                valued("--jumprelu-threshold", "T", "every latent's initial threshold θ (jumprelu only; near the"
                        + " pre-activations' scale, since Adam moves log θ by about --lr a step whatever --l0 is)")
                        .withDefault("1e-3").fixedByResume(),
                valued("--jumprelu-bandwidth", "E", "width ε of the straight-through estimator's kernel (jumprelu"
                        + " only)").withDefault("1e-3").fixedByResume(),
                valued("--auxk", "COEF", "AuxK loss coefficient, 0 = off").withDefault("0").fixedByResume(),
                valued("--auxk-k", "K", "dead latents AuxK reconstructs with, 0 = dim/2").withDefault("0")
                        .fixedByResume(),
                valued("--resample-every", "N", "every N steps, give the latents dead over --dead-window new"
                        + " parameters from high-loss rows of the batch (resampling), 0 = off").withDefault("0")
                        .fixedByResume(),
                valued("--preact-loss", "COEF", "coefficient of the pre-activation loss on the batch's dead latents"
                        + " (jumprelu only), 0 = off").withDefault("0").fixedByResume(),
                valued("--dead-window", "TOKENS", "a latent not fired within this many tokens is dead (AuxK,"
                        + " --reanimation-mask window)").withDefault("1e7").fixedByResume(),
                valued("--reanimation-mask", "batch|window", "which latents re-animation pushes: fired nowhere in"
                        + " the batch, or not within --dead-window").withDefault("batch").fixedByResume(),
                valued("--decoder-bias-init", "mean|median", "b_dec from the first batch's").withDefault("mean")
                        .fixedByResume(),
                valued("--encoder-init-scale", "S", "W_enc = S · W_decᵀ at initialisation").withDefault("1.0")
                        .fixedByResume(),
                Option.repeatable("--loss-term", "CLASS,coef=C[,schedule=S][,KEY=VALUE…]", "add your own LossTerm"
                        + " from SAE4J_CLASSPATH (S: constant|linear:START:END|cosine:START:END)").fixedByResume(),
                valued("--standardize", "none|feature|norm|center", "input standardisation, stored with the model"
                        + " (center: subtract the data's per-feature mean)")
                        .withDefault("none").fixedByResume(),
                Models.THREADS,
                valued("--seed", "S", "initialisation and shuffling").withDefault("0").fixedByResume(),
                valued("--checkpoint-every", "N", "steps between checkpoints, 0 = at the end only")
                        .withDefault("1000"),
                valued("--log-every", "N", "steps between progress lines").withDefault("100"),
                flag("--json", "one JSON object per progress line and a summary, on stdout"),
                valued("--report", "FILE.html", "a self-contained HTML report of the run"),
                valued("--eval-data", "PATH", "held-out rows (.npy file or shard directory): R², EV, L0, no-fire and"
                        + " dense share in the log, --json and --report"),
                valued("--eval-target", "PATH", "a transcoder's held-out targets, row-aligned with --eval-data"),
                valued("--eval-every", "N", "steps between held-out evaluations, 0 = only at the end")
                        .withDefault("0"),
                valued("--eval-rows", "R", "held-out rows used (the first R), 0 = all").withDefault("0"),
                flag("--quiet", "no progress on stderr"),
                flag("--force", "replace the sae4j model already in --out"),
                valued("--on-save-error", "stop|retry", "a failed checkpoint ends the run (exit 1), or training"
                        + " goes on and saves again at the next one").withDefault("stop"),
                valued("--init", "DIR", "start from that model's weights (fresh optimizer)").notWithResume(),
                valued(RESUME, "DIR", "continue that run exactly (--steps/--epochs count from its start)")));
        for (Option m : Models.MODEL_OPTIONS) {
            o.add(m.notWithResume()); // they say how to read --init's folder; a resumed run reads its own
        }
        return o;
    }

    /** The optimisation settings of a fresh or {@code --init} run; {@code act} decides which penalty applies. */
    static TrainConfig.Builder hyperParameters(Args a, Activation act) {
        int batch = a.integer("--batch");
        if (batch <= 0) {
            throw new BadInputException("train --batch " + batch + ": expected a positive number of rows");
        }
        TrainConfig.Builder b = TrainConfig.builder().batchSize(batch)
                .lr(a.number("--lr"))
                .warmupSteps(a.longValue("--warmup-steps"))
                .optimizer(Optimizer.parse(a.string("--optimizer")))
                .clipGrad(a.number("--clip-grad"))
                .reanimationForm(ReanimationForm.parse(a.string("--reanimation-form")))
                .seed(a.longValue("--seed"));
        double coef = a.number("--reanimation");
        if (a.given("--reanimation-anneal") && a.given("--reanimation-schedule")) {
            throw new BadInputException("train: --reanimation-anneal and --reanimation-schedule both given; expected"
                    + " one (START:END is linear:START:END)");
        }
        if (a.given("--reanimation-anneal")) {
            String anneal = a.string("--reanimation-anneal");
            if (!anneal.matches("\\s*\\d+\\s*:\\s*\\d+\\s*")) {
                throw new BadInputException("train --reanimation-anneal '" + anneal + "': expected START:END steps,"
                        + " e.g. 5000:10000");
            }
            b.reanimation(CoefSchedule.parse("linear:" + anneal.replace(" ", ""), coef));
        } else {
            b.reanimation(CoefSchedule.parse(a.string("--reanimation-schedule"), coef));
        }
        if (a.given("--l1") && act != Activation.RELU) {
            throw new BadInputException("train --l1: only for --activation relu; expected it only with relu");
        }
        if (a.given("--l0") && act != Activation.JUMPRELU) {
            throw new BadInputException("train --l0: only for --activation jumprelu; expected it only with jumprelu");
        }
        b.l1(act == Activation.RELU ? a.number("--l1") : 0, false);
        b.l0(act == Activation.JUMPRELU ? a.number("--l0") : 0);
        double preAct = a.number("--preact-loss");
        if (a.given("--preact-loss") && act != Activation.JUMPRELU && preAct != 0) {
            throw new BadInputException("train --preact-loss: only for --activation jumprelu (it pushes pre-activations"
                    + " up to the threshold θ); expected it only with jumprelu");
        }
        if (!(preAct >= 0) || !Double.isFinite(preAct)) {
            throw new BadInputException("train --preact-loss " + a.string("--preact-loss") + ": expected a"
                    + " coefficient ≥ 0 (0 = off)");
        }
        b.preAct(act == Activation.JUMPRELU ? preAct : 0);
        long resampleEvery = a.longValue("--resample-every");
        if (resampleEvery < 0) {
            throw new BadInputException("train --resample-every " + resampleEvery + ": expected a number of steps"
                    + " ≥ 0 (0 = off)");
        }
        b.resampleEvery(resampleEvery);
        int auxkK = a.integer("--auxk-k");
        if (auxkK < 0) {
            throw new BadInputException("train --auxk-k " + auxkK + ": expected ≥ 0 (0 = dim/2)");
        }
        b.auxk(a.number("--auxk"), auxkK);
        long window = a.longValue("--dead-window");
        if (window <= 0) {
            throw new BadInputException("train --dead-window " + window + ": expected a positive number of tokens");
        }
        b.deadWindowTokens(window);
        String mask = a.string("--reanimation-mask");
        if (!mask.equals("batch") && !mask.equals("window")) {
            throw new BadInputException("train --reanimation-mask '" + mask + "': expected batch (the seed's: fired"
                    + " nowhere in the batch) or window (not fired within --dead-window tokens)");
        }
        b.reanimationWindowMask(mask.equals("window"));
        b.decoderBiasInit(TrainConfig.BiasInit.parse(a.string("--decoder-bias-init")));
        b.encoderInitScale(a.number("--encoder-init-scale"));
        b.lossTerms(LossTermSpec.parseAll(a.all("--loss-term")));
        return b;
    }

    /** The architecture of a fresh run. */
    /**
     * A fresh run's architecture for {@code data}: an autoencoder of its width, or with {@code --target} (a
     * {@link NpyDataset#paired} dataset) a transcoder from the input's width to the target's, skip with
     * {@code --skip}.
     */
    static SaeConfig freshConfig(Args a, Activation act, org.sae4j.io.NpyDataset data) {
        if (data.target() == null) {
            if (a.flag("--skip")) {
                throw new BadInputException("train --skip: only with --target PATH (a skip transcoder reconstructs"
                        + " another activation)");
            }
            return freshConfig(a, act, data.dim());
        }
        SaeConfig ae = freshConfig(a, act, data.input().dim());
        try {
            return ae.withTranscoder(new org.sae4j.Transcoding(data.target().dim(), a.flag("--skip")));
        } catch (BadInputException e) {
            throw new BadInputException("train --target: " + e.getMessage(), e);
        }
    }

    static SaeConfig freshConfig(Args a, Activation act, int dim) {
        if (!a.given("--latents")) {
            throw new BadInputException("train: --latents N is required (the dictionary size)");
        }
        int latents = a.integer("--latents");
        if (latents <= 0) {
            throw new BadInputException("train --latents " + latents + ": expected a positive dictionary size");
        }
        int k = 1;
        if (act.usesK()) {
            if (!a.given("--k")) {
                throw new BadInputException("train: --k K is required for --activation " + act.id() + " ("
                        + (act == Activation.GROUPMAX ? "the number of groups, one active latent each"
                        : "active latents per row" + (act == Activation.BATCHTOPK ? ", on average" : "")) + ")");
            }
            k = a.integer("--k");
            if (k <= 0 || k > latents) {
                throw new BadInputException("train --k " + k + ": expected 1 ≤ k ≤ latents (" + latents + ")");
            }
            if (act == Activation.GROUPMAX && latents % k != 0) {
                throw new BadInputException("train --k " + k + ": groupmax splits the " + latents + " latents into"
                        + " k equal groups; expected a divisor of --latents");
            }
        } else if (a.given("--k")) {
            throw new BadInputException("train --k: only for --activation topk, batchtopk or groupmax; " + act.id()
                    + " has no fixed k");
        }
        return new SaeConfig(dim, latents, act, k, true, false, jumpReluOption(a, act, "--jumprelu-bandwidth"),
                jumpReluOption(a, act, "--jumprelu-threshold"), a.longValue("--seed"), matryoshka(a, act, latents));
    }

    /** {@code --matryoshka} (with {@code --matryoshka-loss}) for a dictionary of {@code latents}, or null. */
    static Matryoshka matryoshka(Args a, Activation act, int latents) {
        if (!a.given("--matryoshka")) {
            if (a.given("--matryoshka-loss")) {
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
            loss = Matryoshka.Loss.parse(a.string("--matryoshka-loss"));
        } catch (BadInputException e) {
            throw new BadInputException("train --matryoshka-loss: " + e.getMessage(), e);
        }
        try {
            return Matryoshka.parse(a.string("--matryoshka"), latents, loss);
        } catch (BadInputException e) {
            throw new BadInputException("train " + e.getMessage(), e);
        }
    }

    /** {@code --jumprelu-threshold} or {@code --jumprelu-bandwidth}: positive, and given only for jumprelu. */
    static double jumpReluOption(Args a, Activation act, String name) {
        if (a.given(name) && act != Activation.JUMPRELU) {
            throw new BadInputException("train " + name + ": only for --activation jumprelu; expected it only with"
                    + " jumprelu");
        }
        double v = a.number(name);
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new BadInputException("train " + name + " " + a.string(name) + ": expected a positive number");
        }
        return v;
    }

    /** With --init, architecture options may be repeated but must agree with the model. */
    static void checkSameArchitecture(Args a, Activation act, SaeConfig sc, Path dir) {
        Path cfg = dir.resolve(Checkpoint.CONFIG);
        if (act != null && act != sc.activation()) {
            throw new BadInputException("train --activation " + act.id() + ": " + cfg + " says " + sc.activation().id()
                    + "; expected the model's architecture with --init");
        }
        if (a.given("--latents") && a.integer("--latents") != sc.latents()) {
            throw new BadInputException("train --latents " + a.string("--latents") + ": " + cfg + " says "
                    + sc.latents() + "; expected the model's architecture with --init");
        }
        if (a.given("--k") && a.integer("--k") != sc.k()) {
            throw new BadInputException("train --k " + a.string("--k") + ": " + cfg + " says " + sc.k()
                    + "; expected the model's architecture with --init");
        }
        if (a.given("--matryoshka") || a.given("--matryoshka-loss")) {
            Matryoshka given = matryoshka(a, sc.activation(), sc.latents());
            if (!java.util.Objects.equals(given, sc.matryoshka())) {
                throw new BadInputException("train --matryoshka " + a.string("--matryoshka") + ": " + cfg + " says "
                        + (sc.matryoshka() == null ? "no nesting" : sc.matryoshka().widths() + " ("
                        + sc.matryoshka().loss().id() + ")") + "; expected the model's architecture with --init");
            }
        }
        if (a.given("--skip") && sc.skip() != a.flag("--skip")) {
            throw new BadInputException("train --skip: " + cfg + " says " + (sc.transcoder() == null
                    ? "an autoencoder" : "a transcoder without a skip path") + "; expected the model's architecture"
                    + " with --init");
        }
        if (a.given("--jumprelu-threshold")) { // the model's θ are learned; an initial value cannot apply
            throw new BadInputException("train --jumprelu-threshold: --init " + dir + " brings its own thresholds;"
                    + " expected it only for a fresh run");
        }
        if (a.given("--jumprelu-bandwidth")
                && jumpReluOption(a, sc.activation(), "--jumprelu-bandwidth") != sc.jumpReluBandwidth()) {
            throw new BadInputException("train --jumprelu-bandwidth " + a.string("--jumprelu-bandwidth") + ": " + cfg
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
