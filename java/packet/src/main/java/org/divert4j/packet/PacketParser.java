package org.divert4j.packet;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * WinDivert's user-mode packet decomposition (docs/spec/helpers.md §3.1): the one parser every Java
 * component uses to find headers (through {@link Decomposer}, which callers decomposing every
 * packet of a stream reuse). It never throws on bad input: a buffer that is not an IP packet
 * gives {@link Optional#empty()}, a truncated or padded one a decomposition that says so.
 */
public final class PacketParser {
    static final int PROTO_HOPOPTS = 0;
    static final int PROTO_ICMP = 1;
    static final int PROTO_TCP = 6;
    static final int PROTO_UDP = 17;
    static final int PROTO_ROUTING = 43;
    static final int PROTO_FRAGMENT = 44;
    static final int PROTO_AH = 51;
    static final int PROTO_ICMPV6 = 58;
    static final int PROTO_DSTOPTS = 60;
    static final int PROTO_MOBILITY = 135;

    private PacketParser() {
    }

    /**
     * Decomposes the whole remaining content of {@code buf} (position to limit).
     *
     * @param buf the packet's bytes
     * @return as for {@link #decompose(ByteBuffer, int, int)}
     */
    public static Optional<Decomposition> decompose(ByteBuffer buf) {
        return decompose(buf, buf.position(), buf.remaining());
    }

    /**
     * Decomposes the packet that starts at absolute index {@code offset} of {@code buf}, with
     * {@code length} bytes available.
     *
     * @param buf the buffer holding the packet
     * @param offset absolute index of the packet's first byte
     * @param length the number of bytes available from {@code offset}
     * @return empty if the bytes are not an IP packet (too short, bad version, IHL below 5,
     *     IPv4 total length below the header, fewer bytes than the IPv4 header)
     */
    public static Optional<Decomposition> decompose(ByteBuffer buf, int offset, int length) {
        Decomposer d = new Decomposer();
        return d.decompose(buf, offset, length) ? Optional.of(d.toDecomposition()) : Optional.empty();
    }

    static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    /**
     * The big-endian 16-bit value at absolute index {@code i}, whatever the buffer's byte order
     * (one bounds-checked read instead of two).
     *
     * @param b the buffer
     * @param i the index of the first byte
     * @return the value, 0…65535
     * @throws IndexOutOfBoundsException if the two bytes are not below the limit
     */
    public static int u16(ByteBuffer b, int i) {
        short v = b.getShort(i);
        return (b.order() == ByteOrder.BIG_ENDIAN ? v : Short.reverseBytes(v)) & 0xFFFF;
    }
}
