package org.sae4j.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.sae4j.BadInputException;
import org.sae4j.data.BatchOptions;
import org.sae4j.data.BatchStream;
import org.sae4j.data.NpyDataset;
import org.sae4j.data.TokensTsv;
import org.sae4j.formats.LoadedModel;
import org.sae4j.formats.ModelFormats;
import org.sae4j.io.json.Json;
import org.sae4j.io.npy.NpyFile;
import org.sae4j.io.npy.NpyWriter;
import org.sae4j.io.safetensors.Safetensors;
import org.sae4j.model.Activation;
import org.sae4j.model.Sae;
import org.sae4j.model.SaeConfig;
import org.sae4j.model.Standardizer;
import org.sae4j.train.OptimizerState;
import org.sae4j.train.TrainConfig;
import org.sae4j.train.TrainState;
import org.sae4j.train.checkpoint.Checkpoint;
import static org.assertj.core.api.Assertions.assertThat;


/**
 * Fuzzes every file reader with mutations of valid files: bit flips, truncation, extreme integers written over
 * length and count fields, numbers in headers replaced by huge or negative ones (shapes, offsets, counts), deep
 * nesting and long strings spliced into headers, duplicated or deleted ranges, one to three at a time. Each input
 * must give a {@link BadInputException} (one line) or a load that is internally consistent (and equal to the
 * original's when the bytes did not change) — never another exception, an {@link OutOfMemoryError}, more than
 * {@link #TIMEOUT_SECONDS} seconds, or a heap allocation out of proportion to the input's real size (measured per
 * input with {@code ThreadMXBean.getThreadAllocatedBytes}), which is what a reader trusting a length field does.
 *
 * <p>A new reader is one more entry in {@link #READERS}. CI runs {@code tries} inputs per property; a long campaign
 * repeats each try: {@code mvn -B -q -pl core -am test -Dtest=ReaderFuzzProperties -Dsae4j.fuzz.repeat=200}
 * (inputs per try). Failing inputs are written to {@code core/target/fuzz-failures/}.
 */
class ReaderFuzzProperties {
    static final int TIMEOUT_SECONDS = 20; // generous: two shared cores; a healthy input takes milliseconds
    /** Heap a reader may allocate: a fixed allowance plus a multiple of the bytes it was given. */
    static final long ALLOC_FIXED = 4L << 20;
    static final long ALLOC_PER_BYTE = 32;
    static final int REPEAT = Integer.getInteger("sae4j.fuzz.repeat", 1);

    /** A reader under test: its valid seed inputs (a directory's files) and how to load and summarise them. */
    record Reader(String name, List<Map<String, byte[]>> seeds, Loader loader) {
        @Override
        public String toString() {
            return name;
        }
    }

    @FunctionalInterface
    interface Loader {
        /**
         * Loads the directory and returns a small summary of what was read (hashes, compared for unchanged inputs):
         * the summary is counted in the allocation bound, so it must not copy the content.
         */
        String load(Path dir) throws IOException;
    }

