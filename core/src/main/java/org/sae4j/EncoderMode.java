package org.sae4j;

import java.util.Locale;
import org.sae4j.encode.ScreenedEncoder;

/**
 * Which copy of {@code W_enc} a {@link SaeEncoder}'s single-vector path reads. The screened modes keep the float32
 * rows and add a compressed copy: they read the compressed copy for every latent and the float32 rows only for the
 * few latents that can make the selection, and return exactly the float32 answer (same indices, same bits).
 */
public enum EncoderMode {
    /** Every latent's pre-activation from the float32 rows (4 bytes per weight read per vector). */
    FLOAT32("float32", null),
    /** Screen on a bf16 copy (2 bytes per weight read, +50 % memory), then recompute the candidates in float32. */
    BF16("bf16", ScreenedEncoder.Format.BF16),
    /** Screen on an int8 copy with per-row scales (1 byte read, +25 % memory), then recompute in float32. */
    INT8("int8", ScreenedEncoder.Format.INT8);

    private final String id;
    private final ScreenedEncoder.Format format;

    EncoderMode(String id, ScreenedEncoder.Format format) {
        this.id = id;
        this.format = format;
    }

    /** The command line's name: {@code float32}, {@code bf16} or {@code int8}. */
    public String id() {
        return id;
    }

    /** The compressed copy's format; {@code null} for {@link #FLOAT32}. */
    ScreenedEncoder.Format format() {
        return format;
    }

    /** The mode named {@code id} (as {@link #id()}); a {@link BadInputException} naming the choices otherwise. */
    public static EncoderMode parse(String id) {
        for (EncoderMode m : values()) {
            if (m.id.equals(id.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new BadInputException("encoder weights '" + id + "': expected float32, bf16 or int8");
    }
}
