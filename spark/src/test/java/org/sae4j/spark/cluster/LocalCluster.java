package org.sae4j.spark.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Spark standalone cluster on the loopback: one {@code Master} and {@code Worker}s, each in its own JVM, started
 * from the jars the build resolved ({@code spark/target/spark-classpath.txt}), with everything they write under one
 * root directory, and a driver for each {@code SparkSubmit} in client mode. Every wait is bounded; {@link #close()}
 * (and a shutdown hook, should the test JVM die first) kills every process it started, and their children.
 *
 * <p>A Worker starts executors with a command line that Spark's launcher builds from {@code SPARK_HOME}: the class
 * path is {@code $SPARK_HOME/jars/*}. So {@code SPARK_HOME} here is a directory whose {@code jars/} holds a symbolic
 * link to each jar of the resolved class path; {@code SPARK_SCALA_VERSION=2.13} spares the launcher its search for
 * a Spark build tree. The executors' {@code java} is {@code $JAVA_HOME/bin/java}, set to this JVM's home.
 */
final class LocalCluster implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(90);
    private static final Pattern DAEMON = Pattern.compile("Started daemon with process name: (\\d+)@");
    // Master and workers only start and coordinate: the client compiler and one GC thread start them
    // sooner on a small machine. Executors keep C2, which the Vector API kernels need.
    private static final List<String> LIGHT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    final Path root;
    final Path sparkHome;
    final int masterPort;
    private final List<String> jvmFlags;
    private final String javaHome = System.getProperty("java.home");
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final List<Path> workDirs = new ArrayList<>();
    private final Thread hook = new Thread(this::killAll, "local-cluster-reaper");
    private Process master;
    private boolean closed; // guarded by processes

    LocalCluster(Path root, Path classPathFile, List<String> jvmFlags) throws IOException {
        this.root = root;
        this.jvmFlags = List.copyOf(jvmFlags);
        this.sparkHome = sparkHome(root.resolve("spark-home"), classPathFile);
        Files.createDirectories(root.resolve("tmp"));
        this.masterPort = freePort();
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** {@code dir/jars/} with a link to each jar of the class path file ({@code a.jar:b.jar:…}). */
    static Path sparkHome(Path dir, Path classPathFile) throws IOException {
        Path jars = Files.createDirectories(dir.resolve("jars"));
        Files.createDirectories(dir.resolve("conf"));
        Set<String> names = new HashSet<>();
        for (String entry : Files.readString(classPathFile, StandardCharsets.UTF_8).strip().split(":")) {
            Path jar = Path.of(entry);
            String name = jar.getFileName().toString();
            if (!names.add(name)) {
                throw new IllegalStateException(classPathFile + ": two jars named " + name + "; expected distinct"
                        + " file names, as in a Spark distribution's jars/");
            }
            Files.createSymbolicLink(jars.resolve(name), jar.toAbsolutePath());
        }
        return dir;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** Starts the master and {@code n} workers of {@code cores} cores and {@code memory} each; waits until all registered. */
    void start(int n, int cores, String memory) throws IOException, InterruptedException {
        Path masterLog = root.resolve("master.log");
        // spark.worker.timeout stays 60 s: at 10 s a loaded machine's late heartbeats drop live workers, and a
        // killed worker is seen at once (its connection closes).
        master = launch(light("-Xmx256m", "-Dspark.master.rest.enabled=false"),
                List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "" + masterPort,
                        "--webui-port", "0"), masterLog, Map.of());
        awaitLog(master, masterLog, "I have been elected leader", START);
        for (int i = 0; i < n; i++) {
            Path work = Files.createDirectories(root.resolve("worker-" + i));
            Path local = Files.createDirectories(work.resolve("local"));
            Path log = root.resolve("worker-" + i + ".log");
            workers.add(launch(light("-Xmx256m"), List.of("org.apache.spark.deploy.worker.Worker", "--host",
                    "127.0.0.1", "--port", "0", "--webui-port", "0", "--cores", "" + cores, "--memory", memory,
                    "--work-dir", work.toString(), masterUrl()), log, Map.of("SPARK_LOCAL_DIRS", local.toString())));
            workDirs.add(work);
        }
        for (int i = 0; i < n; i++) {
            awaitLog(workers.get(i), root.resolve("worker-" + i + ".log"), "Successfully registered with master",
                    START);
        }
    }

    /** {@code SparkSubmit} in client mode: the driver runs in the process returned. */
    Process submit(Path log, List<String> driverClassPath, Map<String, String> conf, Path appJar,
                   List<String> appArgs) throws IOException {
        List<String> args = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--deploy-mode", "client", "--class", "org.sae4j.spark.Main"));
        for (Map.Entry<String, String> c : conf.entrySet()) {
            args.add("--conf");
            args.add(c.getKey() + "=" + c.getValue());
        }
        args.add(appJar.toString());
        args.addAll(appArgs);
        // C2 kept: the driver computes the decoder's nearest neighbours with the kernels, whose float reductions
        // must round as in the single-machine run.
        List<String> jvm = List.of("--add-modules=jdk.incubator.vector", "-Xmx512m", "-XX:+UseSerialGC");
        return launch(jvm, driverClassPath, args, log, Map.of());
    }

    /**
     * The executor options a user passes as {@code spark.executor.extraJavaOptions}, plus a temp dir under root and
     * one GC thread (an executor of one core).
     */
    String executorJavaOptions() {
        return "--add-modules=jdk.incubator.vector " + String.join(" ", jvmFlags) + " -XX:+UseSerialGC"
                + " -Djava.io.tmpdir=" + root.resolve("tmp");
    }

    private static List<String> light(String... more) {
        List<String> l = new ArrayList<>(LIGHT);
        l.addAll(List.of(more));
        return l;
    }

    private Process launch(List<String> jvm, List<String> main, Path log, Map<String, String> env)
            throws IOException {
        return launch(jvm, List.of(), main, log, env);
    }

    private Process launch(List<String> jvm, List<String> extraClassPath, List<String> main, Path log,
                           Map<String, String> env) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(javaHome, "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.addAll(jvm);
        cmd.add("-Djava.io.tmpdir=" + root.resolve("tmp"));
        cmd.add("-cp");
        List<String> cp = new ArrayList<>(List.of(sparkHome.resolve("jars") + "/*"));
        cp.addAll(extraClassPath);
        cmd.add(String.join(":", cp));
        cmd.addAll(main);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
                .directory(root.toFile());
        Map<String, String> e = pb.environment();
        // Nothing from a Spark or Hadoop installation of the calling shell.
        e.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("HADOOP_") || k.startsWith("YARN_"));
        e.put("SPARK_HOME", sparkHome.toString());
        e.put("SPARK_CONF_DIR", sparkHome.resolve("conf").toString());
        e.put("SPARK_SCALA_VERSION", "2.13");
        e.put("JAVA_HOME", javaHome);
        e.put("SPARK_LOCAL_IP", "127.0.0.1"); // web UIs and RPC bind to the loopback
        e.put("SPARK_PUBLIC_DNS", "127.0.0.1");
        e.putAll(env);
        synchronized (processes) { // none starts once close() (or the shutdown hook) began to kill them
            if (closed) {
                throw new IllegalStateException(root + ": the cluster is closed; not starting " + main.get(0));
            }
            Process p = pb.start();
            processes.add(p);
            return p;
        }
    }

    static void awaitLog(Process p, Path log, String text, Duration limit) throws IOException, InterruptedException {
        await(() -> contains(log, text), p, limit, log + ": no '" + text + "'");
    }

    /** Polls {@code done} every 20 ms until it holds; fails when {@code p} exits first or the limit passes. */
    static void await(BooleanSupplier done, Process p, Duration limit, String what) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!done.getAsBoolean()) {
            if (p != null && !p.isAlive()) {
                throw new IllegalStateException(what + ": the process exited with " + p.exitValue());
            }
            if (System.nanoTime() > end) {
                throw new IllegalStateException(what + " within " + limit);
            }
            Thread.sleep(20);
        }
    }

    static boolean contains(Path log, String text) {
        try {
            return Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits for {@code p} to exit within the limit, or kills it (and its children) and fails. */
    static int waitFor(Process p, Duration limit, Path log) throws InterruptedException {
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            kill(p.toHandle());
            throw new IllegalStateException(log + ": still running after " + limit + "; killed");
        }
        return p.exitValue();
    }

    /** The pid of each executor of an application, by executor id, from the "Started daemon" line of its log. */
    Map<String, Long> executorPids(String appId) throws IOException {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (Path w : workDirs) {
            Path app = w.resolve(appId);
            if (!Files.isDirectory(app)) {
                continue;
            }
            try (var dirs = Files.list(app)) {
                for (Path e : dirs.sorted().toList()) {
                    Path err = e.resolve("stderr");
                    if (Files.exists(err)) {
                        Matcher m = DAEMON.matcher(Files.readString(err, StandardCharsets.ISO_8859_1));
                        if (m.find()) {
                            pids.put(e.getFileName().toString(), Long.parseLong(m.group(1)));
                        }
                    }
                }
            }
        }
        return pids;
    }

    /** The index of the worker that ran executor {@code executorId} of {@code appId}, or -1. */
    int workerOf(String appId, String executorId) {
        for (int i = 0; i < workDirs.size(); i++) {
            if (Files.isDirectory(workDirs.get(i).resolve(appId).resolve(executorId))) {
                return i;
            }
        }
        return -1;
    }

    long workerPid(int i) {
        return workers.get(i).pid();
    }

    /** Kills worker {@code i} and the executors it started, at once (SIGKILL), as a machine that fails would. */
    List<Long> killWorker(int i) throws InterruptedException {
        ProcessHandle w = workers.get(i).toHandle();
        List<ProcessHandle> all = new ArrayList<>(w.descendants().toList());
        all.add(0, w);
        for (ProcessHandle h : all) {
            h.destroyForcibly();
        }
        List<Long> pids = new ArrayList<>();
        for (ProcessHandle h : all) {
            pids.add(h.pid());
            awaitExit(h);
        }
        return pids;
    }

    private static void kill(ProcessHandle p) {
        List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
        all.add(0, p);
        all.forEach(ProcessHandle::destroyForcibly);
        all.forEach(LocalCluster::awaitExit);
    }

    private static void awaitExit(ProcessHandle h) {
        try {
            h.onExit().get(15, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // a process that survives SIGKILL for 15 s is reported by alive()
        }
    }

    private void killAll() {
        synchronized (processes) {
            closed = true;
        }
        for (int i = processes.size() - 1; i >= 0; i--) { // drivers first, the master last
            kill(processes.get(i).toHandle());
        }
    }

    /** Processes still alive whose command line names this cluster's root: none once {@link #close()} returned. */
    List<String> alive() {
        String r = root.toString();
        return ProcessHandle.allProcesses()
                .filter(h -> h.pid() != ProcessHandle.current().pid())
                .filter(h -> h.info().commandLine().map(c -> c.contains(r)).orElse(false))
                .map(h -> h.pid() + " " + h.info().commandLine().orElse("")).toList();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) { // already shutting down: the hook runs anyway
            return;
        }
    }
}
