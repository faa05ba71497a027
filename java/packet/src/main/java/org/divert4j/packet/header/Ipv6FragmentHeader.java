package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The 8-byte IPv6 fragment extension header (docs/spec/helpers.md §1.6). */
public final class Ipv6FragmentHeader extends HeaderView {
    /** Bytes of the header. */
    public static final int LENGTH = 8;

    /**
     * A view of the fragment header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public Ipv6FragmentHeader(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return the next header} */
    public int nextHeader() {
        return u8(0);
    }

    /**
     * Sets the next header.
     *
     * @param v the new value, 0 … 255
     */
    public void setNextHeader(int v) {
        put8(0, v, "next header");
    }

    /** {@return the reserved byte 1} */
    public int reserved() {
        return u8(1);
    }

    /**
     * Sets the reserved byte 1.
     *
     * @param v the new value, 0 … 255
     */
    public void setReserved(int v) {
        put8(1, v, "reserved");
    }

    /** {@return the fragment offset in 8-byte units (top 13 bits of bytes 2–3)} */
    public int fragmentOffset() {
        return u16(2) >>> 3;
    }

    /**
     * Sets the fragment offset (0–8191); the low three bits of byte 3 are kept.
     *
     * @param units the new value, 0 … 8191
     */
    public void setFragmentOffset(int units) {
        check(units, 0x1FFF, "fragment offset");
        put8(2, units >>> 5, "fragment offset");
        putBits(3, 0xF8, units << 3);
    }

    /** {@return the two reserved bits (bits 0x06 of byte 3, as a value 0–3)} */
    public int reservedBits() {
        return (u8(3) >>> 1) & 0x3;
    }

    /**
     * Sets the two reserved bits (0–3).
     *
     * @param v the new value, 0 … 3
     */
    public void setReservedBits(int v) {
        check(v, 0x3, "reserved bits");
        putBits(3, 0x06, v << 1);
    }

    /** {@return the M (more fragments) flag: bit 0x01 of byte 3} */
    public boolean moreFragments() {
        return bit(3, 0x01);
    }

    /**
     * Sets the M flag.
     *
     * @param on true to set it, false to clear it
     */
    public void setMoreFragments(boolean on) {
        putFlag(3, 0x01, on);
    }

    /** {@return identification (32-bit unsigned)} */
    public long identification() {
        return u32(4);
    }

    /**
     * Sets the identification (0 … 2^32−1).
     *
     * @param v the new value, 0 … 2³² − 1
     */
    public void setIdentification(long v) {
        put32(4, v, "identification");
    }
}
