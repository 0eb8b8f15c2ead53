package org.sae4j.spark.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.sae4j.data.BundledData;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyArrays;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.npy.NpyWriter;

/**
 * The Spark jobs on a standalone cluster of separate JVMs on this machine ({@link LocalCluster}: a master, two
 * workers of one core and 512 MB each, an executor JVM per worker and application), submitted as a user submits them:
 * {@code SparkSubmit} in client mode with the thin {@code sae4j-spark} jar. Each run's outputs are compared byte for
 * byte with the single-machine commands on the same rows, and its event log shows which executor ran each task;
 * the executors' pids come from their logs in the workers' directories. The last run kills a worker and its executor
 * in the middle of a stage; the job must finish on the other worker with the same bytes.
 * {@code src/docs/spark.md} describes the run and its figures. Runs once, after {@code package} (failsafe).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
    private static final int D = 64;
    private static final int LATENTS = 512;
    private static final int K = 16;
    private static final int NPY_ROWS = 400_000;
    private static final int NPY_SPLIT = 250_000; // the two shards' boundary
    private static final int PARQUET_ROWS = 60_000;
    private static final Duration RUN_LIMIT = Duration.ofMinutes(5);

    @TempDir
    static Path dir;

    private static LocalCluster cluster;
    private static SparkSession local;
    private static Path jar;
    private static Path driverClasses;
    private static Path model;
    private static Path shards;
    private static Path smallNpy;
    private static Path parquet;
    private static Path singleBig;
    private static Path singleSmall;
    private static Path singleCodes;
    private static final Map<String, String> FIGURES = new LinkedHashMap<>();

    @BeforeAll
    static void setUp() throws Exception {
        jar = Path.of(System.getProperty("sae4j.spark.jar"));
        Path classPath = Path.of(System.getProperty("sae4j.spark.classpath"));
        assertThat(jar).as("the packaged jar (the IT runs after package)").isRegularFile();
        assertThat(classPath).as("Spark's class path, written at package time").isRegularFile();
        List<String> flags = List.of(System.getProperty("sae4j.spark.jvmFlags").strip().split("\\s+"));

        // A model trained here on the bundled digits, as a user trains one.
        model = dir.resolve("model");
        cli("train", "--data", BundledData.digitsNpy().toString(), "--latents", "" + LATENTS, "--activation", "topk",
                "--k", "" + K, "--batch", "64", "--epochs", "2", "--out", model.toString());

        // Rows: the digits with coarse noise, as two .npy shards; the first rows also as one .npy and as Parquet.
        float[] digits;
        try (NpyFile f = NpyFile.open(BundledData.digitsNpy())) {
            digits = f.readAll();
        }
        int nd = digits.length / D;
        SplittableRandom rnd = new SplittableRandom(27);
        float[] x = new float[NPY_ROWS * D];
        for (int r = 0; r < NPY_ROWS; r++) {
            for (int i = 0; i < D; i++) {
                x[r * D + i] = digits[(r % nd) * D + i] + (float) Math.rint(rnd.nextGaussian() * 8) / 4f;
            }
        }
        shards = Files.createDirectories(dir.resolve("shards"));
        NpyWriter.writeF32(shards.resolve("shard-000.npy"), java.util.Arrays.copyOf(x, NPY_SPLIT * D), NPY_SPLIT, D);
        NpyWriter.writeF32(shards.resolve("shard-001.npy"), java.util.Arrays.copyOfRange(x, NPY_SPLIT * D,
                NPY_ROWS * D), NPY_ROWS - NPY_SPLIT, D);
        smallNpy = dir.resolve("small.npy");
        NpyWriter.writeF32(smallNpy, java.util.Arrays.copyOf(x, PARQUET_ROWS * D), PARQUET_ROWS, D);

        // The single-machine commands, in this JVM.
        singleBig = dir.resolve("single-features");
        cli("features", "--model", model.toString(), "--data", shards.toString(), "--out", singleBig.toString());
        singleSmall = dir.resolve("single-small-features");
        cli("features", "--model", model.toString(), "--data", smallNpy.toString(), "--out", singleSmall.toString());
        singleCodes = dir.resolve("single-codes");
        cli("encode", "--model", model.toString(), "--data", smallNpy.toString(), "--out", singleCodes.toString());

        // One Parquet file in small row groups, so that the cluster's driver splits it into several partitions.
        local = SparkSession.builder().appName("StandaloneClusterIT").master("local[1]")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.local.dir", dir.toString())
                .getOrCreate();
        List<Row> rows = new ArrayList<>(PARQUET_ROWS);
        for (int r = 0; r < PARQUET_ROWS; r++) {
            rows.add(RowFactory.create((Object) java.util.Arrays.copyOfRange(x, r * D, (r + 1) * D), (long) r));
        }
        StructType schema = new StructType().add("activations", DataTypes.createArrayType(DataTypes.FloatType, false))
                .add("id", DataTypes.LongType);
        parquet = dir.resolve("rows.parquet");
        local.createDataFrame(rows, schema).coalesce(1).write().option("parquet.block.size", 1 << 20)
                .parquet(parquet.toString());

        // The driver's extra class path: the listener alone (the app's own classes come from the jar).
        driverClasses = dir.resolve("driver-classes");
        Path cls = driverClasses.resolve("org/sae4j/spark/cluster/TaskEventLog.class");
        Files.createDirectories(cls.getParent());
        try (var in = TaskEventLog.class.getResourceAsStream("TaskEventLog.class")) {
            Files.copy(in, cls);
        }

        long t0 = System.nanoTime();
        cluster = new LocalCluster(dir.resolve("cluster"), classPath, flags);
        cluster.start(2, 1, "512m");
        FIGURES.put("cluster start", secs(t0));
    }

    @AfterAll
    static void tearDown() {
        try {
            if (local != null) {
                local.stop();
            }
        } finally {
            if (cluster != null) {
                cluster.close();
                assertThat(cluster.alive()).as("processes of the cluster after close").isEmpty();
            }
            System.out.println("cluster figures: " + FIGURES);
        }
    }

    @Test
    @Order(1)
    void featuresOnNpyShardsEqualTheSingleMachineDirectory() throws Exception {
        Path out = dir.resolve("cluster-npy-features");
        Run run = run("npy-features", 4, List.of("features", "--model", model.toString(), "--data", shards.toString(),
                "--require-simd", "--out", out.toString()), null);
        run.checkOnBothExecutors(4);
        // Same --model and --data strings: every file, features.json and the page included, is the same.
        assertSameFiles(singleBig, out, Map.of());
        FIGURES.put("npy features", run.summary());
    }

    @Test
    @Order(2)
    void featuresOnParquetEqualTheSingleMachineDirectory() throws Exception {
        Path out = dir.resolve("cluster-parquet-features");
        Run run = run("parquet-features", 4, List.of("features", "--model", model.toString(), "--data",
                parquet.toString(), "--require-simd", "--out", out.toString()), null);
        run.checkOnBothExecutors(4);
        // Only the --data path differs (features.json and the page name it).
        assertSameFiles(singleSmall, out, Map.of(parquet.toString(), smallNpy.toString()));
        FIGURES.put("parquet features", run.summary());
    }

    @Test
    @Order(3)
    void encodeOnParquetGivesTheCodesOfTheSingleMachineEncode() throws Exception {
        Path out = dir.resolve("cluster-codes.parquet");
        Run run = run("parquet-encode", 4, List.of("encode", "--model", model.toString(), "--data",
                parquet.toString(), "--k", "" + K, "--require-simd", "--out", out.toString()), null);
        run.checkOnBothExecutors(4);
        int[] idx = NpyArrays.readI4(singleCodes.resolveSibling("single-codes.indices.npy"), PARQUET_ROWS, K);
        float[] val = NpyArrays.readF4(singleCodes.resolveSibling("single-codes.values.npy"), PARQUET_ROWS, K);
        float[] x;
        try (NpyFile f = NpyFile.open(smallNpy)) {
            x = f.readAll();
        }
        List<Row> back = local.read().parquet(out.toString()).collectAsList();
        assertThat(back).hasSize(PARQUET_ROWS);
        // Compared in plain Java (3.8 million values), the rows that differ collected for one assertion.
        Set<Long> seen = new TreeSet<>();
        List<String> differ = new ArrayList<>();
        for (Row row : back) {
            long id = row.getLong(row.fieldIndex("id"));
            int r = Math.toIntExact(id);
            if (!seen.add(id)) {
                differ.add("row " + r + ": twice");
            }
            List<Float> a = row.getList(row.fieldIndex("activations"));
            for (int i = 0; i < D; i++) {
                if (Float.floatToRawIntBits(a.get(i)) != Float.floatToRawIntBits(x[r * D + i])) {
                    differ.add("row " + r + ": activations[" + i + "] " + a.get(i) + " != " + x[r * D + i]);
                }
            }
            List<Integer> si = row.getList(row.fieldIndex("sae_indices"));
            List<Float> sv = row.getList(row.fieldIndex("sae_values"));
            int m = 0;
            while (m < K && idx[r * K + m] >= 0) {
                m++;
            }
            if (si.size() != m || sv.size() != m) {
                differ.add("row " + r + ": " + si.size() + " indices and " + sv.size() + " values; expected " + m);
                continue;
            }
            for (int j = 0; j < m; j++) {
                if (si.get(j) != idx[r * K + j]
                        || Float.floatToRawIntBits(sv.get(j)) != Float.floatToRawIntBits(val[r * K + j])) {
                    differ.add("row " + r + ", code " + j + ": " + si.get(j) + "=" + sv.get(j) + "; sae4j encode "
                            + idx[r * K + j] + "=" + val[r * K + j]);
                }
            }
        }
        assertThat(seen).hasSize(PARQUET_ROWS);
        assertThat(differ).as("rows whose codes differ from sae4j encode's").isEmpty();
        FIGURES.put("parquet encode", run.summary());
    }

    /**
     * A worker and its executor die (SIGKILL) while a stage runs: as soon as the victim has finished one task (its
     * map output lives in that JVM) and started the next. Spark must rerun both on the other executor.
     */
    @Test
    @Order(4)
    void aWorkerKilledMidStageLeavesTheBytesUnchanged() throws Exception {
        Path out = dir.resolve("cluster-npy-features-killed");
        Map<String, String> kill = new HashMap<>();
        Run run = run("npy-features-kill", 16, List.of("features", "--model", model.toString(), "--data",
                shards.toString(), "--require-simd", "--out", out.toString()), (p, taskLog) -> {
            long t = System.nanoTime();
            String[] first = new String[1];
            LocalCluster.await(() -> (first[0] = firstLine(taskLog, "end ", " Success", null)) != null, p,
                    RUN_LIMIT, taskLog + ": a task that succeeded");
            String[] f = first[0].split(" ");
            String stage = f[1];
            String victim = f[5];
            LocalCluster.await(() -> firstLine(taskLog, "start " + stage + " ", " " + victim, first[0]) != null, p,
                    RUN_LIMIT, taskLog + ": the next task of executor " + victim);
            String app = firstLine(taskLog, "app ", "", null).substring(4);
            int worker = cluster.workerOf(app, victim);
            Long pid = cluster.executorPids(app).get(victim);
            List<Long> killed = cluster.killWorker(worker);
            kill.put("victim", victim);
            kill.put("stage", stage);
            kill.put("worker", "" + worker);
            kill.put("pid", "" + pid);
            kill.put("killed", killed.toString());
            kill.put("after", secs(t));
        });
        assertThat(kill.get("killed")).as("worker and executor killed").contains(kill.get("pid"));
        assertSameFiles(singleBig, out, Map.of());

        String victim = kill.get("victim");
        int stage = Integer.parseInt(kill.get("stage"));
        List<Map<String, Object>> tasks = run.events("SparkListenerTaskEnd");
        assertThat(run.events("SparkListenerExecutorRemoved")).extracting(e -> e.get("Executor ID"))
                .containsExactly(victim);
        Set<String> executors = new TreeSet<>();
        tasks.forEach(t -> executors.add(executor(t)));
        assertThat(executors).hasSize(2).contains(victim);
        String survivor = executors.stream().filter(e -> !e.equals(victim)).findFirst().orElseThrow();
        // Partitions of the stage whose work on the victim was lost: its running task (ExecutorLostFailure) and
        // its finished map outputs (Resubmitted).
        Map<Integer, List<String>> lost = new TreeMap<>();
        for (Map<String, Object> t : tasks) {
            String reason = reason(t);
            if (stageId(t) == stage && executor(t).equals(victim) && !reason.equals("Success")) {
                lost.computeIfAbsent(index(t), i -> new ArrayList<>()).add(reason);
            }
        }
        assertThat(lost).as("tasks of the victim that Spark reran").isNotEmpty();
        assertThat(lost.values().stream().flatMap(List::stream)).contains("ExecutorLostFailure", "Resubmitted");
        for (int p : lost.keySet()) {
            assertThat(tasks).as("partition %d rerun on the survivor", p).anyMatch(t -> stageId(t) == stage
                    && index(t) == p && executor(t).equals(survivor) && reason(t).equals("Success"));
        }
        // Once Spark removed the victim, it started nothing there.
        List<String> log = run.taskLog;
        int removed = log.indexOf("removed " + victim);
        assertThat(removed).isPositive();
        assertThat(log.subList(removed, log.size())).noneMatch(l -> l.startsWith("start ")
                && l.endsWith(" " + victim));
        run.checkExecutorsAreOtherJvms(executors);
        int n = (int) tasks.stream().filter(t -> stageId(t) == stage).map(StandaloneClusterIT::index).distinct()
                .count();
        assertThat(n).isEqualTo(16);
        FIGURES.put("kill", run.summary() + "; killed worker " + kill.get("worker") + " (pids " + kill.get("killed")
                + ", executor " + victim + " pid " + kill.get("pid") + ") " + kill.get("after") + " after submit;"
                + " stage " + stage + " partitions rerun on executor " + survivor + ": " + lost);
    }

    // ---- runs ----

    private interface During {
        void accept(Process driver, Path taskLog) throws Exception;
    }

    /** What one spark-submit left: its exit, its driver's pid, its event log and the listener's lines. */
    private record Run(String name, int exit, long driverPid, String appId, List<Map<String, Object>> events,
                       List<String> taskLog, double seconds, Path log) {

        List<Map<String, Object>> events(String type) {
            return events.stream().filter(e -> type.equals(e.get("Event"))).toList();
        }

        /** Every task succeeded, on two executors of two workers, and some stage had at least {@code min} tasks. */
        void checkOnBothExecutors(int min) throws IOException {
            List<Map<String, Object>> tasks = events("SparkListenerTaskEnd");
            assertThat(tasks).isNotEmpty().allMatch(t -> reason(t).equals("Success"));
            Set<String> executors = new TreeSet<>();
            tasks.forEach(t -> executors.add(executor(t)));
            assertThat(executors).as("executors that ran tasks").hasSize(2);
            assertThat(executors.stream().map(e -> cluster.workerOf(appId, e)).distinct().sorted().toList())
                    .containsExactly(0, 1);
            checkExecutorsAreOtherJvms(executors);
            assertThat(maxPartitions()).isGreaterThanOrEqualTo(min);
        }

        void checkExecutorsAreOtherJvms(Set<String> executors) throws IOException {
            Map<String, Long> pids = cluster.executorPids(appId);
            assertThat(pids).containsKeys(executors.toArray(String[]::new));
            assertThat(taskLog.get(0)).isEqualTo("driver " + driverPid); // the listener ran in the driver we started
            Set<Long> seen = new TreeSet<>();
            for (String e : executors) {
                assertThat(pids.get(e)).as("executor %s", e).isNotEqualTo(driverPid);
                assertThat(seen.add(pids.get(e))).as("executor %s's pid", e).isTrue();
            }
        }

        int maxPartitions() {
            Map<Integer, Set<Integer>> byStage = new TreeMap<>();
            for (Map<String, Object> t : events("SparkListenerTaskEnd")) {
                byStage.computeIfAbsent(stageId(t), s -> new TreeSet<>()).add(index(t));
            }
            return byStage.values().stream().mapToInt(Set::size).max().orElse(0);
        }

        String summary() throws IOException {
            Map<String, Integer> perExecutor = new TreeMap<>();
            for (Map<String, Object> t : events("SparkListenerTaskEnd")) {
                perExecutor.merge(executor(t), 1, Integer::sum);
            }
            Map<String, Long> pids = cluster.executorPids(appId);
            return String.format(Locale.ROOT, "%s %.1f s, %d partitions, driver pid %d, tasks per executor %s,"
                    + " executor pids %s", appId, seconds, maxPartitions(), driverPid, perExecutor, pids);
        }
    }

    private static Run run(String name, int parallelism, List<String> args, During during) throws Exception {
        Path events = Files.createDirectories(dir.resolve("events-" + name));
        Path taskLog = dir.resolve("tasks-" + name + ".log");
        Path log = dir.resolve("submit-" + name + ".log");
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("spark.app.name", "sae4j-" + name);
        conf.put("spark.ui.enabled", "false");
        conf.put("spark.driver.host", "127.0.0.1");
        conf.put("spark.driver.bindAddress", "127.0.0.1");
        conf.put("spark.local.dir", Files.createDirectories(dir.resolve("driver-local")).toString());
        conf.put("spark.executor.memory", "512m"); // the least Spark accepts is 450 MiB
        conf.put("spark.executor.cores", "1");
        conf.put("spark.cores.max", "2");
        // Tasks start once both executors registered, so that both take part in every run.
        conf.put("spark.scheduler.minRegisteredResourcesRatio", "1.0");
        conf.put("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s");
        conf.put("spark.default.parallelism", "" + parallelism); // the .npy row ranges
        conf.put("spark.sql.files.maxPartitionBytes", "" + Math.max(1 << 20, Files.size(parquetFile()) / 5));
        conf.put("spark.sql.adaptive.enabled", "false");
        conf.put("spark.executor.extraJavaOptions", cluster.executorJavaOptions());
        conf.put("spark.eventLog.enabled", "true");
        conf.put("spark.eventLog.dir", events.toUri().toString());
        conf.put("spark.eventLog.compress", "false");
        conf.put("spark.eventLog.rolling.enabled", "false");
        conf.put("spark.extraListeners", TaskEventLog.class.getName());
        conf.put("spark.sae4j.taskEventLog", taskLog.toString());
        long t0 = System.nanoTime();
        Process p = cluster.submit(log, List.of(driverClasses.toString()), conf, jar, args);
        if (during != null) {
            during.accept(p, taskLog);
        }
        int exit = LocalCluster.waitFor(p, RUN_LIMIT, log);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String tail = tail(log);
        assertThat(exit).as("%s exit; its log ends:%n%s", name, tail).isZero();
        List<String> lines = Files.readAllLines(taskLog);
        String app = lines.stream().filter(l -> l.startsWith("app ")).findFirst().orElseThrow().substring(4);
        Path eventLog = events.resolve(app);
        assertThat(eventLog).as("event log").isRegularFile();
        List<Map<String, Object>> ev = new ArrayList<>();
        for (String l : Files.readAllLines(eventLog)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> e = (Map<String, Object>) Json.parse(l);
            ev.add(e);
        }
        return new Run(name, exit, p.pid(), app, ev, lines, seconds, log);
    }

    private static Path parquetFile() throws IOException {
        try (var s = Files.list(parquet)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
    }

    /** The first line of the listener's file with this prefix and suffix, after line {@code after} if given. */
    private static String firstLine(Path taskLog, String prefix, String suffix, String after) {
        try {
            if (!Files.exists(taskLog)) {
                return null;
            }
            List<String> lines = Files.readAllLines(taskLog);
            int from = after == null ? 0 : lines.indexOf(after) + 1;
            for (String l : lines.subList(from, lines.size())) {
                if (l.startsWith(prefix) && l.endsWith(suffix)) {
                    return l;
                }
            }
            return null;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ---- event log fields ----

    @SuppressWarnings("unchecked")
    private static Map<String, Object> info(Map<String, Object> t) {
        return (Map<String, Object>) t.get("Task Info");
    }

    private static String executor(Map<String, Object> t) {
        return (String) info(t).get("Executor ID");
    }

    private static int index(Map<String, Object> t) {
        return ((Number) info(t).get("Index")).intValue();
    }

    private static int stageId(Map<String, Object> t) {
        return ((Number) t.get("Stage ID")).intValue();
    }

    @SuppressWarnings("unchecked")
    private static String reason(Map<String, Object> t) {
        return (String) ((Map<String, Object>) t.get("Task End Reason")).get("Reason");
    }

    // ---- files ----

    /**
     * Every file of {@code expected} is in {@code actual} with the same bytes, after replacing each key of
     * {@code paths} by its value in the text files (features.json, index.html).
     */
    private static void assertSameFiles(Path expected, Path actual, Map<String, String> paths) throws IOException {
        List<String> names;
        try (var s = Files.list(expected)) {
            names = s.map(f -> f.getFileName().toString()).sorted().toList();
        }
        try (var s = Files.list(actual)) {
            assertThat(s.map(f -> f.getFileName().toString()).sorted().toList()).isEqualTo(names);
        }
        for (String f : names) {
            byte[] a = Files.readAllBytes(actual.resolve(f));
            if (!paths.isEmpty() && (f.endsWith(".json") || f.endsWith(".html"))) {
                String text = new String(a, StandardCharsets.UTF_8);
                for (Map.Entry<String, String> p : paths.entrySet()) {
                    assertThat(text).as(f).contains(p.getKey());
                    text = text.replace(p.getKey(), p.getValue());
                }
                a = text.getBytes(StandardCharsets.UTF_8);
            }
            assertThat(a).as("%s of %s", f, actual).isEqualTo(Files.readAllBytes(expected.resolve(f)));
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> l = Files.readAllLines(log, StandardCharsets.ISO_8859_1);
        return String.join("\n", l.subList(Math.max(0, l.size() - 40), l.size()));
    }

    private static void cli(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = org.sae4j.cli.Main.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));
        assertThat(code).as("sae4j %s: %s", args[0], err).isZero();
    }

    private static String secs(long t0) {
        return String.format(Locale.ROOT, "%.1f s", (System.nanoTime() - t0) / 1e9);
    }
}
