package org.sae4j.data;

/**
 * Rows that hold an input then its target ({@link NpyDataset#paired}, a transcoder's training and evaluation rows),
 * split into the two matrices the encoder and the metrics read. An instance is one batch's buffers: rows are read into
 * {@link #in}, and after {@link #split} the inputs are in {@link #x} and the targets in {@link #y}; for an
 * autoencoder (no pairs) all three are the same array and nothing is copied.
 */
public final class RowPairs {
    /** Rows as read: width dIn + dOut for pairs, dIn otherwise. */
    public final float[] in;
    /** The inputs, rows × dIn. */
    public final float[] x;
    /** The targets, rows × dOut (the inputs themselves without pairs). */
    public final float[] y;
    private final int dIn;
    private final int dOut;
    private final boolean pairs;

    /** Buffers for up to {@code maxRows} rows; {@code pairs}: rows hold a target of width {@code dOut} too. */
    public RowPairs(int maxRows, int dIn, int dOut, boolean pairs) {
        this.dIn = dIn;
        this.dOut = dOut;
        this.pairs = pairs;
        in = new float[maxRows * (pairs ? dIn + dOut : dIn)];
        x = pairs ? new float[maxRows * dIn] : in;
        y = pairs ? new float[maxRows * dOut] : in;
    }

    /** After {@code count} rows were read into {@link #in}: their inputs into {@link #x}, targets into {@link #y}. */
    public void split(int count) {
        if (pairs) {
            split(in, 0, count, dIn, dOut, x, y);
        }
    }

    /**
     * Copies {@code count} rows of width {@code dIn + dOut} from {@code rows[off..]} into {@code x} (count × dIn) and
     * {@code y} (count × dOut).
     */
    public static void split(float[] rows, int off, int count, int dIn, int dOut, float[] x, float[] y) {
        int w = dIn + dOut;
        for (int b = 0; b < count; b++) {
            System.arraycopy(rows, off + b * w, x, b * dIn, dIn);
            System.arraycopy(rows, off + b * w + dIn, y, b * dOut, dOut);
        }
    }
}
