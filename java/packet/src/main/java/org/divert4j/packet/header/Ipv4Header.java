package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The IPv4 header (docs/spec/helpers.md §1.1): 20 fixed bytes plus options up to 4 × IHL bytes. */
public final class Ipv4Header extends HeaderView {
    /** Bytes of the fixed part. */
    public static final int MIN_LENGTH = 20;

    /**
     * A view of the IPv4 header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public Ipv4Header(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return the version nibble (4 for a real IPv4 header)} */
    public int version() {
        return u8(0) >>> 4;
    }

    /**
     * Sets the version nibble (0–15).
     *
     * @param v the new value, 0 … 15
     */
    public void setVersion(int v) {
        check(v, 0xF, "version");
        putBits(0, 0xF0, v << 4);
    }

    /** {@return IHL: the header length in 32-bit words (the low nibble of byte 0)} */
    public int ihl() {
        return u8(0) & 0x0F;
    }

    /**
     * Sets IHL (0–15 words).
     *
     * @param words the new value, 0 … 15
     */
    public void setIhl(int words) {
        check(words, 0xF, "IHL");
        putBits(0, 0x0F, words);
    }

    /** {@return the header length in bytes: 4 × IHL} */
    public int headerLength() {
        return ihl() * 4;
    }

    /** {@return type of service (byte 1)} */
    public int tos() {
        return u8(1);
    }

    /**
     * Sets the type of service.
     *
     * @param v the new value, 0 … 255
     */
    public void setTos(int v) {
        put8(1, v, "TOS");
    }

    /** {@return total length of the packet in bytes} */
    public int totalLength() {
        return u16(2);
    }

    /**
     * Sets the total length.
     *
     * @param v the new value, 0 … 65535
     */
    public void setTotalLength(int v) {
        put16(2, v, "total length");
    }

    /** {@return identification} */
    public int id() {
        return u16(4);
    }

    /**
     * Sets the identification.
     *
     * @param v the new value, 0 … 65535
     */
    public void setId(int v) {
        put16(4, v, "identification");
    }

    /** {@return the reserved flag (bit 0x80 of byte 6)} */
    public boolean reservedFlag() {
        return bit(6, 0x80);
    }

    /**
     * Sets the reserved flag.
     *
     * @param on true to set it, false to clear it
     */
    public void setReservedFlag(boolean on) {
        putFlag(6, 0x80, on);
    }

    /** {@return don't fragment (bit 0x40 of byte 6)} */
    public boolean dontFragment() {
        return bit(6, 0x40);
    }

    /**
     * Sets don't fragment.
     *
     * @param on true to set it, false to clear it
     */
    public void setDontFragment(boolean on) {
        putFlag(6, 0x40, on);
    }

    /** {@return more fragments (bit 0x20 of byte 6)} */
    public boolean moreFragments() {
        return bit(6, 0x20);
    }

    /**
     * Sets more fragments.
     *
     * @param on true to set it, false to clear it
     */
    public void setMoreFragments(boolean on) {
        putFlag(6, 0x20, on);
    }

    /** {@return the fragment offset in 8-byte units (13 bits)} */
    public int fragmentOffset() {
        return u16(6) & 0x1FFF;
    }

    /**
     * Sets the fragment offset (0–8191, 8-byte units); the three flag bits are kept.
     *
     * @param units the new value, 0 … 8191
     */
    public void setFragmentOffset(int units) {
        check(units, 0x1FFF, "fragment offset");
        putBits(6, 0x1F, units >>> 8);
        put8(7, units & 0xFF, "fragment offset");
    }

    /** {@return time to live} */
    public int ttl() {
        return u8(8);
    }

    /**
     * Sets the time to live.
     *
     * @param v the new value, 0 … 255
     */
    public void setTtl(int v) {
        put8(8, v, "TTL");
    }

    /** {@return the protocol of the next header} */
    public int protocol() {
        return u8(9);
    }

    /**
     * Sets the protocol.
     *
     * @param v the new value, 0 … 255
     */
    public void setProtocol(int v) {
        put8(9, v, "protocol");
    }

    /** {@return the header checksum as stored} */
    public int checksum() {
        return u16(10);
    }

    /**
     * Stores a header checksum.
     *
     * @param v the new value, 0 … 65535
     */
    public void setChecksum(int v) {
        put16(10, v, "checksum");
    }

    /** {@return source address, host order ({@code a.b.c.d} = {@code a<<24|b<<16|c<<8|d})} */
    public int srcAddr() {
        return (int) u32(12);
    }

    /**
     * Sets the source address (host order).
     *
     * @param addr the address in host order, as {@link #srcAddr()} returns it
     */
    public void setSrcAddr(int addr) {
        put32(12, addr & 0xFFFFFFFFL, "source address");
    }

    /** {@return destination address, host order} */
    public int dstAddr() {
        return (int) u32(16);
    }

    /**
     * Sets the destination address (host order).
     *
     * @param addr the address in host order, as {@link #dstAddr()} returns it
     */
    public void setDstAddr(int addr) {
        put32(16, addr & 0xFFFFFFFFL, "destination address");
    }

    /**
     * {@return the option bytes (20 up to 4 × IHL) as a slice sharing the buffer: writes go to the
     * packet} Empty when IHL ≤ 5; clamped to the buffer limit.
     */
    public ByteBuffer options() {
        return slice(MIN_LENGTH, headerLength() - MIN_LENGTH);
    }
}
