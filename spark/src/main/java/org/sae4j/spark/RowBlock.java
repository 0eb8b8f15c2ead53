package org.sae4j.spark;

import java.io.Serializable;

/** {@code rows} consecutive rows of width d, row-major in {@code x}, the first with global index {@code firstRow}. */
record RowBlock(long firstRow, int rows, float[] x) implements Serializable {
}
