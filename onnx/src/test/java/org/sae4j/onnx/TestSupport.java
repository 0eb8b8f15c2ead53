package org.sae4j.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sae4j.io.TokensTsv;

final class TestSupport {
    private TestSupport() {}

    /** Native libraries under target/ (the surefire configuration names it). */
    static void configureNatives() throws Exception {
        NativeLibraries.configure(Path.of(System.getProperty("sae4j.onnx.cacheDir", "target/native-cache")));
    }

    static List<TokensTsv.Entry> readTokens(Path file) throws Exception {
        List<TokensTsv.Entry> all = new ArrayList<>();
        try (TokensTsv.Reader r = new TokensTsv.Reader(file)) {
            TokensTsv.Entry e;
            while ((e = r.next()) != null) all.add(e);
        }
        return all;
    }
}
