package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The 8-byte ICMP and ICMPv6 header (docs/spec/helpers.md §1.3): type, code, checksum, 32-bit body. */
public abstract sealed class IcmpMessage extends HeaderView permits IcmpHeader, Icmpv6Header {
    /** Bytes of the header. */
    public static final int LENGTH = 8;

    IcmpMessage(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return the message type} */
    public final int type() {
        return u8(0);
    }

    /**
     * Sets the message type.
     *
     * @param v the new value, 0 … 255
     */
    public final void setType(int v) {
        put8(0, v, "type");
    }

    /** {@return the code} */
    public final int code() {
        return u8(1);
    }

    /**
     * Sets the code.
     *
     * @param v the new value, 0 … 255
     */
    public final void setCode(int v) {
        put8(1, v, "code");
    }

    /** {@return the checksum as stored} */
    public final int checksum() {
        return u16(2);
    }

    /**
     * Stores a checksum.
     *
     * @param v the new value, 0 … 65535
     */
    public final void setChecksum(int v) {
        put16(2, v, "checksum");
    }

    /** {@return bytes 4–7 as a big-endian unsigned 32-bit value (e.g. echo identifier and sequence)} */
    public final long body() {
        return u32(4);
    }

    /**
     * Sets bytes 4–7 (0 … 2^32−1).
     *
     * @param v the new value, 0 … 2³² − 1
     */
    public final void setBody(long v) {
        put32(4, v, "body");
    }
}
