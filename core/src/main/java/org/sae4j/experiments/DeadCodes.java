package org.sae4j.experiments;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.sae4j.data.PlantedDictionary;
import org.sae4j.model.Activation;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.CoefSchedule;
import org.sae4j.train.ReanimationForm;
import org.sae4j.train.StepStats;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainListener;
import org.sae4j.train.Trainer;

/**
 * The dead-code experiment (src/docs/dead-codes.md): one dead-prone data set, every remedy, same seeds.
 *
 * <p>Data: sparse non-negative mixtures of planted atoms, plus a large shared mean offset and a few outlier
 * dimensions. Feature death grows with the ratio of the mean's norm to the spread: the encoder's tied initial rows
 * all see mostly the offset, the same few latents win every row, and the rest never fire.
 */
public final class DeadCodes {

    /** Sizes and budget of one experiment. */
    public record Setup(int dim, int latents, int k, int atoms, int rows, int batch, int steps, long deadWindow,
                        double offsetNorm, double outlierScale, long seed) {
        /** The write-up's setting: d=64, n=2048, TopK k=16. */
        public static Setup full() {
            return new Setup(64, 2048, 16, 512, 65_536, 1024, 1500, 100_000, 12, 10, 7);
        }

        /** A reduced setting for the JUnit check of the write-up's ordering. */
        public static Setup quick() {
            return new Setup(32, 512, 8, 128, 16_384, 512, 400, 20_000, 12, 10, 7);
        }
    }

    /** One remedy: a name and how it changes the training configuration. */
    public record Method(String name, java.util.function.UnaryOperator<TrainConfig.Builder> configure) {
    }

    /** The remedies compared, in the write-up's order. */
    public static List<Method> methods() {
        return List.of(
                new Method("nothing", b -> b.reanimation(0)),
                new Method("re-animation 1e-4 (seed)", b -> b.reanimation(1e-4)),
                new Method("re-animation 1e-3 (seed)", b -> b.reanimation(1e-3)),
                new Method("re-animation 1e-3 (overcomplete)",
                        b -> b.reanimation(1e-3).reanimationForm(ReanimationForm.OVERCOMPLETE)),
                // Per dead latent, overcomplete's form pushes B·n/#dead ≈ 10³ times harder than the seed's at the
                // same coefficient; this one is scaled to match 1e-3 of the seed's.
                new Method("re-animation 1e-6 (overcomplete)",
                        b -> b.reanimation(1e-6).reanimationForm(ReanimationForm.OVERCOMPLETE)),
                new Method("AuxK 1/32", b -> b.reanimation(0).auxk(1.0 / 32, 0)),
                new Method("re-animation 1e-3 + AuxK", b -> b.reanimation(1e-3).auxk(1.0 / 32, 0)),
                new Method("re-animation 1e-3, auto-off",
                        b -> b.reanimation(CoefSchedule.auto(1e-3, 0.01, 100))));
    }

    /** What one run ends with, and its windowed dead fraction over steps. */
    public record Result(String activation, String method, double windowDead, double r2, double explainedVariance,
                         double l0, double tokensPerSecond, double[] deadCurve) {
    }

    private DeadCodes() {
    }

    /** The data set of {@code s}: rows × dim, row-major. */
    public static float[] data(Setup s) {
        PlantedDictionary truth = PlantedDictionary.random(s.dim(), s.atoms(), s.seed());
        float[] offset = PlantedDictionary.random(s.dim(), 1, s.seed() + 1).truth();
        for (int i = 0; i < s.dim(); i++) {
            offset[i] *= (float) s.offsetNorm();
        }
        float[] x = truth.sample(s.rows(), 4, 0.05, offset, s.seed() + 2);
        for (int b = 0; b < s.rows(); b++) {
            for (int i = 0; i < 3; i++) { // a few outlier dimensions
                x[b * s.dim() + i] *= (float) s.outlierScale();
            }
        }
        return x;
    }

