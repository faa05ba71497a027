package org.divert4j.packet;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * WinDivert's user-mode packet decomposition (helpers.md §3.1): the one parser every Java
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

    /** Decomposes the whole remaining content of {@code buf} (position to limit). */
    public static Optional<Decomposition> decompose(ByteBuffer buf) {
        return decompose(buf, buf.position(), buf.remaining());
    }

    /**
     * Decomposes the packet that starts at absolute index {@code offset} of {@code buf}, with
     * {@code length} bytes available.
     *
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

    static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | (b.get(i + 1) & 0xFF);
    }
}
