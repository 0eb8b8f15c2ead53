package org.sae4j.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.sae4j.BadInputException;
import org.sae4j.SaeEncoder;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model on the executors: the driver ships the model directory with {@code SparkContext.addFile(dir, true)};
 * each executor JVM loads it once into one {@link SaeEncoder} shared by all its tasks (batch calls are serialised in
 * the encoder, whose GEMM runs on a pool of the executor's cores), and says which kernels it runs.
 */
final class ExecutorEncoders {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEncoders.class);
    private static final ConcurrentHashMap<String, SaeEncoder> LOADED = new ConcurrentHashMap<>();
    // Driver side: a model directory zipped and added once per application (and version of its files).
    private static final ConcurrentHashMap<String, String> ZIPPED = new ConcurrentHashMap<>();
    private static volatile KernelPool pool;
    private static final AtomicBoolean SAID = new AtomicBoolean(); // the SIMD line, once per JVM

    private ExecutorEncoders() {
    }

    /**
     * A model loaded on the driver, the name its directory is shipped under, and its parameters' fingerprint
     * ({@link org.sae4j.Sae#parameterSha256()}, which {@code features.json} records as {@code sae4j features} does).
     */
    record Shipped(SaeEncoder encoder, String name, String parameterSha256) {
    }

    /**
     * On the driver: loads the model once (a model that does not load fails here, before any task or output) and
     * ships its directory to the executors: {@code addFile(dir, recursive = true)} in local mode; on a cluster,
     * where Spark serves no local directories, as one zip file that each executor unpacks once.
     */
    static Shipped ship(JavaSparkContext sc, Path modelDir) throws IOException {
        return ship(sc, modelDir, !sc.sc().isLocal());
    }

    static Shipped ship(JavaSparkContext sc, Path modelDir, boolean asZip) throws IOException {
        Path dir = modelDir.toAbsolutePath().normalize();
        LoadedModel m = ModelFormats.load(dir); // as SaeEncoder.load, keeping the Sae for its fingerprint
        SaeEncoder enc = SaeEncoder.of(m.sae(), m.standardizer(), KernelPool.common());
        String sha = m.sae().parameterSha256();
        if (!asZip) {
            sc.sc().addFile(dir.toUri().toString(), true);
            return new Shipped(enc, dir.getFileName().toString(), sha);
        }
        String key = sc.sc().applicationId() + " " + dir + " " + ModelZip.stamp(dir);
        String name = ZIPPED.get(key);
        if (name == null) {
            Path zip = ModelZip.write(dir);
            sc.sc().addFile(zip.toUri().toString());
            name = zip.getFileName().toString();
            ZIPPED.put(key, name);
        }
        return new Shipped(enc, name, sha);
    }

    /** On an executor: the shared encoder of a shipped model directory, loaded on first use. */
    static SaeEncoder get(String name, boolean requireSimd) {
        checkKernels(VectorizationProvider.getInstance().name(), requireSimd);
        String path = SparkFiles.get(name);
        return LOADED.computeIfAbsent(path, p -> {
            try {
                Path dir = ModelZip.isZip(name) ? ModelZip.unpack(Path.of(p)) : Path.of(p);
                LoadedModel m = ModelFormats.load(dir);
                KernelPool kp = pool();
                LOG.info("sae4j: loaded {} (d={}, n={}) on {} kernels, {} threads", name, m.sae().config().dim(),
                        m.sae().config().latents(), VectorizationProvider.getInstance().name(), kp.threads());
                return SaeEncoder.of(m.sae(), m.standardizer(), kp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Panama kernels are logged; scalar ones are a warning (about 30× slower), or an error when SIMD was required.
     */
    static void checkKernels(String provider, boolean requireSimd) {
        if ("panama".equals(provider)) {
            if (!SAID.getAndSet(true)) {
                LOG.info("sae4j: SIMD (Panama Vector API) kernels in use");
            }
            return;
        }
        String msg = "sae4j: " + provider + " kernels on this executor, not SIMD: its JVM lacks"
                + " --add-modules=jdk.incubator.vector (set spark.executor.extraJavaOptions) or its CPU has no"
                + " vector unit";
        if (requireSimd) {
            throw new BadInputException(msg + "; expected SIMD kernels (--require-simd)");
        }
        LOG.warn("{} (about 30x slower)", msg);
    }

    // One pool per executor JVM, as many threads as the executor has cores.
    private static KernelPool pool() {
        KernelPool p = pool;
        if (p == null) {
            synchronized (ExecutorEncoders.class) {
                p = pool;
                if (p == null) {
                    int cores = Runtime.getRuntime().availableProcessors();
                    SparkEnv env = SparkEnv.get();
                    if (env != null && env.conf().contains("spark.executor.cores")) {
                        cores = env.conf().getInt("spark.executor.cores", cores);
                    }
                    pool = p = new KernelPool(Math.max(1, cores));
                }
            }
        }
        return p;
    }
}
