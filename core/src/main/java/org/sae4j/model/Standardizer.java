package org.sae4j.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sae4j.BadInputException;
import org.sae4j.data.NpyDataset;
import org.sae4j.io.json.JsonFields;
import org.sae4j.random.SplitMix64;

/**
 * Input standardisation fitted on a sample of rows, applied to every batch and stored in checkpoints.
 *
 * <ul>
 *   <li>{@link Mode#NONE}: identity.
 *   <li>{@link Mode#PER_FEATURE}: {@code x'_i = (x_i − mean_i) / std_i} (population std); a feature whose std is
 *       below {@value #MIN_STD} (constant, e.g. always-zero pixels) is only centred ({@code std_i = 1}).
 *   <li>{@link Mode#CENTER}: {@code x'_i = x_i − mean_i}, plain centring: a remedy for dead latents in its own
 *       right (a large mean relative to the spread predicts death, arXiv 2605.31518), without rescaling features.
 *   <li>{@link Mode#UNIT_MEAN_SQUARED_NORM}: one scalar {@code s = sqrt(d / mean ‖x‖²)}, {@code x' = s·x}, so the
 *       sample's mean squared norm becomes d. This is the SAELens idea of a dataset-wide norm scaling factor,
 *       in its mean-squared form (SAELens estimates {@code sqrt(d) / mean ‖x‖}); no centring.
 * </ul>
 *
 * <p>The sample: all rows if the dataset has at most {@code sampleRows}; otherwise {@code sampleRows} distinct rows
 * chosen uniformly by Floyd's algorithm with SplitMix64 seeded by {@code derive(seed, "standardizer")}, read in
 * ascending order. Statistics are accumulated in double. {@link #DEFAULT_SAMPLE_ROWS} and {@link #DEFAULT_SEED}
 * are the documented defaults.
 *
 * <p>Serialise with {@link #toJson()} / {@link #fromJson}; floats are written in their shortest round-trip form,
 * so a checkpoint restores exactly the same statistics.
 */
public final class Standardizer {
    public enum Mode {
        NONE, PER_FEATURE, UNIT_MEAN_SQUARED_NORM, CENTER;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final int DEFAULT_SAMPLE_ROWS = 65_536;
    public static final long DEFAULT_SEED = 0x5AE4L;
    static final double MIN_STD = 1e-6;
    private static final long SAMPLE_PURPOSE = 0x5354_414E_4441_5244L; // "STANDARD"

    private final Mode mode;
    private final int dim;
    private final float[] mean; // PER_FEATURE and CENTER only
    private final float[] std; // PER_FEATURE only
    private final float scale; // UNIT_MEAN_SQUARED_NORM only
    private final long sampleRows; // rows the statistics came from (informational)
    private final long seed;

    private Standardizer(Mode mode, int dim, float[] mean, float[] std, float scale, long sampleRows, long seed) {
        this.mode = mode;
        this.dim = dim;
        this.mean = mean;
        this.std = std;
        this.scale = scale;
        this.sampleRows = sampleRows;
        this.seed = seed;
    }

    public static Standardizer none(int dim) {
        return new Standardizer(Mode.NONE, dim, null, null, 1f, 0, 0);
    }

    public static Standardizer perFeature(float[] mean, float[] std) {
        if (mean.length != std.length) throw new IllegalArgumentException("mean and std lengths differ");
        for (int i = 0; i < std.length; i++) {
            if (!(std[i] > 0) || !Float.isFinite(std[i]) || !Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("feature " + i + ": mean " + mean[i] + " std " + std[i]);
            }
        }
        return new Standardizer(Mode.PER_FEATURE, mean.length, mean.clone(), std.clone(), 1f, 0, 0);
    }

    /** Plain centring by {@code mean}. */
    public static Standardizer center(float[] mean) {
        for (int i = 0; i < mean.length; i++) {
            if (!Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("feature " + i + ": mean " + mean[i]);
            }
        }
        return new Standardizer(Mode.CENTER, mean.length, mean.clone(), null, 1f, 0, 0);
    }

    public static Standardizer scalar(int dim, float scale) {
        if (!(scale > 0) || !Float.isFinite(scale)) throw new IllegalArgumentException("scale " + scale);
        return new Standardizer(Mode.UNIT_MEAN_SQUARED_NORM, dim, null, null, scale, 0, 0);
    }

