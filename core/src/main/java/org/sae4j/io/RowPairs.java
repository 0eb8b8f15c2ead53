package org.sae4j.io;

/**
 * Rows that hold an input then its target ({@link NpyDataset#paired}, a transcoder's training and evaluation rows),
 * split into the two matrices the encoder and the metrics read.
 */
public final class RowPairs {
    private RowPairs() {
    }

    /**
     * Copies {@code count} rows of width {@code dIn + dOut} from {@code rows} into {@code x} (count × dIn) and
     * {@code y} (count × dOut).
     */
    public static void split(float[] rows, int count, int dIn, int dOut, float[] x, float[] y) {
        int w = dIn + dOut;
        for (int b = 0; b < count; b++) {
            System.arraycopy(rows, b * w, x, b * dIn, dIn);
            System.arraycopy(rows, b * w + dIn, y, b * dOut, dOut);
        }
    }
}
