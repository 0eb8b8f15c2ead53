package org.sae4j.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sae4j.data.NpyDataset;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.features.FeatureScan;
import org.sae4j.features.FeatureStats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.Trainer;
import org.sae4j.train.UserTerm;

/** What {@code train --report} shows beside the curves: the run's settings and the final model's feature density. */
final class TrainReport {
    /** Rows the report's feature-density histogram encodes with the final model (all of them when fewer). */
    static final long DENSITY_ROWS = 16_384;

    private TrainReport() {
    }

    /** The settings table: the command as typed, then each setting as the run used it. */
    static Map<String, Object> settings(String[] argv, Path dataPath, NpyDataset data, Standardizer std, SaeConfig sc,
                                        TrainConfig cfg) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("command", "sae4j train " + String.join(" ", argv));
        settings.put("data", dataPath + " (" + data.rows() + " rows × " + data.dim() + ")");
        settings.put("standardizer", std == null ? "none" : std.toString());
        settings.put("model", sc.activation().id() + ", dim " + sc.dim() + ", latents " + sc.latents()
                + (sc.activation().usesK() ? ", k " + sc.k() : ""));
        settings.put("optimizer", cfg.optimizer().id() + ", lr " + cfg.lr() + ", warmup " + cfg.warmupSteps()
                + ", clip-grad " + cfg.clipGrad());
        settings.put("reanimation", cfg.reanimationForm().id() + " form, " + cfg.reanimation().describe());
        settings.put("batch", cfg.batchSize() + " rows, seed " + cfg.seed());
        if (cfg.auxkCoef() > 0) {
            settings.put("auxk", "coef " + cfg.auxkCoef() + ", k_aux " + cfg.auxkK() + ", dead window "
                    + cfg.deadWindowTokens() + " tokens");
        }
        if (cfg.resampleEvery() > 0) {
            settings.put("resampling", "every " + cfg.resampleEvery() + " steps, dead window "
                    + cfg.deadWindowTokens() + " tokens");
        }
        if (cfg.preActCoef() > 0) {
            settings.put("pre-activation loss", "coef " + cfg.preActCoef() + " (batch-dead latents)");
        }
        for (UserTerm t : cfg.userTerms()) { // a user's term by its name, as in the --json lines
            settings.put("loss term " + t.name(), (t.spec() != null ? t.spec() : "registered from code") + " ("
                    + t.schedule().describe() + ")");
        }
        return settings;
    }

    /** Each latent's firing frequency under the final model, over the first {@link #DENSITY_ROWS} rows. */
    static Report.Density density(Trainer.Summary s, Standardizer std, NpyDataset data, int batch) {
        SaeEncoder enc = SaeEncoder.of(s.sae(), std, KernelPool.common());
        FeatureStats f = FeatureScan.run(enc, data, 1, Math.min(batch, 1024), DENSITY_ROWS);
        double[] freq = new double[f.latents()];
        for (int j = 0; j < freq.length; j++) {
            freq[j] = f.frequency(j);
        }
        double denseThreshold = HeldOut.DENSE_THRESHOLD;
        return new Report.Density(f.rows(), data.rows(), freq, denseThreshold, f.deadCount(),
                f.denseCount(denseThreshold), f.r2(), f.explainedVariance(), f.l0());
    }
}
