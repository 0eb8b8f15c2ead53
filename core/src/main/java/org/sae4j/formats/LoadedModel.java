package org.sae4j.formats;

import java.nio.file.Path;
import org.sae4j.data.ActivationSource;
import org.sae4j.model.Sae;
import org.sae4j.model.Standardizer;

/**
 * A model read by {@link ModelFormats}.
 *
 * @param sae          parameters and forward pass (an imported model carries a {@link org.sae4j.model.ForwardRule} when
 *                     its library's forward pass needs one)
 * @param standardizer sae4j input standardisation, or {@code null}
 * @param format       the layout it was read from
 * @param dir          the folder actually read (a sparsify hookpoint folder inside the given run directory)
 * @param source       what the model was trained on, as sae4j's cfg.json records it ({@code null}: not recorded)
 */
public record LoadedModel(Sae sae, Standardizer standardizer, Format format, Path dir, ActivationSource source) {
    public LoadedModel(Sae sae, Standardizer standardizer, Format format, Path dir) {
        this(sae, standardizer, format, dir, null);
    }
}
