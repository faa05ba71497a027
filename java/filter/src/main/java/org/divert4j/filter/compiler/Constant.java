package org.divert4j.filter.compiler;

import java.math.BigInteger;
import org.divert4j.abi.U128;

/**
 * A filter constant: sign and 128-bit magnitude (filter-language.md §4.1). {@code -0} exists and
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
     * Sign-magnitude comparison over all 128 bits (§4.2 as constant folding uses it): a negative
     * value is below every non-negative one ({@code -0 < 0}); two negatives compare inverted.
     */
    public int compareTo(Constant o) {
        if (negative != o.negative) {
            return negative ? -1 : 1;
        }
        int c = magnitude.compareTo(o.magnitude);
        return negative ? -c : c;
    }

    /** True if bits 32–127 of the magnitude are zero. */
    public boolean fitsIn32Bits() {
        return magnitude.hi() == 0 && (magnitude.lo() >>> 32) == 0;
    }

    /** The value as a signed BigInteger ({@code -0} becomes 0). */
    public BigInteger toBigInteger() {
        BigInteger m = magnitude.toBigInteger();
        return negative ? m.negate() : m;
    }

    @Override
    public String toString() {
        return (negative ? "-" : "") + magnitude.toBigInteger();
    }
}
