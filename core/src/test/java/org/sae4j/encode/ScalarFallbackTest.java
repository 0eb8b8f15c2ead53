package org.sae4j.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM started without {@code --add-modules jdk.incubator.vector} (as a service that forgot the flag) falls back to
 * the scalar kernels with one warning, and encodes as this JVM does within float rounding.
 */
class ScalarFallbackTest {

    @Test
    void withoutTheVectorModuleTheEncoderWarnsOnceAndAgrees(@TempDir Path tmp) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path out = tmp.resolve("out.txt");
        Path err = tmp.resolve("err.txt");
        // No --add-modules and no -Dsae4j.vectorization: the provider decides by itself ("auto").
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                EncodeFallbackMain.class.getName())
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("child exit code; stderr:\n%s", stderr).isZero();

        List<String> child = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(child.get(0)).isEqualTo("provider scalar");
        assertThat(count(stderr, "Vector API not available, using scalar kernels")).as(stderr).isEqualTo(1);
        assertThat(stderr).contains("pass --add-modules jdk.incubator.vector");

        List<String> here = EncodeFallbackMain.lines();
        assertThat(child.subList(1, child.size())).hasSameSizeAs(here);
        for (int i = 0; i < here.size(); i++) {
            assertSameCodes(child.get(i + 1), here.get(i));
        }
    }

    private static void assertSameCodes(String got, String want) {
        String[] g = got.split(" ");
        String[] w = want.split(" ");
        assertThat(g.length).as("%s vs %s", got, want).isEqualTo(w.length);
        assertThat(g[0] + g[1]).isEqualTo(w[0] + w[1]);
        for (int q = 2; q < w.length; q++) {
            String[] gq = g[q].split("=");
            String[] wq = w[q].split("=");
            assertThat(gq[0]).as("latent in %s vs %s", got, want).isEqualTo(wq[0]);
            float wv = Float.parseFloat(wq[1]);
            assertThat(Float.parseFloat(gq[1])).isCloseTo(wv, within(1e-5f * (1 + Math.abs(wv))));
        }
    }

    private static int count(String s, String part) {
        int c = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            c++;
        }
        return c;
    }
}