    /** Trains one SAE with {@code method} and records its windowed dead fraction after every step. */
    public static Result run(Setup s, float[] x, Activation act, Method method) {
        SaeConfig sae = new SaeConfig(s.dim(), s.latents(), act, s.k(), true, false, 1e-3, 1e-3, s.seed() + 3);
        TrainConfig.Builder b = TrainConfig.builder().batchSize(s.batch()).epochs(Integer.MAX_VALUE)
                .maxSteps(s.steps()).lr(1e-3).deadWindowTokens(s.deadWindow()).seed(s.seed() + 4)
                .l1(act == Activation.RELU ? 3e-3 : 0, true).l0(act == Activation.JUMPRELU ? 3e-3 : 0);
        TrainConfig cfg = method.configure().apply(b).build();
        double[] curve = new double[s.steps()];
        StepStats[] last = new StepStats[1];
        Trainer.Summary sum = new Trainer(sae, cfg).addListener(new TrainListener() {
            @Override
            public void onStep(StepStats st) {
                curve[(int) st.step()] = st.windowDeadFraction();
                last[0] = st;
            }
        }).fit(x, s.rows());
        // End state: the windowed dead fraction after the last step; R² and L0 averaged over the last epoch.
        return new Result(act.id(), method.name(), last[0].windowDeadFraction(), sum.lastEpoch().r2(),
                last[0].explainedVariance(), sum.lastEpoch().l0(), sum.tokensPerSecond(), curve);
    }

    /** Every method for every activation. */
    public static List<Result> runAll(Setup s, List<Activation> activations) {
        float[] x = data(s);
        List<Result> out = new ArrayList<>();
        for (Activation act : activations) {
            for (Method m : methods()) {
                out.add(run(s, x, act, m));
            }
        }
        return out;
    }

    /** The results as a markdown table. */
    public static String table(List<Result> results) {
        StringBuilder t = new StringBuilder();
        t.append("| activation | method | windowed dead % | R² | explained variance | L0 | tokens/s |\n");
        t.append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Result r : results) {
            t.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.4f | %.4f | %.1f | %.0f |%n", r.activation(),
                    r.method(), 100 * r.windowDead(), r.r2(), r.explainedVariance(), r.l0(), r.tokensPerSecond()));
        }
        return t.toString();
    }

    /**
     * Runs the experiment and writes {@code dead-codes-table.md} and one {@code dead-codes-ACTIVATION.svg} per
     * activation into {@code dir}; prints the table.
     */
    public static void runAndWrite(Setup s, java.nio.file.Path dir, java.io.PrintStream out) throws java.io.IOException {
        // Warm the JIT on a short run first, so that the first method's tokens/s is not the compiler's.
        float[] warm = data(Setup.quick());
        run(Setup.quick(), warm, Activation.TOPK, methods().get(0));
        List<Activation> acts = List.of(Activation.TOPK, Activation.JUMPRELU, Activation.RELU);
        List<Result> results = runAll(s, acts);
        String table = table(results);
        java.nio.file.Files.createDirectories(dir);
        org.sae4j.io.AtomicFiles.writeString(dir.resolve("dead-codes-table.md"), table);
        for (Activation act : acts) {
            List<LineChart.Series> lines = new ArrayList<>();
            for (Result r : results) {
                if (r.activation().equals(act.id())) {
                    double[] pct = r.deadCurve().clone();
                    for (int i = 0; i < pct.length; i++) {
                        pct[i] *= 100;
                    }
                    lines.add(new LineChart.Series(r.method(), pct));
                }
            }
            org.sae4j.io.AtomicFiles.writeString(dir.resolve("dead-codes-" + act.id() + ".svg"),
                    LineChart.svg(act.id() + ": windowed dead latents (%) over steps", "step", lines, 0, 100, 900,
                            360));
        }
        out.print(table);
    }
}
