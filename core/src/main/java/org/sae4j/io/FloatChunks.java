package org.sae4j.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.sae4j.io.npy.Npz;
import org.sae4j.io.safetensors.Safetensors;

/**
 * Raw float values (float16, bfloat16, float32, float64) streamed into a float32 array a chunk at a time, for the
 * readers that decode while they read: {@link Npz} entries and {@link Safetensors} tensors. A chunk is at most
 * 1 MiB and no bigger than the array needs, so a small array costs a small buffer.
 */
public final class FloatChunks {
    private FloatChunks() {}

    /** Where the raw bytes come from, in order; ends early only by throwing (e.g. {@code EOFException}). */
    @FunctionalInterface
    public interface Input {
        void readFully(byte[] b, int off, int len) throws IOException;
    }

    /**
     * Reads {@code numel} values of {@code size} bytes (2: float16, or bfloat16 when {@code bfloat16}; 4: float32;
     * 8: float64) in byte order {@code order}.
     */
    public static float[] read(Input in, int size, boolean bfloat16, ByteOrder order, int numel) throws IOException {
        float[] out = new float[numel];
        int bufBytes = (int) Math.max(8, Math.min((1 << 20) / 8 * 8, ((long) numel * size + 7) / 8 * 8));
        byte[] chunk = new byte[bufBytes];
        ByteBuffer bb = ByteBuffer.wrap(chunk).order(order);
        int done = 0;
        while (done < numel) {
            int take = Math.min(numel - done, chunk.length / size);
            in.readFully(chunk, 0, take * size);
            switch (size) {
                case 2 -> {
                    for (int i = 0; i < take; i++) {
                        short s = bb.getShort(i * 2);
                        // bfloat16 is the top half of a float32.
                        out[done + i] = bfloat16 ? Float.intBitsToFloat((s & 0xffff) << 16) : Float.float16ToFloat(s);
                    }
                }
                case 4 -> bb.position(0).asFloatBuffer().get(out, done, take);
                case 8 -> {
                    for (int i = 0; i < take; i++) out[done + i] = (float) bb.getDouble(i * 8);
                }
                default -> throw new IllegalArgumentException("float of " + size + " bytes");
            }
            done += take;
        }
        return out;
    }
}
