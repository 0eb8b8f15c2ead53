package org.sae4j.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sae4j.data.TokensTsv;

final class TestSupport {
    private TestSupport() {}

    /** Native libraries under target/ (the surefire configuration names it). */
    static void configureNatives() throws Exception {
        NativeLibraries.configure(Path.of(System.getProperty("sae4j.onnx.cacheDir", "target/native-cache")));
    }

    /** One line of tokens.tsv. */
    record Entry(long row, long document, int position, String token) {}

    static List<Entry> readTokens(Path file) throws Exception {
        List<Entry> all = new ArrayList<>();
        try (TokensTsv.TokenReader r = TokensTsv.reader(file)) {
            while (r.next()) {
                all.add(new Entry(r.row(), r.document(), r.position(), r.token()));
            }
        }
        return all;
    }
}
