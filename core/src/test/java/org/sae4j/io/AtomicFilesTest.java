package org.sae4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.io.safetensors.Safetensors;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplaces() throws IOException {
        Path p = dir.resolve("cfg.json");
        AtomicFiles.writeString(p, "{\"v\":1}");
        AtomicFiles.writeString(p, "{\"v\":2}");
        assertThat(Files.readString(p)).isEqualTo("{\"v\":2}");
        assertThat(listing()).containsExactly("cfg.json");
    }

    @Test
    void crashMidWriteKeepsPreviousFileAndLeavesNoTemp() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Safetensors.write(p, Map.of("W", Safetensors.Tensor.of(new float[] {1, 2, 3, 4}, 2, 2)), Map.of("v", "1"));
        byte[] before = Files.readAllBytes(p);
        Path[] seenTemp = new Path[1];

        // A writer that dies halfway: 1 MB written, then an exception (as if the disk filled or the JVM was interrupted).
        assertThatThrownBy(() -> AtomicFiles.write(p, out -> {
            out.write(new byte[1 << 20]);
            try (var s = Files.list(dir)) {
                seenTemp[0] = s.filter(q -> q.getFileName().toString().endsWith(".tmp")).findFirst().orElseThrow();
            }
            throw new IOException("simulated crash halfway through the save");
        })).isInstanceOf(IOException.class).hasMessageContaining("simulated crash");

        assertThat(seenTemp[0].getFileName().toString()).startsWith(".model.safetensors.");
        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        assertThat(listing()).containsExactly("model.safetensors");
        assertThat(Safetensors.readAll(p).get("W").data()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void runtimeExceptionAlsoCleansUp() throws IOException {
        Path p = dir.resolve("state.json");
        AtomicFiles.writeString(p, "old");
        assertThatThrownBy(() -> AtomicFiles.write(p, out -> {
            out.write("new, partial".getBytes(StandardCharsets.UTF_8));
            throw new IllegalStateException("NaN in loss");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readString(p)).isEqualTo("old");
        assertThat(listing()).containsExactly("state.json");
    }

    @Test
    void uncommittedStreamingWriteIsDiscarded() throws IOException {
        Path p = dir.resolve("codes.npy");
        try (NpyWriter w = NpyWriter.create(p, NpyWriter.Type.I4, 3, 2)) {
            w.writeRows(new int[] {1, 2}, 0, 1);
            // closed without commit: as if encode failed on row 1
        }
        assertThat(listing()).isEmpty();
        assertThatThrownBy(() -> {
            try (NpyWriter w = NpyWriter.create(p, NpyWriter.Type.I4, 3, 2)) {
                w.writeRows(new int[] {1, 2}, 0, 1);
                w.commit();
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("1 rows written but the header declares 3");
        assertThat(listing()).isEmpty();
    }

    @Test
    void resultHasOrdinaryPermissionsNotTempFilePermissions() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path plain = Files.createFile(dir.resolve("plain.txt")); // the umask's default
        Path atomic = dir.resolve("atomic.txt");
        AtomicFiles.writeString(atomic, "x");
        assertThat(Files.getPosixFilePermissions(atomic)).isEqualTo(Files.getPosixFilePermissions(plain));
    }

    @Test
    void createsMissingParentDirectories() throws IOException {
        Path p = dir.resolve("run/ckpt/cfg.json");
        AtomicFiles.writeString(p, "{}");
        assertThat(Files.readString(p)).isEqualTo("{}");
    }
}
