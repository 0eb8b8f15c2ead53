package org.sae4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model directory through {@link ModelFiles}: serialised as a broadcast is, and written out on the other side. */
class ModelFilesTest {
    @TempDir
    Path dir;

    @Test
    void filesAndSubFoldersComeBackWithTheirBytes() throws Exception {
        Path model = Files.createDirectories(dir.resolve("run"));
        byte[] big = new byte[1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        Files.write(model.resolve("cfg.json"), "{\"d\": 4}".getBytes());
        Files.write(Files.createDirectories(model.resolve("layers.3")).resolve("sae.safetensors"), big);
        Files.write(model.resolve("empty"), new byte[0]);

        ModelFiles files = ModelFiles.read(model, 64); // 16 chunks for the big file, none for the empty one
        assertThat(files.bytes()).isEqualTo(big.length + 8);
        ByteArrayOutputStream ser = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(ser)) {
            out.writeObject(files);
        }
        ModelFiles back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(ser.toByteArray()))) {
            back = (ModelFiles) in.readObject();
        }
        // As on an executor, whose scratch directory is its working directory, ".".
        Path copy = back.writeUnder(dir.resolve("executor").resolve("."));
        assertThat(copy.getParent()).isEqualTo(dir.resolve("executor"));
        assertThat(copy.getFileName().toString()).startsWith("model-run-");
        assertThat(list(copy)).containsExactly("cfg.json", "empty", "layers.3", "layers.3/sae.safetensors");
        assertThat(copy.resolve("layers.3/sae.safetensors")).hasBinaryContent(big);
        assertThat(copy.resolve("cfg.json")).hasContent("{\"d\": 4}");
        assertThat(copy.resolve("empty")).isEmptyFile();
        // A second copy does not meet the first.
        assertThat(back.writeUnder(dir.resolve("executor"))).isNotEqualTo(copy);
    }

    @Test
    void theStampChangesWithAFile() throws IOException {
        Path model = Files.createDirectories(dir.resolve("m"));
        Path w = model.resolve("model.safetensors");
        Files.write(w, new byte[] {1, 2, 3});
        Files.setLastModifiedTime(w, FileTime.fromMillis(1_000_000));
        String a = ModelFiles.stamp(model);
        assertThat(ModelFiles.stamp(model)).isEqualTo(a);
        Files.write(w, new byte[] {1, 2, 3, 4});
        Files.setLastModifiedTime(w, FileTime.fromMillis(1_000_000));
        assertThat(ModelFiles.stamp(model)).isNotEqualTo(a);
    }

    private static java.util.List<String> list(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root)).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
