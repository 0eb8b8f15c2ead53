package org.sae4j.onnx;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One downstream measure of a splice: its value clean (the model compared with itself), with the SAE's
 * reconstruction, and with the two ablation baselines, zeros and the dataset mean of the hook rows.
 *
 * @param name  e.g. {@code token_cosine}, {@code ce}
 * @param clean what the measure is on the unspliced model (1 for a similarity, 0 for an error or divergence, the
 *              model's own loss for CE)
 */
public record SpliceMeasure(String name, double clean, double sae, double zero, double mean) {
    /** The recovered fraction against the zero baseline, SAELens's {@code (m_zero − m_sae) / (m_zero − m_clean)}. */
    public double recoveredVsZero() {
        return recovered(zero);
    }

    /** As {@link #recoveredVsZero} against the mean baseline. */
    public double recoveredVsMean() {
        return recovered(mean);
    }

    /** NaN when the ablation does not move the measure (nothing to recover). */
    private double recovered(double ablation) {
        double span = ablation - clean;
        return span == 0 ? Double.NaN : (ablation - sae) / span;
    }

    /** The JSON object of {@code splice --json} (a NaN becomes null). */
    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("clean", number(clean));
        m.put("sae", number(sae));
        m.put("zero", number(zero));
        m.put("mean", number(mean));
        m.put("recovered_vs_zero", number(recoveredVsZero()));
        m.put("recovered_vs_mean", number(recoveredVsMean()));
        return m;
    }

    static Object number(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
