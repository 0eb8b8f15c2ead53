package org.sae4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.sae4j.data.TokensTsv;

/** {@link TokensTsv}: the complete reader and the subset reader, every line read. */
class TokensTsvFuzzTest {
    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void tokensTsv(byte[] data) throws Exception {
        Path f = Harness.write(Harness.freshDir("tsv"), "tokens.tsv", data);
        Harness.check(() -> readAll(TokensTsv.reader(f)));
        Harness.check(() -> readAll(TokensTsv.subsetReader(f)));
    }

    private static void readAll(TokensTsv.TokenReader r) throws Exception {
        try (r) {
            while (r.next()) {
                r.token();
            }
        }
    }
}
