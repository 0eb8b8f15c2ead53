package org.sae4j.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.apache.spark.sql.SparkSession;
import org.sae4j.data.TokensTsv;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.train.checkpoint.Checkpoint;

/** A local Spark session that stays off the network, and small models and data written the way users have them. */
final class SparkTestData {
    static final int D = 12;
    static final int N = 48;

    private SparkTestData() {
    }

    /** {@code local[2]}, no UI, bound to the loopback; one per test class. */
    static SparkSession session(String app) {
        return SparkSession.builder()
                .appName(app)
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.sql.adaptive.enabled", "false")
                .getOrCreate();
    }

    /** A ReLU model (rows fire a varying number of latents) with a pre-encoder bias, saved as sae4j saves one. */
    static Path model(Path dir, long seed) throws IOException {
        Sae sae = Sae.initialize(new SaeConfig(D, N, org.sae4j.model.Activation.RELU, 1, true, true, 1e-3, 0.2, seed));
        SplittableRandom r = new SplittableRandom(seed);
        for (int j = 0; j < N; j++) {
            sae.bEnc()[j] = (float) (r.nextDouble() * 0.4 - 0.1);
        }
        Checkpoint.save(dir, sae, null);
        return dir;
    }

    /** Gaussian rows with coarse values, so that exact ties between activations occur. */
    static float[] rows(int rows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.rint(r.nextGaussian() * 4) / 4f;
        }
        return x;
    }

    /** {@code x} as two {@code .npy} shards in a directory. */
    static Path npyShards(Path dir, float[] x, int rows, int split) throws IOException {
        Files.createDirectories(dir);
        NpyWriter.writeF32(dir.resolve("shard-000.npy"), java.util.Arrays.copyOf(x, split * D), split, D);
        NpyWriter.writeF32(dir.resolve("shard-001.npy"), java.util.Arrays.copyOfRange(x, split * D, rows * D),
                rows - split, D);
        return dir;
    }

    /** A tokens file: documents of 10 tokens. */
    static Path tokens(Path file, int rows) throws IOException {
        try (TokensTsv.TokenWriter w = TokensTsv.writer(file)) {
            for (int r = 0; r < rows; r++) {
                w.write(r / 10, r % 10, "t" + r);
            }
            w.commit();
        }
        return file;
    }

    static float[] row(float[] x, int r) {
        return java.util.Arrays.copyOfRange(x, r * D, (r + 1) * D);
    }
}