    /**
     * What fitting reads: a {@code rows × dim} matrix, one row at a time. An interface, so that the model's
     * preprocessing does not depend on the data package that implements it ({@code NpyDataset}).
     */
    public interface Rows {
        /** The file or directory the rows come from, for messages. */
        Path source();

        long rows();

        int dim();

        /** Reads row {@code row} into {@code dst[off, off + dim)}. */
        void readRow(long row, float[] dst, int off);
    }

    /** Fits {@code mode} on a seeded sample of at most {@code sampleRows} rows of {@code data}. */
    public static Standardizer fit(Rows data, Mode mode, int sampleRows, long seed) {
        int d = data.dim();
        if (mode == Mode.NONE) return none(d);
        if (sampleRows <= 0) throw new IllegalArgumentException("sampleRows must be positive: " + sampleRows);
        long[] rows = sampleRows(data.rows(), sampleRows, seed);
        if (rows.length == 0) {
            throw new BadInputException(data.source() + ": 0 rows; expected rows to fit standardisation statistics");
        }
        float[] x = new float[d];
        if (mode == Mode.PER_FEATURE || mode == Mode.CENTER) {
            // Welford's update: stable in one pass even when |mean| >> std.
            double[] m = new double[d];
            double[] m2 = new double[d];
            long n = 0;
            for (long r : rows) {
                data.readRow(r, x, 0);
                n++;
                for (int i = 0; i < d; i++) {
                    double delta = x[i] - m[i];
                    m[i] += delta / n;
                    m2[i] += delta * (x[i] - m[i]);
                }
            }
            float[] mean = new float[d];
            float[] std = new float[d];
            for (int i = 0; i < d; i++) {
                mean[i] = (float) m[i];
                double s = Math.sqrt(m2[i] / n);
                std[i] = s < MIN_STD ? 1f : (float) s;
            }
            return new Standardizer(mode, d, mean, mode == Mode.CENTER ? null : std, 1f, n, seed);
        }
        double sumSq = 0;
        for (long r : rows) {
            data.readRow(r, x, 0);
            double s = 0;
            for (int i = 0; i < d; i++) s += (double) x[i] * x[i];
            sumSq += s;
        }
        double meanSq = sumSq / rows.length;
        float scale = meanSq > 0 ? (float) Math.sqrt(d / meanSq) : 1f;
        if (!Float.isFinite(scale) || scale == 0f) {
            throw new BadInputException(data.source() + ": mean squared norm " + meanSq + " gives scale " + scale
                    + "; expected data whose squared norms are within float range");
        }
        return new Standardizer(mode, d, null, null, scale, rows.length, seed);
    }

    /** Fits with {@link #DEFAULT_SAMPLE_ROWS} and {@link #DEFAULT_SEED}. */
    public static Standardizer fit(Rows data, Mode mode) {
        return fit(data, mode, DEFAULT_SAMPLE_ROWS, DEFAULT_SEED);
    }

    /** The sorted sample of row indices used by {@link #fit}: all rows, or k distinct rows by Floyd's algorithm. */
    public static long[] sampleRows(long total, int k, long seed) {
        if (total <= k) {
            long[] all = new long[(int) total];
            for (int i = 0; i < all.length; i++) all[i] = i;
            return all;
        }
        SplitMix64 rng = new SplitMix64(SplitMix64.derive(seed, SAMPLE_PURPOSE));
        java.util.HashSet<Long> chosen = new java.util.HashSet<>(k * 2);
        for (long j = total - k; j < total; j++) {
            long t = rng.nextLong(j + 1);
            if (!chosen.add(t)) chosen.add(j);
        }
        long[] out = new long[k];
        int i = 0;
        for (long v : chosen) out[i++] = v;
        Arrays.sort(out);
        return out;
    }

    /** Standardises {@code count} rows of {@code x} (row-major, {@link #dim()} per row) in place. */
    public void apply(float[] x, int off, int count) {
        int n = count * dim;
        switch (mode) {
            case NONE -> { }
            case PER_FEATURE -> {
                for (int base = off; base < off + n; base += dim) {
                    for (int f = 0; f < dim; f++) x[base + f] = (x[base + f] - mean[f]) / std[f];
                }
            }
            case UNIT_MEAN_SQUARED_NORM -> {
                for (int i = 0; i < n; i++) x[off + i] *= scale;
            }
            case CENTER -> {
                for (int base = off; base < off + n; base += dim) {
                    for (int f = 0; f < dim; f++) x[base + f] -= mean[f];
                }
            }
        }
    }

