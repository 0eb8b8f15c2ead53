package org.sae4j.encode;

import java.util.Locale;
import org.sae4j.BadInputException;

/**
 * Which copy of {@code W_enc} a {@link SaeEncoder}'s single-vector path reads. The screened modes keep the float32
 * rows and add a compressed copy: they read the compressed copy for every latent and the float32 rows only for the
 * few latents that can make the selection, and return exactly the float32 answer (same indices, same bits). The
 * approximate modes keep only the compressed copy: half or a quarter of {@code W_enc}'s memory, and not the float32
 * answer.
 */
public enum EncoderMode {
    /** Every latent's pre-activation from the float32 rows (4 bytes per weight read per vector). */
    FLOAT32("float32", null),
    /** Screen on a bf16 copy (2 bytes per weight read, +50 % memory), then recompute the candidates in float32. */
    BF16("bf16", ScreenedEncoder.Format.BF16),
    /** Screen on an int8 copy with per-row scales (1 byte read, +25 % memory), then recompute in float32. */
    INT8("int8", ScreenedEncoder.Format.INT8, false),
    /**
     * Approximate: codes from a bf16 copy alone, no float32 {@code W_enc} kept (neither for single vectors nor for
     * batches). Values within the screen's error bound of the float32 ones; the selection may differ near the cut.
     */
    BF16_APPROX("bf16-approx", ScreenedEncoder.Format.BF16, true),
    /** Approximate, from an int8 copy alone. */
    INT8_APPROX("int8-approx", ScreenedEncoder.Format.INT8, true);

    private final String id;
    private final ScreenedEncoder.Format format;
    private final boolean approximate;

    EncoderMode(String id, ScreenedEncoder.Format format) {
        this(id, format, false);
    }

    EncoderMode(String id, ScreenedEncoder.Format format, boolean approximate) {
        this.id = id;
        this.format = format;
        this.approximate = approximate;
    }

    /** Whether codes come from the compressed copy alone (no float32 {@code W_enc}, not the float32 answer). */
    public boolean approximate() {
        return approximate;
    }

    /** The command line's name: {@code float32}, {@code bf16}, {@code int8}, {@code bf16-approx}, {@code int8-approx}. */
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
        throw new BadInputException("encoder weights '" + id + "': expected float32, bf16, int8, bf16-approx or"
                + " int8-approx");
    }
}
