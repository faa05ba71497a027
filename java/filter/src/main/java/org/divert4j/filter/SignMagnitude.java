package org.divert4j.filter;

/**
 * The comparison of filter values and constants (docs/spec/filter-language.md §4.2, docs/spec/filter-object.md a.4):
 * sign + 128-bit magnitude, where the sign alone decides when the signs differ ({@code -0 < 0}).
 * Magnitudes are given as two unsigned 64-bit halves.
 */
public final class SignMagnitude {
    private SignMagnitude() {
    }

    /**
     * Three-way comparison of (aNeg, aHi:aLo) with (bNeg, bHi:bLo) over all 128 bits.
     *
     * @return negative, zero or positive
     */
    public static int compare(boolean aNeg, long aHi, long aLo, boolean bNeg, long bHi, long bLo) {
        if (aNeg != bNeg) {
            return aNeg ? -1 : 1;
        }
        int c = Long.compareUnsigned(aHi, bHi);
        if (c == 0) {
            c = Long.compareUnsigned(aLo, bLo);
        }
        return aNeg ? -c : c;
    }

    /**
     * Three-way comparison of (aNeg, a) with (bNeg, b) where only the low 32 bits of each
     * magnitude take part: the narrow-field rule.
     */
    public static int compareNarrow(boolean aNeg, int a, boolean bNeg, int b) {
        if (aNeg != bNeg) {
            return aNeg ? -1 : 1;
        }
        int c = Integer.compareUnsigned(a, b);
        return aNeg ? -c : c;
    }

    /** Bits 64–127 of an instruction's constant. */
    public static long high(Instruction ins) {
        return (long) ins.arg3() << 32 | (ins.arg2() & 0xFFFFFFFFL);
    }

    /** Bits 0–63 of an instruction's constant. */
    public static long low(Instruction ins) {
        return (long) ins.arg1() << 32 | (ins.arg0() & 0xFFFFFFFFL);
    }
}
