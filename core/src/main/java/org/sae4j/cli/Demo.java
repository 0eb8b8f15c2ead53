package org.sae4j.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.metrics.Metrics;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.EpochStats;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainListener;
import org.sae4j.train.Trainer;

/**
 * {@code sae4j demo}: 64 planted unit-norm atoms in d=32, each row a non-negative mix of 3 of them plus noise and a
 * large shared offset (the setting where TopK latents die). Trains a TopK SAE (n=128, k=4) with the seed's
 * re-animation term, prints overcomplete's epoch table and a summary, then the same run without the term.
 */
final class Demo {
    static final int DIM = 32;
    static final int ATOMS = 64;
    static final int ROWS = 4096;
    static final int LATENTS = 128;
    static final int K = 4;
    static final float OFFSET_NORM = 5f;

    static final Opt<Integer> EPOCHS = Opt.integer("--epochs", "E", "passes over the 4096 rows").withDefault("30");
    static final Opt<Long> SEED = Opt.longValue("--seed", "S", "data, initialisation and shuffling").withDefault("0");
    static final Opt<Double> REANIMATION = Opt.number("--reanimation", "COEF", "coefficient of the re-animation"
            + " term").withDefault("1e-3");
    static final Opt<Boolean> NO_BASELINE = Opt.flag("--no-baseline", "skip the same run without re-animation");
    static final OptionTable OPTIONS = OptionTable.of("demo", "train a TopK SAE with re-animation on synthetic"
            + " planted-dictionary data", List.of(),
            Opt.options(List.of(EPOCHS, SEED, Models.THREADS, REANIMATION, NO_BASELINE)));

    private Demo() {
    }

    static void run(String[] argv, PrintStream out) {
        Args a = OPTIONS.parse(argv, 0);
        int epochs = a.get(EPOCHS);
        long seed = a.get(SEED);
        int threads = a.get(Models.THREADS, Runtime.getRuntime().availableProcessors());
        double coef = a.get(REANIMATION);

        PlantedDictionary truth = PlantedDictionary.random(DIM, ATOMS, seed + 1);
        float[] offset = PlantedDictionary.random(DIM, 1, seed + 9).truth();
        for (int i = 0; i < DIM; i++) {
            offset[i] *= OFFSET_NORM;
        }
        float[] x = truth.sample(ROWS, 3, 0.01, offset, seed + 2);
        SaeConfig sae = SaeConfig.topK(DIM, LATENTS, K).withSeed(seed + 4);
        TrainConfig cfg = TrainConfig.builder().batchSize(128).epochs(epochs).lr(5e-3).reanimation(coef)
                .threads(threads).seed(seed + 3).build();

        VectorizationProvider p = VectorizationProvider.getInstance();
        out.printf(Locale.ROOT, "sae4j demo: TopK SAE d=%d n=%d k=%d on %d rows (%d planted atoms, 3 per row, "
                        + "shared offset of norm %.0f); kernels: %s (%d float lanes)%n",
                DIM, LATENTS, K, ROWS, ATOMS, OFFSET_NORM, p.name(), p.floatLanes());
        out.printf(Locale.ROOT, "re-animation: seed form, coef %s; Adam lr %s, batch %d, %d threads%n",
                coef, cfg.lr(), cfg.batchSize(), threads);
        Trainer t = new Trainer(sae, cfg).addListener(new TrainListener() {
            @Override
            public void onEpoch(EpochStats e) {
                out.println(e.line());
            }
        });
        Trainer.Summary s = t.fit(x, ROWS);
        out.println(summary("Summary", s, truth, x));
        if (!a.get(NO_BASELINE) && coef != 0) {
            Trainer.Summary base = new Trainer(sae, cfg.toBuilder().reanimation(0).build()).fit(x, ROWS);
            out.println(summary("Same run without re-animation", base, truth, x));
        }
    }

    static String summary(String title, Trainer.Summary s, PlantedDictionary truth, float[] x) {
        Sae m = s.sae();
        Sae.Forward f = m.forward(x, ROWS);
        return String.format(Locale.ROOT,
                "%s: R2 %.4f (explained variance %.4f), L0 %.2f, dead %.1f%% (last epoch), recovery %.4f, "
                        + "tokens/s %.0f",
                title, Metrics.r2ScalarMean(x, f.reconstruction(), ROWS, DIM),
                Metrics.explainedVariance(x, f.reconstruction(), ROWS, DIM), Metrics.l0(f.codes(), ROWS, LATENTS),
                100 * s.lastEpoch().deadFraction(), truth.recoveryScore(m.dictionary(), LATENTS),
                s.tokensPerSecond());
    }
}
