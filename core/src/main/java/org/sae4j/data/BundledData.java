package org.sae4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sae4j.io.npy.NpyFile;

/**
 * Small data sets shipped inside the core jar, for demos and smoke tests. {@link NpyFile} memory-maps files, and a
 * resource inside a jar is not a file, so the resource is copied to a temp file once per JVM (deleted on exit).
 */
public final class BundledData {
    private static Path digits;

    private BundledData() {}

    /**
     * scikit-learn's {@code load_digits()} images: 1797 × 64 float32, pixel values 0–16 (UCI optical digits,
     * BSD-licensed via scikit-learn).
     */
    public static synchronized Path digitsNpy() throws IOException {
        if (digits == null || !Files.exists(digits)) {
            digits = extract("/org/sae4j/data/digits.npy", "sae4j-digits-", ".npy");
        }
        return digits;
    }

    private static Path extract(String resource, String prefix, String suffix) throws IOException {
        try (InputStream in = BundledData.class.getResourceAsStream(resource)) {
            if (in == null) throw new IOException("resource " + resource + " missing from the sae4j-core jar");
            Path tmp = Files.createTempFile(prefix, suffix);
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        }
    }
}
