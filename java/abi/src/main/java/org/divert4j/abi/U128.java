package org.divert4j.abi;

import java.math.BigInteger;

/**
 * An unsigned 128-bit value: IPv6 addresses, IPv4-mapped addresses and filter constants as the
 * filter language and the address record use them (the 128-bit big-endian number; in the
 * address record stored as four u32 words, word 0 least significant).
 *
 * @param hi bits 64–127
 * @param lo bits 0–63
 */
public record U128(long hi, long lo) implements Comparable<U128> {
    /** Zero. */
    public static final U128 ZERO = new U128(0, 0);

    /** The value of an unsigned 64-bit quantity. */
    public static U128 of(long lo) {
        return new U128(0, lo);
    }

    /** The IPv4-mapped value {@code ::ffff:a.b.c.d} of a host-order IPv4 address. */
    public static U128 ipv4Mapped(int ipv4) {
        return new U128(0, 0xFFFF00000000L | (ipv4 & 0xFFFFFFFFL));
    }

    /** From four u32 words, word 0 least significant (the address record's layout). */
    public static U128 fromWords(int w0, int w1, int w2, int w3) {
        return new U128((w3 & 0xFFFFFFFFL) << 32 | (w2 & 0xFFFFFFFFL),
                (w1 & 0xFFFFFFFFL) << 32 | (w0 & 0xFFFFFFFFL));
    }

    /** Word {@code i} (0 = least significant) of the four u32 words. */
    public int word(int i) {
        switch (i) {
            case 0: return (int) lo;
            case 1: return (int) (lo >>> 32);
            case 2: return (int) hi;
            case 3: return (int) (hi >>> 32);
            default: throw new IndexOutOfBoundsException("word " + i);
        }
    }

    /** True if this is {@code ::ffff:a.b.c.d}. */
    public boolean isIpv4Mapped() {
        return hi == 0 && (lo >>> 32) == 0xFFFFL;
    }

    /** From the 16 network-order bytes of an IPv6 address (or any 128-bit big-endian number). */
    public static U128 fromBytes(byte[] b, int offset) {
        long h = 0;
        long l = 0;
        for (int i = 0; i < 8; i++) {
            h = h << 8 | (b[offset + i] & 0xFF);
            l = l << 8 | (b[offset + 8 + i] & 0xFF);
        }
        return new U128(h, l);
    }

    /** The 16 network-order (big-endian) bytes. */
    public byte[] toBytes() {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        return b;
    }

    /** As a non-negative BigInteger. */
    public BigInteger toBigInteger() {
        return new BigInteger(1, toBytes());
    }

    /**
     * From a BigInteger in 0 … 2^128−1.
     *
     * @throws IllegalArgumentException if out of range
     */
    public static U128 of(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 128) {
            throw new IllegalArgumentException("not an unsigned 128-bit value: " + v);
        }
        return new U128(v.shiftRight(64).longValue(), v.longValue());
    }

    @Override
    public int compareTo(U128 o) {
        int c = Long.compareUnsigned(hi, o.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
    }

    @Override
    public String toString() {
        return String.format("0x%016x%016x", hi, lo);
    }
}
