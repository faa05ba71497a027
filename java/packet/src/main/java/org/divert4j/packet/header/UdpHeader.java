package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/** The 8-byte UDP header (docs/spec/helpers.md §1.5). */
public final class UdpHeader extends HeaderView {
    /** Bytes of the header. */
    public static final int LENGTH = 8;

    /**
     * A view of the UDP header at absolute index {@code offset} of {@code buf}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param onWrite run after every write (may be null)
     */
    public UdpHeader(ByteBuffer buf, int offset, Runnable onWrite) {
        super(buf, offset, onWrite);
    }

    /** {@return source port} */
    public int srcPort() {
        return u16(0);
    }

    /**
     * Sets the source port.
     *
     * @param v the new value, 0 … 65535
     */
    public void setSrcPort(int v) {
        put16(0, v, "source port");
    }

    /** {@return destination port} */
    public int dstPort() {
        return u16(2);
    }

    /**
     * Sets the destination port.
     *
     * @param v the new value, 0 … 65535
     */
    public void setDstPort(int v) {
        put16(2, v, "destination port");
    }

    /** {@return the length field (header + data)} */
    public int length() {
        return u16(4);
    }

    /**
     * Sets the length field.
     *
     * @param v the new value, 0 … 65535
     */
    public void setLength(int v) {
        put16(4, v, "length");
    }

    /** {@return the checksum as stored (0 = none, IPv4 only)} */
    public int checksum() {
        return u16(6);
    }

    /**
     * Stores a checksum.
     *
     * @param v the new value, 0 … 65535
     */
    public void setChecksum(int v) {
        put16(6, v, "checksum");
    }
}
