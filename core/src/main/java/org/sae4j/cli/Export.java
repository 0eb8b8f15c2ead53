package org.sae4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.sae4j.BadInputException;
import org.sae4j.features.FeatureData;
import org.sae4j.features.FeatureStatsReader;
import org.sae4j.formats.Exported;
import org.sae4j.formats.Format;
import org.sae4j.formats.ImportOptions;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.formats.SaeLensFormat;
import org.sae4j.formats.SparsifyFormat;

/**
 * {@code sae4j export --model DIR --format saelens|sparsify --out OUT}: writes the model as a folder the other
 * library loads with its own loader (SAELens v6 {@code cfg.json} + {@code sae_weights.safetensors}; sparsify
 * {@code cfg.json} + {@code sae.safetensors}). A model the format cannot express is refused with the reason. The
 * input may be any format sae4j reads ({@code --from} forces one; {@code --hookpoint}, {@code --scaling-factor} as
 * elsewhere).
 */
final class Export {
    static final Opt<String> FORMAT = Opt.string("--format", "saelens|sparsify", "the folder to write").asRequired();
    static final Opt<Path> OUT = Opt.path("--out", "DIR", "where it goes").asRequired();
    static final Opt<Path> FEATURES = Opt.path("--features", "DIR", "a features directory of the model: its firing"
            + " frequencies as SAELens' sparsity.safetensors");
    static final Opt<String> FROM = Opt.string("--from", "sae4j|saelens|sparsify|gemmascope", "the model folder's"
            + " format (default: detected)");
    static final OptionTable OPTIONS = OptionTable.of("export", "write the model as a SAELens v6 or sparsify folder",
            List.of("refuses what the format cannot express"), Opt.options(List.of(Models.MODEL, FORMAT, OUT,
                    FEATURES, FROM, Models.HOOKPOINT, Models.SCALING_FACTOR)));

    private Export() {
    }

    static void run(String[] argv, PrintStream out) throws IOException {
        Args a = OPTIONS.parse(argv, 0);
        Path model = a.required(Models.MODEL);
        String to = a.required(FORMAT);
        Path dest = a.required(OUT);
        Format target = Format.parse(to);
        if (target != Format.SAELENS && target != Format.SPARSIFY) {
            throw new BadInputException("export --format " + to + ": expected saelens or sparsify");
        }
        ImportOptions o = Models.importOptions(a, FROM);
        Path features = a.get(FEATURES);
        if (features != null && target != Format.SAELENS) {
            throw new BadInputException("export --features: only --format saelens has a file for firing frequencies"
                    + " (sparsity.safetensors); expected no --features with --format " + to);
        }
        LoadedModel m = ModelFormats.load(model, o);
        double[] frequency = features == null ? null : frequencies(features, m.sae(), model);
        Exported e = Exported.of(m);
        String what = target == Format.SAELENS ? SaeLensFormat.write(dest, e, frequency)
                : SparsifyFormat.write(dest, e);
        out.printf(Locale.ROOT, "exported %s (%s, d_in %d, d_sae %d) as %s%s -> %s%n", model, m.format().id(),
                m.sae().dim(), m.sae().latents(), what,
                e.folded() ? " (standardizer folded into the weights)" : "", dest);
    }

    /** Each latent's firing frequency from a {@code sae4j features} directory of a model with {@code n} latents. */
    private static double[] frequencies(Path dir, org.sae4j.model.Sae sae, Path model) throws IOException {
        FeatureData f = FeatureStatsReader.read(dir);
        int n = sae.latents();
        if (f.latents() != n) {
            throw new BadInputException(dir + ": feature statistics of " + f.latents() + " latents; expected the"
                    + " model's " + n);
        }
        // Older features.json files carry no fingerprint: only the latent count can be checked then.
        if (f.info().get(Features.MODEL_SHA256) instanceof String sha && !sha.equals(sae.parameterSha256())) {
            throw new BadInputException(dir + ": feature statistics of another model (" + f.info().get("model")
                    + ", parameters sha256 " + sha.substring(0, 12) + "…), not of " + model + "; expected the"
                    + " features directory computed from this model");
        }
        int cols = FeatureData.STAT_COLUMNS.size();
        int col = FeatureData.STAT_COLUMNS.indexOf("frequency");
        double[] freq = new double[n];
        for (int j = 0; j < n; j++) {
            freq[j] = f.latentStats()[j * cols + col];
        }
        return freq;
    }
}