    /** Undoes {@link #apply} (to report reconstructions in the data's own units). */
    public void invert(float[] x, int off, int count) {
        int n = count * dim;
        switch (mode) {
            case NONE -> { }
            case PER_FEATURE -> {
                for (int base = off; base < off + n; base += dim) {
                    for (int f = 0; f < dim; f++) x[base + f] = x[base + f] * std[f] + mean[f];
                }
            }
            case UNIT_MEAN_SQUARED_NORM -> {
                for (int i = 0; i < n; i++) x[off + i] /= scale;
            }
            case CENTER -> {
                for (int base = off; base < off + n; base += dim) {
                    for (int f = 0; f < dim; f++) x[base + f] += mean[f];
                }
            }
        }
    }

    public Mode mode() {
        return mode;
    }

    public int dim() {
        return dim;
    }

    /** Per-feature means (PER_FEATURE, CENTER), else null. */
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    /** Per-feature std (PER_FEATURE), else null. */
    public float[] std() {
        return std == null ? null : std.clone();
    }

    /** The scalar factor (UNIT_MEAN_SQUARED_NORM), else 1. */
    public float scale() {
        return scale;
    }

    public long sampleRowsUsed() {
        return sampleRows;
    }

    public long seed() {
        return seed;
    }

    /** A JSON-ready map: {@code mode}, {@code dim}, then {@code mean}/{@code std} or {@code scale}, sample info. */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", mode.key());
        m.put("dim", (long) dim);
        if (mode == Mode.PER_FEATURE) {
            m.put("mean", mean);
            m.put("std", std);
        } else if (mode == Mode.UNIT_MEAN_SQUARED_NORM) {
            m.put("scale", scale);
        } else if (mode == Mode.CENTER) {
            m.put("mean", mean);
        }
        m.put("sample_rows", sampleRows);
        m.put("seed", seed);
        return m;
    }

    /** Reads {@link #toJson()}'s form; {@code source} names the file in error messages. */
    public static Standardizer fromJson(Map<String, ?> m, String source) {
        JsonFields f = new JsonFields(m, source + ": standardizer");
        Object modeV = m.get("mode");
        Mode mode = null;
        for (Mode c : Mode.values()) {
            if (c.key().equals(modeV)) mode = c;
        }
        if (mode == null) {
            throw f.fail("mode", String.valueOf(modeV), "one of none, per_feature, unit_mean_squared_norm, center");
        }
        int dim = f.requireNonNegativeInt("dim");
        long sampleRows = m.containsKey("sample_rows") ? f.requireNonNegativeLong("sample_rows") : 0;
        long seed = f.optionalLong("seed", 0);
        return switch (mode) {
            case NONE -> none(dim);
            case PER_FEATURE -> {
                float[] mean = floats(f, "mean", dim);
                float[] std = floats(f, "std", dim);
                for (int i = 0; i < dim; i++) {
                    if (!(std[i] > 0)) {
                        throw f.fail("std[" + i + "]", String.valueOf(std[i]), "a positive number");
                    }
                }
                yield new Standardizer(mode, dim, mean, std, 1f, sampleRows, seed);
            }
            case UNIT_MEAN_SQUARED_NORM -> {
                Object s = m.get("scale");
                if (!(s instanceof Number num) || !(num.floatValue() > 0) || !Float.isFinite(num.floatValue())) {
                    throw f.fail("scale", String.valueOf(s), "a positive number");
                }
                yield new Standardizer(mode, dim, null, null, num.floatValue(), sampleRows, seed);
            }
            case CENTER -> new Standardizer(mode, dim, floats(f, "mean", dim), null, 1f, sampleRows, seed);
        };
    }

    private static float[] floats(JsonFields f, String field, int dim) {
        List<?> l = f.requireArray(field, dim, "numbers");
        float[] out = new float[dim];
        for (int i = 0; i < dim; i++) {
            out[i] = f.finiteFloatAt(field, l, i);
        }
        return out;
    }

    @Override
    public String toString() {
        return switch (mode) {
            case NONE -> "Standardizer(none)";
            case PER_FEATURE -> "Standardizer(per_feature, dim " + dim + ", " + sampleRows + " rows)";
            case UNIT_MEAN_SQUARED_NORM -> "Standardizer(scale " + scale + ", dim " + dim + ", " + sampleRows + " rows)";
            case CENTER -> "Standardizer(center, dim " + dim + ", " + sampleRows + " rows)";
        };
    }
}
