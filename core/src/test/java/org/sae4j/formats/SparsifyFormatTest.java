package org.sae4j.formats;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.BadInputException;

/** Refusals of a sparsify {@code cfg.json} that the fixture tests do not reach. */
class SparsifyFormatTest {
    @TempDir
    Path dir;

    @Test
    void latentsPastTheIntRangeFromExpansionFactorAreRefusedInOneLine() throws IOException {
        for (String f : new String[] {"cfg.json", "sae.safetensors"}) {
            try (InputStream in = SparsifyFormatTest.class.getResourceAsStream("/interop/sparsify-topk/" + f)) {
                Files.copy(in, dir.resolve(f));
            }
        }
        Path cfg = dir.resolve("cfg.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"expansion_factor\": 4", "\"expansion_factor\": 1000000000"));
        assertThatThrownBy(() -> ModelFormats.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessage(cfg + ": d_in 16 × expansion_factor 1000000000 = 16000000000 latents; expected fewer"
                        + " than 2^31 latents");
    }
}
