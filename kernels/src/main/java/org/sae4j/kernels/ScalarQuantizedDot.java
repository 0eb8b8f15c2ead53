package org.sae4j.kernels;

/** Scalar twin of {@link PanamaQuantizedDot}: sequential sums. */
public final class ScalarQuantizedDot implements QuantizedDot {

    @Override
    public void bf16Dots(float[] x, short[] w, int row0, int rows, int len, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) {
            int o = (row0 + r) * len;
            float s = 0f;
            for (int i = 0; i < len; i++) {
                s += x[i] * Float.intBitsToFloat(w[o + i] << 16);
            }
            out[outOff + r] = s;
        }
    }

    @Override
    public void int8Dots(float[] x, byte[] q, float[] scale, int row0, int rows, int len, float[] out, int outOff) {
        for (int r = 0; r < rows; r++) {
            int o = (row0 + r) * len;
            float s = 0f;
            for (int i = 0; i < len; i++) {
                s += x[i] * q[o + i];
            }
            out[outOff + r] = scale[row0 + r] * s;
        }
    }
}
