package org.sae4j.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.sae4j.io.AtomicFiles;

/**
 * Keeps ONNX Runtime's and DJL's native libraries under a directory the user chooses, and DJL offline.
 *
 * <p>ONNX Runtime extracts its two shared libraries into a fresh temp directory on every start unless the system
 * property {@code onnxruntime.native.path} names a directory holding them: we copy them there once (per ORT version).
 * DJL's tokenizer copies its bundled library into {@code DJL_CACHE_DIR} (default {@code ~/.djl.ai}) and, unless
 * offline, may download a different build or call home on EC2: {@code ai.djl.offline=true} and
 * {@code OPT_OUT_TRACKING=true} turn both off. Must run before the first ORT or DJL class initialises.
 */
public final class NativeLibraries {
    /** Default cache directory: {@code $XDG_CACHE_HOME/sae4j} or {@code ~/.cache/sae4j}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("sae4j");
    }

    private static Path configured;

    private NativeLibraries() {}

    /**
     * Points both libraries at {@code cacheDir} (created if missing). Idempotent for the same directory; a second
     * directory in the same JVM is refused because the libraries are loaded once per process.
     */
    public static synchronized void configure(Path cacheDir) throws IOException {
        Path dir = cacheDir.toAbsolutePath().normalize();
        if (configured != null) {
            if (!configured.equals(dir)) {
                throw new IllegalStateException("native libraries already configured under " + configured
                        + "; cannot switch to " + dir + " in the same JVM");
            }
            return;
        }
        Files.createDirectories(dir);
        // DJL logs through SLF4J (slf4j-simple here): its GPU probe warns on every CPU-only machine.
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "error"));
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        Path djl = dir.resolve("djl");
        System.setProperty("DJL_CACHE_DIR", djl.toString());
        System.setProperty("ENGINE_CACHE_DIR", djl.resolve("engines").toString());
        if (System.getProperty("onnxruntime.native.path") == null) {
            Path ort = extractOrt(dir);
            if (ort != null) System.setProperty("onnxruntime.native.path", ort.toString());
        }
        configured = dir;
    }

    /** Copies ORT's bundled libraries for this platform into {@code dir/onnxruntime-<jar hash>/}; null if none. */
    private static Path extractOrt(Path dir) throws IOException {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String osName = os.contains("linux") ? "linux" : os.contains("mac") ? "osx" : os.contains("win") ? "win" : os;
        String archName = arch.equals("amd64") || arch.equals("x86_64") ? "x64"
                : arch.equals("aarch64") ? "aarch64" : arch;
        String prefix = "ai/onnxruntime/native/" + osName + "-" + archName + "/";
        String[] libs = {System.mapLibraryName("onnxruntime"), System.mapLibraryName("onnxruntime4j_jni")};
        ClassLoader cl = NativeLibraries.class.getClassLoader();
        if (cl.getResource(prefix + libs[0]) == null || cl.getResource(prefix + libs[1]) == null) {
            return null; // not bundled for this platform: ORT's own loader reports it
        }
        // One directory per ORT build, so a different ORT jar never loads stale libraries.
        String version = ortVersion(cl);
        Path target = dir.resolve("onnxruntime-" + version + "-" + osName + "-" + archName);
        if (!Files.isRegularFile(target.resolve(libs[0])) || !Files.isRegularFile(target.resolve(libs[1]))) {
            Files.createDirectories(target);
            for (String lib : libs) {
                try (InputStream in = cl.getResourceAsStream(prefix + lib)) {
                    AtomicFiles.write(target.resolve(lib), in::transferTo); // concurrent runs see whole files
                }
            }
        }
        return target;
    }

    private static String ortVersion(ClassLoader cl) {
        Package p = ai.onnxruntime.OrtException.class.getPackage(); // loads no native code
        String v = p == null ? null : p.getImplementationVersion();
        if (v != null && !v.isBlank()) return v;
        java.net.URL u = cl.getResource("ai/onnxruntime/OrtException.class");
        return u == null ? "unknown" : Integer.toHexString(u.toString().hashCode());
    }
}
