package org.sae4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.sae4j.formats.ImportOptions;
import org.sae4j.io.npy.Npz;
import org.sae4j.train.checkpoint.Checkpoint;

/**
 * The model-folder seeds are valid models: a fuzzer mutating them starts from the paths that load, and a format
 * change that made them stale would show here rather than as a quietly weaker campaign.
 */
class SeedsLoadTest {
    private static final Path INPUTS = Path.of("src/test/resources/org/sae4j/fuzz");

    static Stream<Path> modelSeeds() throws IOException {
        return Stream.of("checkpoint", "saeLens", "sparsify", "gemmaScope").flatMap(m -> seeds(m).stream());
    }

    @ParameterizedTest
    @MethodSource("modelSeeds")
    void modelSeedLoads(Path seed) throws Exception {
        String method = seed.getParent().getFileName().toString();
        byte[] data = Files.readAllBytes(seed);
        Path dir = Harness.freshDir("seedcheck");
        List<String> files = switch (method) {
            case "checkpoint" -> List.of(Checkpoint.CONFIG, Checkpoint.MODEL, Checkpoint.STATE, Checkpoint.OPTIMIZER);
            case "saeLens" -> List.of("cfg.json", "sae_weights.safetensors");
            case "sparsify" -> List.of("cfg.json", "sae.safetensors");
            default -> List.of("params.npz");
        };
        List<byte[]> s = Harness.sections(data, files.size());
        for (int i = 0; i < files.size(); i++) {
            if (!(method.equals("checkpoint") && i == 3 && s.get(i).length == 0)) {
                Harness.write(dir, files.get(i), s.get(i));
            }
        }
        if (method.equals("checkpoint")) {
            Checkpoint.Loaded c = Checkpoint.load(dir);
            assertEquals(s.get(2) != null, c.state() != null, "trainer state read back");
        }
        boolean scaled = method.equals("saeLens") && new String(s.get(0), java.nio.charset.StandardCharsets.UTF_8)
                .contains("expected_average_only_in");
        ModelFolderFuzzTest.encodeOnce(dir, scaled ? new ImportOptions(null, null, 2.0) : ImportOptions.DEFAULT);
    }

    @ParameterizedTest
    @MethodSource("npzSeeds")
    void npzSeedReads(Path seed) throws Exception {
        try (Npz z = Npz.open(seed)) {
            assertFalse(z.keys().isEmpty());
            for (String k : z.keys()) {
                z.readFloats(k);
            }
        }
    }

    static Stream<Path> npzSeeds() {
        return seeds("npz").stream().filter(p -> p.getParent().getParent().getFileName().toString()
                .startsWith("NpzFuzzTest"));
    }

    private static List<Path> seeds(String method) {
        try (Stream<Path> s = Files.walk(INPUTS)) {
            List<Path> out = s.filter(p -> p.getParent().getFileName().toString().equals(method)
                    && p.getFileName().toString().startsWith("seed-")).sorted().toList();
            if (out.isEmpty()) {
                throw new AssertionError("no seeds for " + method + " under " + INPUTS);
            }
            return out;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
