package org.sae4j.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sae4j.BadInputException;
import org.sae4j.encode.SaeEncoder;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.kernels.KernelPool;
import org.sae4j.kernels.VectorizationProvider;
import org.sae4j.train.checkpoint.Checkpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model on the executors: the driver loads the model (to check it and for its configuration) and broadcasts
 * its directory's files ({@link ModelFiles}); each executor JVM writes them out once, loads them into one
 * {@link SaeEncoder} shared by all its tasks (batch calls are serialised in the encoder, whose GEMM runs on a pool
 * of the executor's cores), deletes the copy, and says which kernels it runs.
 */
final class ExecutorEncoders {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEncoders.class);
    private static final ConcurrentHashMap<String, SaeEncoder> LOADED = new ConcurrentHashMap<>();
    // Driver side: a model directory broadcast once per application (and version of its files).
    private static final ConcurrentHashMap<String, Model> SHIPPED = new ConcurrentHashMap<>();
    private static volatile KernelPool pool;
    private static final AtomicBoolean SAID = new AtomicBoolean(); // the SIMD line, once per JVM

    private ExecutorEncoders() {
    }

    /**
     * What a task closure carries: the broadcast files and a key unique to the application and the broadcast
     * (broadcast ids restart at 0 in each SparkContext, and local-mode tests run several in one JVM).
     */
    record Model(String key, Broadcast<ModelFiles> files) implements Serializable {
    }

    /**
     * A model loaded on the driver, its handle for the executors, and its parameters' fingerprint
     * ({@link org.sae4j.model.Sae#parameterSha256()}, which {@code features.json} records as {@code sae4j features} does).
     */
    record Shipped(SaeEncoder encoder, Model model, String parameterSha256) {
    }

    /**
     * On the driver: loads the model once (a model that does not load fails here, before any task or output) and
     * broadcasts its files, once per application and version of the files.
     */
    static Shipped ship(JavaSparkContext sc, Path modelDir) throws IOException {
        Path dir = modelDir.toAbsolutePath().normalize();
        LoadedModel m = ModelFormats.load(dir); // as ModelFormats.loadEncoder, keeping the Sae for its fingerprint
        SaeEncoder enc = SaeEncoder.of(m.sae(), m.standardizer(), KernelPool.common());
        String sha = m.sae().parameterSha256();
        String app = sc.sc().applicationId();
        String key = app + " " + dir + " " + ModelFiles.stamp(dir);
        Model model = SHIPPED.get(key);
        if (model == null) {
            Broadcast<ModelFiles> b = sc.broadcast(ModelFiles.read(dir));
            model = new Model(app + "/" + b.id(), b);
            SHIPPED.put(key, model);
        }
        return new Shipped(enc, model, sha);
    }

    /** On an executor: the shared encoder of a shipped model, loaded on first use. */
    static SaeEncoder get(Model model, boolean requireSimd) {
        checkKernels(VectorizationProvider.getInstance().name(), requireSimd);
        return LOADED.computeIfAbsent(model.key(), k -> {
            ModelFiles files = model.files().value();
            try {
                // The executor's scratch directory (its work directory on a cluster), as addFile would use.
                Path dir = files.writeUnder(scratch());
                LoadedModel m;
                try {
                    m = ModelFormats.load(dir);
                } finally {
                    Checkpoint.deleteTree(dir); // loaded into memory: the copy is not needed again
                }
                KernelPool kp = pool();
                LOG.info("sae4j: loaded {} ({} bytes of files; d={}, n={}) on {} kernels, {} threads", files.name(),
                        files.bytes(), m.sae().config().dim(), m.sae().config().latents(),
                        VectorizationProvider.getInstance().name(), kp.threads());
                return SaeEncoder.of(m.sae(), m.standardizer(), kp);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Path scratch() {
        return SparkEnv.get() != null ? Path.of(SparkFiles.getRootDirectory()).toAbsolutePath()
                : Path.of(System.getProperty("java.io.tmpdir"));
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
