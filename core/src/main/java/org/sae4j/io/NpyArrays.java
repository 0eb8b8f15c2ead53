package org.sae4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sae4j.BadInputException;

/**
 * Reads small whole 2-D {@code .npy} arrays of an exact little-endian dtype ({@code <f4}, {@code <f8}, {@code <i4},
 * {@code <i8}) and shape, as {@link NpyWriter} writes them: the counterpart for files whose layout a format fixes
 * (e.g. {@code sae4j features}' statistics), where any other dtype or shape is an error naming the file.
 * {@link NpyFile} is the reader for datasets (any float dtype, memory-mapped, converted to float32).
 */
public final class NpyArrays {
    private NpyArrays() {
    }

    public static float[] readF4(Path file, long rows, int cols) throws IOException {
        ByteBuffer b = read(file, "<f4", rows, cols);
        float[] a = new float[(int) (rows * cols)];
        b.asFloatBuffer().get(a);
        return a;
    }

    public static double[] readF8(Path file, long rows, int cols) throws IOException {
        ByteBuffer b = read(file, "<f8", rows, cols);
        double[] a = new double[(int) (rows * cols)];
        b.asDoubleBuffer().get(a);
        return a;
    }

    public static int[] readI4(Path file, long rows, int cols) throws IOException {
        ByteBuffer b = read(file, "<i4", rows, cols);
        int[] a = new int[(int) (rows * cols)];
        b.asIntBuffer().get(a);
        return a;
    }

    public static long[] readI8(Path file, long rows, int cols) throws IOException {
        ByteBuffer b = read(file, "<i8", rows, cols);
        long[] a = new long[(int) (rows * cols)];
        b.asLongBuffer().get(a);
        return a;
    }

    /** The data of {@code file} after checking its header names exactly {@code descr} and shape (rows, cols). */
    private static ByteBuffer read(Path file, String descr, long rows, int cols) throws IOException {
        String expected = "a " + descr + " array of shape (" + rows + ", " + cols + ")";
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file + ": no such file; expected " + expected);
        }
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || (all[0] & 0xff) != 0x93 || !new String(all, 1, 5, StandardCharsets.ISO_8859_1)
                .equals("NUMPY") || all[6] != 1 || all[7] != 0) {
            throw new BadInputException(file + ": not a version 1.0 .npy file; expected " + expected);
        }
        int headerLen = b.getShort(8) & 0xffff;
        if (10 + headerLen > all.length) {
            throw new BadInputException(file + ": truncated header; expected " + expected);
        }
        Object parsed;
        try {
            parsed = PyLiteral.parse(new String(all, 10, headerLen, StandardCharsets.ISO_8859_1).strip());
        } catch (PyLiteral.SyntaxError e) {
            throw new BadInputException(file + ": bad header at " + e.getMessage() + "; expected " + expected);
        }
        if (!(parsed instanceof Map<?, ?> m) || !descr.equals(m.get("descr"))
                || !Boolean.FALSE.equals(m.get("fortran_order"))
                || !List.of(rows, (long) cols).equals(m.get("shape"))) {
            throw new BadInputException(file + ": header " + parsed + "; expected " + expected + " in C order");
        }
        long bytes = rows * cols * Long.parseLong(descr.substring(2));
        if (all.length - 10 - headerLen != bytes) {
            throw new BadInputException(file + ": " + (all.length - 10 - headerLen) + " data bytes; expected "
                    + bytes + " for " + expected);
        }
        return b.position(10 + headerLen).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
