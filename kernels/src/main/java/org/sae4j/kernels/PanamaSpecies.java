package org.sae4j.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector width every Panama kernel uses, chosen once: the machine's preferred species, or a narrower one forced
 * with {@code -Dsae4j.vectorsize=BITS} (128 or 256; like Lucene's {@code tests.vectorsize}), so that the kernels a
 * narrower machine runs (e.g. {@link PanamaGemm}'s 3-row micro-kernel, AVX2's) are tested on a wide one too. A width
 * above the preferred one is refused: the JDK would emulate it, slowly.
 */
final class PanamaSpecies {
    /** The system property naming the forced width in bits. */
    static final String PROPERTY = "sae4j.vectorsize";
    static final VectorSpecies<Float> FLOAT = floatSpecies(System.getProperty(PROPERTY));
    static final VectorSpecies<Double> DOUBLE = DoubleVector.SPECIES_PREFERRED.vectorBitSize() == FLOAT.vectorBitSize()
            ? DoubleVector.SPECIES_PREFERRED : VectorSpecies.of(double.class, FLOAT.vectorShape());

    private PanamaSpecies() {
    }

    static VectorSpecies<Float> floatSpecies(String bits) {
        VectorSpecies<Float> preferred = FloatVector.SPECIES_PREFERRED;
        if (bits == null || bits.isBlank()) {
            return preferred;
        }
        int b;
        try {
            b = Integer.parseInt(bits.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + bits + ": expected 128, 256 or 512 bits", e);
        }
        if (b != 128 && b != 256 && b != 512) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + bits + ": expected 128, 256 or 512 bits");
        }
        if (b > preferred.vectorBitSize()) {
            throw new IllegalArgumentException("-D" + PROPERTY + "=" + bits + ": wider than this machine's "
                    + preferred.vectorBitSize() + "-bit vectors; expected at most that");
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(b));
    }
}
