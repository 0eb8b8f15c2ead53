package org.sae4j.io.npy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.sae4j.BadInputException;
import org.sae4j.io.FloatChunks;

/**
 * Reader of numpy {@code .npz} archives ({@code np.savez}: a zip of {@code <key>.npy} entries, stored or deflated).
 * {@link ZipFile} reads zip64 entries, which {@code np.savez} writes for every entry (it opens them with
 * {@code force_zip64=True}). Arrays of {@code <f4}, {@code <f2}, {@code <f8} (or big-endian) are read as float32,
 * C or Fortran order; an entry is decoded while it streams, so no byte copy of a large array is held.
 */
public final class Npz implements AutoCloseable {
    /** One array's header. */
    public record Entry(String key, NpyFile.Kind kind, ByteOrder order, boolean fortranOrder, long[] shape,
            long dataOffset) {
        /** The dtype in one spelling per kind and byte order: {@code <f4}, {@code >f8}. */
        public String descr() {
            return (order == ByteOrder.BIG_ENDIAN ? ">" : "<") + "f" + kind.itemSize;
        }

        public long numel() {
            long n = 1;
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
            return n;
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private final Path path;
    /** Deflate's largest expansion: 258-byte matches coded in 2 bits each, about 1032 bytes per input byte. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private final ZipFile zip;
    private final Map<String, ZipEntry> zipEntries;
    private final Map<String, Entry> entries;

    private Npz(Path path, ZipFile zip, Map<String, ZipEntry> zipEntries, Map<String, Entry> entries) {
        this.path = path;
        this.zip = zip;
        this.zipEntries = zipEntries;
        this.entries = Collections.unmodifiableMap(entries);
    }

    public static Npz open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new BadInputException(path + ": missing; expected a numpy .npz archive");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException | EOFException e) {
            // EOFException: the end record or central directory points past the end of the file.
            throw new BadInputException(path + ": not a zip archive (" + (e.getMessage() != null ? e.getMessage()
                    : "its directory runs past the end of the file") + "); expected a numpy .npz file", e);
        }
        try {
            Map<String, ZipEntry> zes = new LinkedHashMap<>();
            Map<String, Entry> es = new LinkedHashMap<>();
            for (ZipEntry ze : Collections.list(zip.entries())) {
                String name = ze.getName();
                if (ze.isDirectory() || !name.endsWith(".npy")) {
                    continue;
                }
                String key = name.substring(0, name.length() - 4);
                try (InputStream in = zip.getInputStream(ze)) {
                    es.put(key, header(path, key, in));
                }
                zes.put(key, ze);
            }
            return new Npz(path, zip, zes, es);
        } catch (ZipException | EOFException e) {
            // EOFException: an entry's local header points past the end of the file (ZipFile reads it lazily).
            zip.close();
            throw garbled(path, e);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** A damaged archive is the user's input, not an I/O failure: one line, exit 2. */
    private static BadInputException garbled(Path path, IOException e) {
        String why = e.getMessage() != null ? e.getMessage() : "an entry runs past the end of the file";
        return new BadInputException(path + ": damaged zip archive (" + why + "); expected a numpy .npz file", e);
    }

    /** Array names (entry names without {@code .npy}), in archive order. */
    public List<String> keys() {
        return new ArrayList<>(entries.keySet());
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    public Entry entry(String key) {
        Entry e = entries.get(key);
        if (e == null) {
            throw new BadInputException(path + ": no array '" + key + "'; expected one of " + entries.keySet());
        }
        return e;
    }

    /** The array as float32 in C (row-major) order. */
    public float[] readFloats(String key) throws IOException {
        Entry e = entry(key);
        String d = e.descr();
        int size = e.kind().itemSize;
        long numel = e.numel();
        if (numel > Integer.MAX_VALUE - 8) {
            throw new BadInputException(path + ": array '" + key + "' has " + numel + " elements; expected at most "
                    + (Integer.MAX_VALUE - 8));
        }
        ZipEntry ze = zipEntries.get(key);
        long stored = ze.getSize(); // -1 when the archive does not say
        if (stored >= 0 && numel * size > stored - e.dataOffset()) {
            // Checked before allocating: a header's shape must not make us allocate more than the entry holds.
            throw new BadInputException(path + ": array '" + key + "' claims " + numel + " values of " + d
                    + " but its entry holds " + stored + " bytes; expected a shape that fits the data");
        }
        // The directory's sizes are the archive's word too: bound the claim by what the file's bytes can hold
        // (deflate expands at most 1032:1), so a lying directory cannot make us allocate gigabytes for kilobytes.
        long fileBytes = Files.size(path);
        long compressed = ze.getCompressedSize() < 0 ? fileBytes : Math.min(ze.getCompressedSize(), fileBytes);
        long canHold = ze.getMethod() == ZipEntry.STORED ? compressed : compressed * MAX_DEFLATE_RATIO;
        if (numel * size > canHold) {
            throw new BadInputException(path + ": array '" + key + "' claims " + numel + " values of " + d + " ("
                    + numel * size + " bytes) but its entry's " + compressed + " stored bytes can hold at most "
                    + canHold + "; expected a shape that fits the data");
        }
        float[] out;
        try (InputStream raw = zip.getInputStream(zipEntries.get(key))) {
            DataInputStream in = new DataInputStream(raw);
            in.skipNBytes(e.dataOffset());
            out = FloatChunks.read(in::readFully, size, false, e.order(), (int) numel);
        } catch (EOFException ex) {
            throw new BadInputException(path + ": array '" + key + "' is truncated; expected " + numel + " values of "
                    + d, ex);
        } catch (ZipException ex) {
            throw garbled(path, ex);
        }
        if (e.fortranOrder() && e.shape.length > 1) {
            return fortranToC(out, e.shape);
        }
        return out;
    }

    private static float[] fortranToC(float[] f, long[] shape) {
        int nd = shape.length;
        int[] dims = new int[nd];
        for (int i = 0; i < nd; i++) {
            dims[i] = (int) shape[i];
        }
        float[] c = new float[f.length];
        int[] idx = new int[nd];
        for (int lin = 0; lin < f.length; lin++) {
            // lin walks C order; compute the Fortran offset of the same multi-index.
            int fo = 0;
            int stride = 1;
            for (int a = 0; a < nd; a++) {
                fo += idx[a] * stride;
                stride *= dims[a];
            }
            c[lin] = f[fo];
            for (int a = nd - 1; a >= 0; a--) {
                if (++idx[a] < dims[a]) {
                    break;
                }
                idx[a] = 0;
            }
        }
        return c;
    }

    /** The entry's header, checked by {@link NpyHeader} (numpy's rules, one implementation for .npy and .npz). */
    private static Entry header(Path path, String key, InputStream in) throws IOException {
        String where = path + ": array '" + key + "'";
        NpyHeader.Fields h = NpyHeader.read(where, in);
        return new Entry(key, h.kind(where), h.order(), h.fortranOrder(), h.shape(), h.dataOffset());
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
