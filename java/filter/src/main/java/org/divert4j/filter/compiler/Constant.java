package org.divert4j.filter.compiler;

import java.math.BigInteger;
import org.divert4j.abi.U128;
import org.divert4j.filter.SignMagnitude;

/**
 * A filter constant: sign and 128-bit magnitude (docs/spec/filter-language.md §4.1). {@code -0} exists and
 * differs from {@code 0}.
 *
 * @param negative the sign flag
 * @param magnitude the unsigned magnitude
 */
public record Constant(boolean negative, U128 magnitude) {
    /** The constant 0. */
    public static final Constant ZERO = new Constant(false, U128.ZERO);
    /** The constant 1. */
    public static final Constant ONE = new Constant(false, U128.of(1));

    /** A non-negative constant. */
    public static Constant of(long unsigned) {
        return new Constant(false, U128.of(unsigned));
    }

    /** The constant with value {@code v} (any sign, |v| &lt; 2^128). */
    public static Constant of(BigInteger v) {
        return new Constant(v.signum() < 0, U128.of(v.abs()));
    }

    /**
     * Sign-magnitude comparison over all 128 bits (docs/spec/filter-language.md §4.2 as constant folding uses it): a negative
     * value is below every non-negative one ({@code -0 < 0}); two negatives compare inverted.
     */
    public int compareTo(Constant o) {
        return SignMagnitude.compare(negative, magnitude.hi(), magnitude.lo(), o.negative,
                o.magnitude.hi(), o.magnitude.lo());
    }

    /** True if bits 32–127 of the magnitude are zero. */
    public boolean fitsIn32Bits() {
        return magnitude.hi() == 0 && (magnitude.lo() >>> 32) == 0;
    }

    @Override
    public String toString() {
        return (negative ? "-" : "") + magnitude.toBigInteger();
    }
}
