package org.sae4j.features;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * An array of exact sums of doubles: each sum is kept as a fixed-point integer with its lowest bit at 2^-320, in
 * 32-bit limbs held in longs, so adding is exact and therefore independent of order. That is what makes {@link
 * FeatureStats#merge} give bit-identical results however a dataset is split into partials (a distributed job) or
 * in which order partials are merged.
 *
 * <p>Accepted addends: finite doubles with {@code |v| < 2^300} whose lowest set bit is at least 2^-320 — every
 * float, every product of two floats, and every double between 2^-267 and 2^300 in magnitude. Others are refused
 * (not rounded) so exactness never silently fails. Results are read back correctly rounded to double.
 */
final class ExactSums implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    private static final int LSB = 320;          // bit 0 of the fixed-point integer is 2^-LSB
    private static final int LIMBS = 22;         // 704 bits: 2^-320 .. 2^300 plus 2^84 of headroom for counts
    private static final long MASK = 0xFFFF_FFFFL;
    // A limb grows by < 2^33 per add (two pieces < 2^32 can land on it), so 2^29 adds stay far below 2^63.
    private static final long NORMALISE_EVERY = 1L << 29;

    private final int count;
    private final long[] limbs;
    private long pending;

    ExactSums(int count) {
        this.count = count;
        this.limbs = new long[count * LIMBS];
    }

    /** Adds {@code v} to sum {@code i}, exactly. */
    void add(int i, double v) {
        if (v == 0) {
            return;
        }
        long bits = Double.doubleToRawLongBits(v);
        int exp = (int) (bits >>> 52) & 0x7ff;
        long mant = bits & ((1L << 52) - 1);
        if (exp == 0x7ff) {
            throw new IllegalArgumentException("not finite: " + v);
        }
        if (exp != 0) {
            mant |= 1L << 52;
        } else {
            exp = 1;
        }
        int tz = Long.numberOfTrailingZeros(mant);
        mant >>>= tz;
        int pos = exp - 1075 + tz + LSB;        // bit position of mant's lowest bit in the fixed-point integer
        if (pos < 0 || pos + 64 - Long.numberOfLeadingZeros(mant) > LSB + 300) {
            throw new IllegalArgumentException(v + " is outside the exact range (2^-320 resolution, below 2^300)");
        }
        int limb = pos >>> 5;
        int sh = pos & 31;
        long a = (mant & MASK) << sh;           // < 2^63
        long b = (mant >>> 32) << sh;           // < 2^52
        long lo = a & MASK;
        long mid = (a >>> 32) + (b & MASK);
        long hi = b >>> 32;
        int o = i * LIMBS + limb;
        if (v > 0) {
            limbs[o] += lo;
            limbs[o + 1] += mid;
            limbs[o + 2] += hi;
        } else {
            limbs[o] -= lo;
            limbs[o + 1] -= mid;
            limbs[o + 2] -= hi;
        }
        if (++pending >= NORMALISE_EVERY) {
            normalise();
        }
    }

    /** Adds every sum of {@code other} (same size) to this one's. */
    void merge(ExactSums other) {
        if (other.count != count) {
            throw new IllegalArgumentException("merging " + other.count + " sums into " + count);
        }
        normalise();
        other.normalise();
        for (int q = 0; q < limbs.length; q++) {
            limbs[q] += other.limbs[q];
        }
        normalise();
    }

    /** Carries so that every limb but the top one is in [0, 2^32); the top limb holds the sign. */
    void normalise() {
        for (int i = 0; i < count; i++) {
            normalise(i);
        }
        pending = 0;
    }

    private void normalise(int i) {
        int o = i * LIMBS;
        for (int q = 0; q < LIMBS - 1; q++) {
            long carry = limbs[o + q] >> 32;  // floor division: works for negative limbs too
            limbs[o + q] &= MASK;
            limbs[o + q + 1] += carry;
        }
    }

    /** Sum {@code i} as an exact integer multiple of 2^-320. */
    BigInteger scaled(int i) {
        normalise(i); // this sum only: reading every latent's mean must not cost latents² carries
        int o = i * LIMBS;
        BigInteger r = BigInteger.valueOf(limbs[o + LIMBS - 1]);
        for (int q = LIMBS - 2; q >= 0; q--) {
            r = r.shiftLeft(32).add(BigInteger.valueOf(limbs[o + q]));
        }
        return r;
    }

    /** Sum {@code i}, exactly. */
    BigDecimal exact(int i) {
        return new BigDecimal(scaled(i)).divide(new BigDecimal(BigInteger.ONE.shiftLeft(LSB)));
    }

    /** Sum {@code i} rounded to the nearest double. */
    double value(int i) {
        return exact(i).doubleValue();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ExactSums e) || e.count != count) {
            return false;
        }
        normalise();
        e.normalise();
        return Arrays.equals(limbs, e.limbs);
    }

    @Override
    public int hashCode() {
        normalise();
        return Arrays.hashCode(limbs);
    }
}
