package org.sae4j.cli;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@code sae4j} in a child JVM (same JDK, class path and kernels as the test), for what only a real process
 * shows: signals, exit codes, a file-size limit.
 */
final class ChildJvm {
    private ChildJvm() {
    }

    /** {@code java … org.sae4j.cli.Main args} as a command line. */
    static List<String> command(String... args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-Xmx256m",
                // No hsperfdata file: it is the only file the JVM itself writes, and it would trip a ulimit -f.
                "-XX:-UsePerfData", "-XX:TieredStopAtLevel=1",
                "-Dsae4j.vectorization=" + System.getProperty("sae4j.vectorization", "panama"),
                "-cp", System.getProperty("java.class.path")));
        // The narrow-species run's width too: a child on other kernels would round differently from its parent.
        String width = System.getProperty("sae4j.vectorsize");
        if (width != null) {
            cmd.add("-Dsae4j.vectorsize=" + width);
        }
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The same command under {@code ulimit -f kib} (bash counts 1024-byte blocks). */
    static List<String> underFileSizeLimit(long kib, List<String> command) {
        StringBuilder sh = new StringBuilder("ulimit -f " + kib + " && exec");
        for (String c : command) {
            sh.append(" '").append(c.replace("'", "'\\''")).append('\'');
        }
        return List.of("bash", "-c", sh.toString());
    }

    /** Runs to the end; returns the exit code, with stdout and stderr in {@code out}. */
    static int run(List<String> command, ByteArrayOutputStream out, ByteArrayOutputStream err)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).start();
        Thread e = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), err));
        copy(p.getInputStream(), out);
        e.join();
        return p.waitFor();
    }

    static void copy(java.io.InputStream in, ByteArrayOutputStream to) {
        try (in) {
            in.transferTo(to);
        } catch (IOException ignored) {
            // the process ended
        }
    }

    static BufferedReader lines(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Sends {@code kill -SIG pid} (bash's built-in kill: no procps needed on a minimal image). */
    static void signal(Process p, String sig) throws IOException, InterruptedException {
        int rc = new ProcessBuilder("bash", "-c", "kill -" + sig + " " + p.pid()).inheritIO().start().waitFor();
        if (rc != 0) {
            throw new IOException("kill -" + sig + " " + p.pid() + " exited with " + rc);
        }
    }

    /** The child's stderr without the JVM's own incubator-module notice. */
    static String stderr(Path file) throws IOException {
        return filter(java.nio.file.Files.readString(file, StandardCharsets.UTF_8));
    }

    static String filter(String stderr) {
        return stderr.replace("WARNING: Using incubator modules: jdk.incubator.vector" + System.lineSeparator(), "");
    }

    static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
