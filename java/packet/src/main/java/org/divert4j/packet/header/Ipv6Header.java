package org.divert4j.packet.header;

import java.nio.ByteBuffer;
import org.divert4j.abi.U128;

/** The 40-byte IPv6 header (docs/spec/helpers.md §1.2). */
public final class Ipv6Header extends HeaderView {
    /** Bytes of the header. */
    public static final int LENGTH = 40;

    /**
     * A view of the IPv6 header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public Ipv6Header(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return the version nibble (6 for a real IPv6 header)} */
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

    /** {@return the 8-bit traffic class} */
    public int trafficClass() {
        return (u8(0) & 0x0F) << 4 | u8(1) >>> 4;
    }

    /**
     * Sets the traffic class (0–255).
     *
     * @param v the new value, 0 … 255
     */
    public void setTrafficClass(int v) {
        check(v, 0xFF, "traffic class");
        putBits(0, 0x0F, v >>> 4);
        putBits(1, 0xF0, v << 4);
    }

    /**
     * {@return the 20-bit flow label as a number} (Bytes 1–3 big-endian; not the C header's
     * mixed-order value of docs/spec/helpers.md §1.2.)
     */
    public int flowLabel() {
        return (u8(1) & 0x0F) << 16 | u16(2);
    }

    /**
     * Sets the flow label (0–0xFFFFF).
     *
     * @param v the new value, 0 … 1048575
     */
    public void setFlowLabel(int v) {
        check(v, 0xFFFFF, "flow label");
        putBits(1, 0x0F, v >>> 16);
        put16(2, v & 0xFFFF, "flow label");
    }

    /** {@return payload length: the bytes after this 40-byte header} */
    public int payloadLength() {
        return u16(4);
    }

    /**
     * Sets the payload length.
     *
     * @param v the new value, 0 … 65535
     */
    public void setPayloadLength(int v) {
        put16(4, v, "payload length");
    }

    /** {@return the next header (first extension header or the transport protocol)} */
    public int nextHeader() {
        return u8(6);
    }

    /**
     * Sets the next header.
     *
     * @param v the new value, 0 … 255
     */
    public void setNextHeader(int v) {
        put8(6, v, "next header");
    }

    /** {@return the hop limit} */
    public int hopLimit() {
        return u8(7);
    }

    /**
     * Sets the hop limit.
     *
     * @param v the new value, 0 … 255
     */
    public void setHopLimit(int v) {
        put8(7, v, "hop limit");
    }

    /** {@return source address as a 128-bit number} */
    public U128 srcAddr() {
        return new U128(u32(8) << 32 | u32(12), u32(16) << 32 | u32(20));
    }

    /**
     * Sets the source address.
     *
     * @param addr the address as a 128-bit number
     */
    public void setSrcAddr(U128 addr) {
        putAddr(8, addr);
    }

    /** {@return destination address as a 128-bit number} */
    public U128 dstAddr() {
        return new U128(u32(24) << 32 | u32(28), u32(32) << 32 | u32(36));
    }

    /**
     * Sets the destination address.
     *
     * @param addr the address as a 128-bit number
     */
    public void setDstAddr(U128 addr) {
        putAddr(24, addr);
    }

    private void putAddr(int at, U128 a) {
        for (int w = 0; w < 4; w++) {
            put32(at + 4 * w, a.word(3 - w) & 0xFFFFFFFFL, "address");
        }
    }
}
