package org.sae4j.formats;

/**
 * How to read a model directory.
 *
 * @param format        force a format ({@code null}: detect it from the files present)
 * @param hookpoint     sparsify run directories: the hookpoint folder to load ({@code null}: the directory itself)
 * @param scalingFactor SAELens {@code normalize_activations: expected_average_only_in}: the dataset scaling factor,
 *                      which the folder does not contain ({@code null}: refuse such a model)
 */
public record ImportOptions(Format format, String hookpoint, Double scalingFactor) {
    public static final ImportOptions DEFAULT = new ImportOptions(null, null, null);

    public ImportOptions {
        if (scalingFactor != null && !(scalingFactor > 0 && Double.isFinite(scalingFactor))) {
            throw new org.sae4j.BadInputException("--scaling-factor " + scalingFactor
                    + ": expected a positive finite number");
        }
    }
}