    private static final Path WORK;
    private static final List<Reader> READERS;
    private static final Map<String, AtomicLong> TRIED = new LinkedHashMap<>();
    private static final Map<String, AtomicLong> LOADED = new LinkedHashMap<>();
    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-reader");
        t.setDaemon(true);
        return t;
    });

    static {
        try {
            WORK = Files.createTempDirectory("sae4j-fuzz");
            READERS = List.of(
                    new Reader("npy", npySeeds(), ReaderFuzzProperties::loadNpy),
                    new Reader("npy-shards", List.of(shards()), ReaderFuzzProperties::loadDataset),
                    new Reader("safetensors", List.of(Map.of("t.safetensors", safetensorsSeed())),
                            d -> summary(Safetensors.readAll(d.resolve("t.safetensors")))),
                    new Reader("json", List.of(Map.of("t.json", jsonSeed())),
                            d -> Integer.toHexString(java.util.Objects.hashCode(Json.read(d.resolve("t.json"))))),
                    new Reader("checkpoint", checkpointSeeds(), ReaderFuzzProperties::loadCheckpoint),
                    new Reader("foreign-model", foreignModelSeeds(), ReaderFuzzProperties::loadForeignModel),
                    new Reader("tokens-tsv", List.of(Map.of("tokens.tsv", tokensSeed())),
                            ReaderFuzzProperties::loadTokens));
            for (Reader r : READERS) {
                TRIED.put(r.name(), new AtomicLong());
                LOADED.put(r.name(), new AtomicLong());
            }
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Provide
    Arbitrary<Reader> readers() {
        return Arbitraries.of(READERS);
    }

    @Property(tries = 250)
    void everyReaderRefusesMutatedFilesCleanly(@ForAll("readers") Reader reader, @ForAll long seed)
            throws Exception {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < REPEAT; i++) {
            fuzzOnce(reader, rng.nextLong());
        }
    }

    @AfterContainer
    static void report() {
        StringBuilder sb = new StringBuilder("reader fuzzing: inputs tried (loaded cleanly):");
        TRIED.forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v.get()).append(" (")
                .append(LOADED.get(k).get()).append(')'));
        System.out.println(sb);
        try {
            Checkpoint.deleteTree(WORK);
        } catch (IOException e) {
            System.out.println("could not delete " + WORK + ": " + e); // a timed-out input may still hold a file
        }
    }

    // ---------------------------------------------------------------- one input

    private static void fuzzOnce(Reader reader, long seed) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, byte[]> original = reader.seeds().get(r.nextInt(reader.seeds().size()));
        Map<String, byte[]> files = new LinkedHashMap<>(original);
        List<String> names = new ArrayList<>(files.keySet());
        StringBuilder log = new StringBuilder();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            String f = names.get(r.nextInt(names.size()));
            files.put(f, mutate(files.get(f), codec(f), r, log.append(f).append(": ")));
            log.append("; ");
        }
        boolean unchanged = names.stream().allMatch(k -> Arrays.equals(files.get(k), original.get(k)));
        long total = files.values().stream().mapToLong(b -> b.length).sum();

        Path dir = Files.createTempDirectory(WORK, reader.name());
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(dir.resolve(e.getKey()), e.getValue());
            }
            TRIED.get(reader.name()).incrementAndGet();
            Future<long[]> result = WORKER.submit(() -> {
                long before = allocated();
                String sum;
                boolean loaded;
                try {
                    sum = reader.loader().load(dir);
                    loaded = true;
                } catch (BadInputException e) {
                    String m = e.getMessage();
                    if (m == null || m.isBlank() || m.contains("\n") || !m.contains("expected")) {
                        throw new AssertionError("unhelpful message: " + m, e);
                    }
                    sum = null;
                    loaded = false;
                }
                long used = allocated() - before;
                if (used > ALLOC_FIXED + ALLOC_PER_BYTE * total) {
                    // Class loading or JIT work on a reader's first use of a code path is counted too (a valid
                    // 3.6 kB checkpoint was once charged 4.56 MB); a reader that trusts a length field allocates
                    // out of proportion every time, so the bound applies to the lesser of two loads.
                    long again = allocated();
                    try {
                        reader.loader().load(dir);
                    } catch (BadInputException e) {
                        // the same outcome as the first load; only its allocation matters here
                    }
                    used = Math.min(used, allocated() - again);
                }
                if (loaded && unchanged) {
                    Path orig = writeAll(original);
                    String expected = reader.loader().load(orig);
                    Checkpoint.deleteTree(orig);
                    if (!expected.equals(sum)) {
                        throw new AssertionError("unchanged input loaded differently");
                    }
                }
                return new long[] {used, loaded ? 1 : 0};
            });
            long[] out;
            try {
                out = result.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                result.cancel(true);
                throw fail(reader, seed, files, log, "took over " + TIMEOUT_SECONDS + " s", e);
            } catch (ExecutionException e) {
                throw fail(reader, seed, files, log, "threw " + e.getCause(), e.getCause());
            }
            if (out[1] == 1) {
                LOADED.get(reader.name()).incrementAndGet();
            }
            long bound = ALLOC_FIXED + ALLOC_PER_BYTE * total;
            if (out[0] > bound) {
                throw fail(reader, seed, files, log, "allocated " + out[0] + " bytes for a " + total
                        + "-byte input (bound " + bound + ")", null);
            }
        } finally {
            Checkpoint.deleteTree(dir);
        }
    }

    private static Path writeAll(Map<String, byte[]> files) throws IOException {
        Path d = Files.createTempDirectory(WORK, "orig");
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(d.resolve(e.getKey()), e.getValue());
        }
        return d;
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static AssertionError fail(Reader reader, long seed, Map<String, byte[]> files, CharSequence log,
            String what, Throwable cause) throws IOException {
        Path keep = Path.of("target", "fuzz-failures", reader.name() + "-" + Long.toHexString(seed));
        Files.createDirectories(keep);
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Files.write(keep.resolve(e.getKey()), e.getValue());
        }
        return new AssertionError(reader.name() + " reader " + what + " on input seed " + seed + " (mutations: "
                + log + "), kept in " + keep.toAbsolutePath(), cause);
    }

    // ---------------------------------------------------------------- loaders

    private static String loadNpy(Path dir) throws IOException {
        try (NpyFile f = NpyFile.open(dir.resolve("x.npy"))) {
            StringBuilder sb = new StringBuilder(f.rows() + "x" + f.cols() + " " + f.descr() + ":");
            if (f.cols() > 0) {
                float[] row = new float[f.cols()];
                for (long i = 0; i < f.rows(); i++) {
                    f.readRow(i, row, 0);
                    sb.append(Arrays.hashCode(row)).append(',');
                }
            }
            return sb.toString();
        }
    }

    private static String loadDataset(Path dir) throws IOException {
        try (NpyDataset ds = NpyDataset.open(dir)) {
            BatchStream s = ds.batches(BatchOptions.of(2, 5));
            float[] x = new float[2 * ds.dim()];
            StringBuilder sb = new StringBuilder(ds.rows() + "x" + ds.dim() + ":");
            for (long b = 0; b < s.batchesPerEpoch(); b++) {
                int rows = s.next(x); // refuses NaN/Inf naming the shard and row
                sb.append(Arrays.hashCode(Arrays.copyOf(x, rows * ds.dim()))).append(',');
            }
            return sb.toString();
        }
    }

    private static String loadCheckpoint(Path dir) throws IOException {
        Checkpoint.Loaded l = Checkpoint.load(dir);
        StringBuilder sb = new StringBuilder(l.sae().config().toString());
        for (float[] t : l.sae().tensors()) {
            sb.append(Arrays.hashCode(t)).append(',');
        }
        if (l.standardizer() != null) {
            sb.append(l.standardizer());
        }
        if (l.state() != null) {
            sb.append(" step ").append(l.state().step()).append(l.state().config());
            for (float[] m : l.state().optimizer().m) {
                sb.append(Arrays.hashCode(m)).append(',');
            }
        }
        return sb.toString();
    }

    private static String loadForeignModel(Path dir) throws IOException {
        LoadedModel m = ModelFormats.load(dir);
        StringBuilder sb = new StringBuilder(m.format() + " " + m.sae().config());
        for (float[] t : m.sae().tensors()) {
            sb.append(Arrays.hashCode(t)).append(',');
        }
        return sb.toString();
    }

    private static String loadTokens(Path dir) throws IOException {
        int h = 0;
        try (TokensTsv.TokenReader r = TokensTsv.reader(dir.resolve("tokens.tsv"))) {
            while (r.next()) {
                h = 31 * h + java.util.Objects.hash(r.row(), r.document(), r.position(), r.token());
            }
        }
        return Integer.toHexString(h);
    }

    private static String summary(Map<String, Safetensors.Tensor> tensors) {
        StringBuilder sb = new StringBuilder();
        tensors.forEach((k, t) -> {
            long numel = 1;
            for (long d : t.shape()) {
                numel *= d;
            }
            assertThat((long) t.data().length).as("tensor %s elements", k).isEqualTo(numel);
            sb.append(k).append(Arrays.toString(t.shape())).append(Arrays.hashCode(t.data()));
        });
        return sb.toString();
    }

    // ---------------------------------------------------------------- seeds

    private static byte[] bytesOf(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        Files.delete(p);
        return b;
    }

    private static List<Map<String, byte[]>> npySeeds() throws IOException {
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        for (String f : List.of("f4_c_3x5.npy", "f4_fortran_3x5.npy", "f2_3x5.npy", "f8_3x5.npy",
                "f4_bigendian_3x5.npy", "f4_v2header_3x5.npy", "f4_v3header_3x5.npy", "f4_1d_5.npy")) {
            seeds.add(Map.of("x.npy", Files.readAllBytes(Fixtures.npy(f))));
        }
        return seeds;
    }

    private static Map<String, byte[]> shards() throws IOException {
        Path a = WORK.resolve("a.npy");
        NpyWriter.writeF32(a, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
        Path b = WORK.resolve("b.npy");
        NpyWriter.writeF32(b, new float[] {-1, -2, -3, 0.5f, 0.25f, 0.125f}, 2, 3);
        return Map.of("a.npy", bytesOf(a), "b.npy", bytesOf(b));
    }

    private static byte[] safetensorsSeed() throws IOException {
        Path p = WORK.resolve("t.safetensors");
        Map<String, Safetensors.Tensor> t = new LinkedHashMap<>();
        t.put("W", new Safetensors.Tensor(new long[] {3, 4}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
        t.put("b", new Safetensors.Tensor(new long[] {3}, new float[] {-1, 0, 1}));
        t.put("s", new Safetensors.Tensor(new long[] {}, new float[] {42}));
        Safetensors.write(p, t, Map.of("format", "pt", "step", "12"));
        return bytesOf(p);
    }

    private static byte[] jsonSeed() {
        return ("{\"format\": \"sae4j\", \"dims\": [3, 4.5, -1e-7, 123456789012], \"nested\": {\"a\": [true, false,"
                + " null, {\"b\": \"caf\\u00e9 \\\"q\\\" \\n\"}]}, \"empty\": [], \"o\": {}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The model files (not the expected codes) of other libraries' fixture folders: SAELens, sparsify, npz. */
    private static List<Map<String, byte[]>> foreignModelSeeds() throws IOException {
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        for (String dir : List.of("saelens-topk", "saelens-jumprelu", "saelens-topk-v5", "sparsify-topk",
                "gemmascope")) {
            java.net.URL url = ReaderFuzzProperties.class.getResource("/interop/" + dir);
            if (url == null) {
                throw new IllegalStateException("missing test resource interop/" + dir);
            }
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (var s = Files.list(Path.of(url.toURI()))) {
                for (Path f : s.sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (!name.equals("inputs.npy") && !name.equals("codes.npy") && !name.equals("recon.npy")) {
                        files.put(name, Files.readAllBytes(f));
                    }
                }
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            seeds.add(files);
        }
        return seeds;
    }

    private static byte[] tokensSeed() {
        return (TokensTsv.HEADER + "\n0\t0\t1\thello\n1\t0\t2\t##ing\n2\t1\t1\ta\\\\b\\tc\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static List<Map<String, byte[]>> checkpointSeeds() throws IOException {
        List<Map<String, byte[]>> seeds = new ArrayList<>();
        for (Activation act : Activation.values()) {
            Sae sae = Sae.initialize(new SaeConfig(4, 6, act, 2, true, act == Activation.RELU, 1e-3, 1e-3, 3));
            OptimizerState o = new OptimizerState(sae);
            o.step = 7;
            Arrays.fill(o.sinceFired, 5);
            TrainConfig tc = TrainConfig.builder().batchSize(4).threads(1).auxk(0.03, 2).build();
            TrainState st = new TrainState(sae, o, tc, BatchOptions.of(4, 1), new BatchStream.Position(1, 2), 16, 20,
                    TrainState.EpochProgress.start(6));
            Path ck = WORK.resolve("ck-" + act.id());
            Checkpoint.save(ck, st, act == Activation.TOPK ? null
                    : Standardizer.perFeature(new float[] {0, 1, 2, 3}, new float[] {1, 2, 0.5f, 1}));
            Map<String, byte[]> files = new LinkedHashMap<>();
            try (var s = Files.list(ck)) {
                for (Path f : s.sorted().toList()) {
                    files.put(f.getFileName().toString(), Files.readAllBytes(f));
                }
            }
            Checkpoint.deleteTree(ck);
            seeds.add(files);
        }
        return seeds;
    }

    // ---------------------------------------------------------------- mutations

    /** Where a file keeps its text header, so header edits keep the file framed (length fields fixed up). */
    interface Codec {
        /** The header text, or null when the framing is already broken. */
        String header(byte[] f);

        byte[] withHeader(byte[] f, String header);
    }

    static final Codec NPY = new Codec() {
        @Override
        public String header(byte[] f) {
            if (f.length < 12 || f[0] != (byte) 0x93 || f[6] < 1 || f[6] > 3) {
                return null;
            }
            ByteBuffer b = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            long len = f[6] == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffffffffL;
            int start = f[6] == 1 ? 10 : 12;
            if (start + len > f.length) {
                return null;
            }
            return new String(f, start, (int) len, f[6] == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        }

        @Override
        public byte[] withHeader(byte[] f, String header) {
            int oldStart = f[6] == 1 ? 10 : 12;
            ByteBuffer fb = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN);
            int oldLen = f[6] == 1 ? fb.getShort(8) & 0xffff : fb.getInt(8); // header() checked it fits
            boolean latin1 = StandardCharsets.ISO_8859_1.newEncoder().canEncode(header);
            byte[] h = header.getBytes(latin1 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
            int major = !latin1 ? 3 : (h.length > 0xffff || f[6] != 1 ? Math.max(2, f[6]) : 1);
            int start = major == 1 ? 10 : 12;
            ByteBuffer out = ByteBuffer.allocate(start + h.length + f.length - oldStart - oldLen)
                    .order(ByteOrder.LITTLE_ENDIAN);
            out.put(f, 0, 6).put((byte) major).put((byte) 0);
            if (major == 1) {
                out.putShort((short) h.length);
            } else {
                out.putInt(h.length);
            }
            out.put(h).put(f, oldStart + oldLen, f.length - oldStart - oldLen);
            return out.array();
        }
    };

    static final Codec SAFETENSORS = new Codec() {
        @Override
        public String header(byte[] f) {
            if (f.length < 8) {
                return null;
            }
            long len = ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            if (len < 0 || 8 + len > f.length) {
                return null;
            }
            return new String(f, 8, (int) len, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] withHeader(byte[] f, String header) {
            int oldLen = (int) ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            byte[] h = header.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(8 + h.length + f.length - 8 - oldLen).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(h.length).put(h).put(f, 8 + oldLen, f.length - 8 - oldLen).array();
        }
    };

    static final Codec TEXT = new Codec() {
        @Override
        public String header(byte[] f) {
            return new String(f, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] withHeader(byte[] f, String header) {
            return header.getBytes(StandardCharsets.UTF_8);
        }
    };

    static Codec codec(String file) {
        return file.endsWith(".npy") ? NPY : file.endsWith(".safetensors") ? SAFETENSORS : TEXT;
    }

    private static final long[] EXTREME_INTS = {0, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE,
        0x80000000L, 0xffffffffL, 1L << 32, 1L << 40, 0xffff, 0x10000};
    private static final String[] EXTREME_NUMBERS = {"9223372036854775807", "9223372036854775808",
        "18446744073709551615", "-1", "0", "4294967296", "2147483647", "2147483648", "1e400", "-0", "1e-400", "NaN",
        "99999999999999999999999999999999", "3.5", "-9223372036854775808", "65536"};
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?");
    private static final Pattern STRING = Pattern.compile("([\"'])([^\"'\\\\]*)\\1");

    static byte[] mutate(byte[] in, Codec codec, SplittableRandom r, StringBuilder log) {
        int kind = r.nextInt(8);
        String header = kind >= 3 && kind <= 5 ? codec.header(in) : null;
        if (kind >= 3 && kind <= 5 && header == null) {
            kind = 0; // the framing is already broken: fall back to a byte-level mutation
        }
        switch (kind) {
            case 0 -> {
                byte[] out = in.clone();
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips && out.length > 0; i++) {
                    int bit = r.nextInt(out.length * 8);
                    out[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                log.append(flips).append(" bit flips");
                return out;
            }
            case 1 -> {
                int len = in.length == 0 ? 0 : r.nextInt(in.length);
                log.append("truncated to ").append(len);
                return Arrays.copyOf(in, len);
            }
            case 2 -> {
                byte[] out = in.clone();
                int width = new int[] {1, 2, 4, 8}[r.nextInt(4)];
                if (out.length < width) {
                    return out;
                }
                // Half the time in the first 64 bytes, where the length fields live.
                int limit = r.nextBoolean() ? Math.min(64, out.length - width + 1) : out.length - width + 1;
                int at = r.nextInt(limit);
                long v = EXTREME_INTS[r.nextInt(EXTREME_INTS.length)];
                ByteBuffer b = ByteBuffer.wrap(out).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN
                        : ByteOrder.BIG_ENDIAN);
                switch (width) {
                    case 1 -> b.put(at, (byte) v);
                    case 2 -> b.putShort(at, (short) v);
                    case 4 -> b.putInt(at, (int) v);
                    default -> b.putLong(at, v);
                }
                log.append("int").append(width * 8).append(' ').append(v).append(" at ").append(at);
                return out;
            }
            case 3 -> {
                List<int[]> spans = spans(NUMBER.matcher(header));
                if (spans.isEmpty()) {
                    return in;
                }
                int[] s = spans.get(r.nextInt(spans.size()));
                String v = EXTREME_NUMBERS[r.nextInt(EXTREME_NUMBERS.length)];
                log.append("number '").append(header, s[0], s[1]).append("' -> ").append(v);
                return codec.withHeader(in, header.substring(0, s[0]) + v + header.substring(s[1]));
            }
            case 4 -> {
                int depth = new int[] {40, 600, 10_000, 200_000}[r.nextInt(4)];
                String[] open = {"[", "{\"a\":", "(", "{'a':"};
                int o = r.nextInt(open.length);
                String close = switch (o) {
                    case 0 -> "]";
                    case 1 -> "}";
                    case 2 -> ",)";
                    default -> "}";
                };
                int at = r.nextInt(header.length() + 1);
                String nest = open[o].repeat(depth) + "1" + close.repeat(depth);
                log.append("nesting ").append(open[o]).append(" x").append(depth).append(" at ").append(at);
                return codec.withHeader(in, header.substring(0, at) + nest + header.substring(at));
            }
            case 5 -> {
                int len = new int[] {300, 70_000, 1 << 20}[r.nextInt(3)];
                String filler = r.nextBoolean() ? "x".repeat(len) : "\\u00e9".repeat(len / 6);
                List<int[]> spans = spans(STRING.matcher(header));
                if (spans.isEmpty() || r.nextInt(4) == 0) {
                    int at = r.nextInt(header.length() + 1);
                    log.append("long string of ").append(len).append(" inserted at ").append(at);
                    return codec.withHeader(in, header.substring(0, at) + "\"" + filler + "\"" + header.substring(at));
                }
                int[] s = spans.get(r.nextInt(spans.size()));
                log.append("string ").append(header, s[0], s[1]).append(" made ").append(len).append(" long");
                return codec.withHeader(in, header.substring(0, s[0] + 1) + filler + header.substring(s[1] - 1));
            }
            case 6 -> {
                if (in.length == 0) {
                    return in;
                }
                int a = r.nextInt(in.length);
                int b = a + r.nextInt(Math.min(64, in.length - a) + 1);
                byte[] out = new byte[in.length + b - a];
                System.arraycopy(in, 0, out, 0, b);
                System.arraycopy(in, a, out, b, in.length - a);
                log.append("duplicated [").append(a).append(", ").append(b).append(')');
                return out;
            }
            default -> {
                if (in.length == 0) {
                    return in;
                }
                int a = r.nextInt(in.length);
                int b = a + r.nextInt(Math.min(64, in.length - a) + 1);
                byte[] out = new byte[in.length - (b - a)];
                System.arraycopy(in, 0, out, 0, a);
                System.arraycopy(in, b, out, a, in.length - b);
                log.append("deleted [").append(a).append(", ").append(b).append(')');
                return out;
            }
        }
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> out = new ArrayList<>();
        while (m.find()) {
            out.add(new int[] {m.start(), m.end()});
        }
        return out;
    }
}
