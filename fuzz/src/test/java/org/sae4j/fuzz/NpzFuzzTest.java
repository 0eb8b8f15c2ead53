package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.io.npy.Npz;

/** {@link Npz}: a zip of {@code .npy} entries, every array read. See {@link Harness} for the invariant. */
class NpzFuzzTest {
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void npz(byte[] data) throws Exception {
        Path f = Harness.write(Harness.freshDir("npz"), "x.npz", data);
        Harness.check(() -> {
            try (Npz z = Npz.open(f)) {
                for (String k : z.keys()) {
                    z.entry(k);
                    z.readFloats(k);
                }
            }
        });
    }
}
