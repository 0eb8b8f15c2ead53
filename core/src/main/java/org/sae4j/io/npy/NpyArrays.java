package org.sae4j.io.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
        NpyHeader.Fields h = NpyHeader.read(file.toString(), all); // numpy's rules, as for every .npy
        if (!descr.equals(h.descr()) || h.fortranOrder() || !Arrays.equals(h.shape(), new long[] {rows, cols})) {
            throw new BadInputException(file + ": header has dtype '" + h.descr() + "', "
                    + (h.fortranOrder() ? "Fortran" : "C") + " order, shape " + NpyHeader.shapeText(h.shape())
                    + "; expected " + expected + " in C order");
        }
        long bytes = rows * cols * Long.parseLong(descr.substring(2));
        if (all.length - h.dataOffset() != bytes) {
            throw new BadInputException(file + ": " + (all.length - h.dataOffset()) + " data bytes; expected "
                    + bytes + " for " + expected);
        }
        return ByteBuffer.wrap(all).position((int) h.dataOffset()).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
