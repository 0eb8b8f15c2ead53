package org.sae4j.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.sae4j.BadInputException;
import org.sae4j.data.ActivationSource;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.formats.LoadedModel;
import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;
import org.sae4j.train.Trainer;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * What a {@code train} run trains with, for each of its three starts: fresh (architecture from the options,
 * {@code b_dec} from the first batch), {@code --init DIR} (that model's weights and standardisation, a fresh
 * optimizer) and {@code --resume DIR} (weights, optimizer, step, data position and settings from DIR's trainer
 * state). Planned in two steps: {@link #start} reads the checkpoint and checks the options against it before any
 * data is opened, {@link Start#withData} then fixes what depends on the rows.
 *
 * @param source    what the training rows are (cfg.json records it), or null when unknown
 * @param std       the input standardisation, or null (inputs used as they are)
 * @param total     the step the run ends at
 * @param startStep the step it starts from (a resumed run's)
 */
record TrainPlan(Start start, ActivationSource source, SaeConfig sc, Standardizer std, BatchStream stream,
                 long perEpoch, TrainConfig cfg, Trainer trainer, long total, long startStep) {

    /**
     * A run's start, before its data: the checkpoint ({@code --resume}) or model ({@code --init}) it continues,
     * null for a fresh run; the activation the options name, null when they leave it to the model; the
     * hyper-parameters so far (the checkpoint's, or the options').
     */
    record Start(TrainRequest request, Checkpoint.Loaded loaded, Activation act, TrainConfig.Builder tb) {
        boolean resuming() {
            return request.resume() != null;
        }

        /** The rest of the plan, with the training rows {@code data} and the held-out rows {@code held} open. */
        TrainPlan withData(NpyDataset data, NpyDataset held) throws IOException {
            TrainRequest r = request;
            if (held != null && held.dim() != data.dim()) {
                throw new BadInputException("train --eval-data " + r.evalData() + ": rows have " + held.dim()
                        + " columns; expected " + data.dim() + ", the width of --data " + r.data());
            }
            ActivationSource source = source(data);
            SaeConfig sc = architecture(data);
            Standardizer std = standardizer(data, sc);
            if (resuming() && loaded.state().dataRows() != data.rows()) {
                throw new BadInputException(r.data() + ": " + data.rows() + " rows; expected the "
                        + loaded.state().dataRows() + " rows the checkpoint in " + r.resume() + " was trained on, to"
                        + " resume the same run");
            }
            BatchOptions bo = resuming() ? loaded.state().batches()
                    : BatchOptions.of(tb.build().batchSize(), tb.build().seed());
            BatchStream stream = data.batches(bo, std);
            long perEpoch = stream.batchesPerEpoch();
            length(perEpoch);
            TrainConfig cfg = tb.build();
            Trainer trainer;
            if (resuming()) {
                TrainState st = loaded.state();
                trainer = new Trainer(st.sae(), cfg).resumeFrom(st);
            } else if (loaded != null) {
                trainer = new Trainer(loaded.sae(), cfg);
            } else {
                trainer = new Trainer(sc, cfg);
            }
            long total = Math.min(perEpoch * cfg.epochs(), cfg.maxSteps() > 0 ? cfg.maxSteps() : Long.MAX_VALUE);
            long startStep = resuming() ? loaded.state().step() : 0;
            return new TrainPlan(this, source, sc, std, stream, perEpoch, cfg, trainer, total, startStep);
        }

        /** The model's architecture: the checkpoint's (the options may repeat it), else the options' for the data. */
        private SaeConfig architecture(NpyDataset data) {
            if (loaded == null) {
                return TrainOptions.freshConfig(request.args(), act, data);
            }
            SaeConfig sc = loaded.sae().config();
            TrainOptions.checkSameArchitecture(request.args(), act, sc, request.from());
            Models.checkWidth(data, loaded.sae(), request.from());
            return sc;
        }

        /** A resumed run's own standardizer (checked), else the one {@code --standardize} fits, or --init's. */
        private Standardizer standardizer(NpyDataset data, SaeConfig sc) throws IOException {
            Args a = request.args();
            Standardizer std;
            if (!resuming() && (a.given(TrainOptions.STANDARDIZE) || loaded == null)) {
                Standardizer.Mode sm = TrainOptions.standardizeMode(a.get(TrainOptions.STANDARDIZE));
                std = sm == Standardizer.Mode.NONE ? null : Standardizer.fit(data, sm);
            } else {
                std = loaded.standardizer();
            }
            if (std != null && sc.transcoder() != null) {
                // One standardizer cannot map the input and the target, which live in two spaces.
                throw new BadInputException("train --standardize " + a.get(TrainOptions.STANDARDIZE) + ": a"
                        + " transcoder uses its inputs and targets as given; expected --standardize none");
            }
            return std;
        }

        /** {@code --steps} or {@code --epochs} into the hyper-parameters, counted from the run's start. */
        private void length(long perEpoch) {
            Args a = request.args();
            if (a.given(TrainOptions.STEPS)) {
                long s = a.get(TrainOptions.STEPS);
                if (s <= 0) {
                    throw new BadInputException("train --steps " + s + ": expected a positive number of steps");
                }
                long e = (s + perEpoch - 1) / perEpoch;
                if (e > Integer.MAX_VALUE) {
                    throw new BadInputException("train --steps " + s + ": more than 2^31 epochs of " + perEpoch
                            + " batches; expected fewer steps");
                }
                tb.maxSteps(s).epochs((int) e);
            } else if (a.given(TrainOptions.EPOCHS)) {
                tb.epochs(a.get(TrainOptions.EPOCHS)).maxSteps(0);
            }
        }

        /**
         * What the training rows are, for cfg.json: --data's own record, else (a copy of the same rows) the
         * checkpoint's; a resume on rows of another tensor, or --eval-data of another tensor than --data, is refused.
         */
        private ActivationSource source(NpyDataset data) throws IOException {
            TrainRequest r = request;
            ActivationSource given = ActivationSource.of(r.data());
            ActivationSource recorded = loaded == null ? null : loaded.source();
            if (resuming()) {
                ActivationSource.check(recorded, given, "train --data " + r.data(), "the run in " + r.resume()
                        + " trains on", null);
            }
            ActivationSource src = given != null ? given : recorded;
            if (r.evalData() != null) {
                ActivationSource.check(src, ActivationSource.of(r.evalData()), "train --eval-data " + r.evalData(),
                        "the training rows are", null);
            }
            return src;
        }
    }

    /**
     * The start {@code r} asks for: the checkpoint's settings ({@code --resume}, checked against the options), an
     * imported model ({@code --init}) or nothing, and the hyper-parameters, checked before any data is read.
     */
    static Start start(TrainRequest r) throws IOException {
        Args a = r.args();
        Checkpoint.Loaded loaded = null;
        if (r.resume() != null) {
            loaded = Checkpoint.load(r.resume());
            if (loaded.state() == null) {
                throw new BadInputException(r.resume().resolve(Checkpoint.STATE) + ": missing; expected a checkpoint"
                        + " with trainer state to resume (use --init to start a new run from these weights)");
            }
            ResumeOptions.check(a, r.resume(), loaded.sae().config(), loaded.standardizer(),
                    loaded.state().config());
        } else if (r.init() != null) {
            loaded = initFrom(a, r.init());
        }
        Activation act = null;
        if (a.given(TrainOptions.ACTIVATION) || loaded == null) {
            act = a.get(TrainOptions.ACTIVATION);
        }
        TrainConfig.Builder tb = r.resume() != null ? loaded.state().config().toBuilder()
                : TrainOptions.hyperParameters(a, act);
        if (r.resume() != null) { // the recorded --loss-term texts build the same terms again
            tb.lossTerms(LossTermSpec.rebuild(loaded.state().config().userTerms()));
        }
        tb.threads(r.threads());
        tb.build(); // refuses impossible values (negative lr, …) before any data is read
        return new Start(r, loaded, act, tb);
    }

    /**
     * The model {@code --init} starts from, in any format; an imported model whose forward pass sae4j's trainer
     * cannot express (gated, per-row input normalisation) is refused with the reason, and exact JumpReLU thresholds
     * continue as sae4j's {@code log θ}.
     */
    private static Checkpoint.Loaded initFrom(Args a, Path initDir) throws IOException {
        LoadedModel m = Models.load(a, initDir);
        if (m.sae().rule() != null) {
            String why = m.sae().rule().trainingRefusal();
            if (why != null) {
                throw new BadInputException("train --init " + initDir + ": " + why + "; expected a model sae4j can"
                        + " train (standard, topk or jumprelu without input normalisation)");
            }
            m.sae().withRule(null);
        }
        return new Checkpoint.Loaded(m.sae(), m.standardizer(), null, m.source());
    }
}
