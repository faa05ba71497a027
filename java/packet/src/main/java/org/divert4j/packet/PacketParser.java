package org.divert4j.packet;

import java.nio.ByteBuffer;
import java.util.Optional;
import org.divert4j.packet.header.Ipv6ExtensionHeader;

/**
 * WinDivert's user-mode packet decomposition (helpers.md §3.1): the one parser every Java
 * component uses to find headers. It never throws on bad input: a buffer that is not an IP
 * packet gives {@link Optional#empty()}, a truncated or padded one a decomposition that says so.
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
        return Optional.ofNullable(parse(buf, offset, length));
    }

    /**
     * {@link #decompose(ByteBuffer, int, int)} without the {@link Optional}, for callers that
     * decompose every packet of a stream (the filter evaluator).
     *
     * @return the decomposition, or null if the bytes are not an IP packet
     * @throws IndexOutOfBoundsException if the range is outside the buffer
     */
    public static Decomposition parse(ByteBuffer buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.limit() - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside buffer limit " + buf.limit());
        }
        if (length < 20) {
            return null;
        }
        int version = u8(buf, offset) >>> 4;
        if (version == 4) {
            return ipv4(buf, offset, length);
        }
        if (version == 6) {
            return ipv6(buf, offset, length);
        }
        return null;
    }

    private static Decomposition ipv4(ByteBuffer buf, int p, int len) {
        int ihl = u8(buf, p) & 0x0F;
        if (ihl < 5) {
            return null;
        }
        int hdr = ihl * 4;
        int total = u16(buf, p + 2);
        if (total < hdr || len < hdr) {
            return null;
        }
        int fragOff = ((u8(buf, p + 6) & 0x1F) << 8) | u8(buf, p + 7);
        boolean mf = (u8(buf, p + 6) & 0x20) != 0;
        int plen = Math.min(total, len);
        return transport(buf, p, 4, hdr, u8(buf, p + 9), hdr, plen - hdr,
                mf || fragOff != 0, mf, fragOff, total, len);
    }

    private static Decomposition ipv6(ByteBuffer buf, int p, int len) {
        if (len < 40) {
            return null;
        }
        int proto = u8(buf, p + 6);
        int total = u16(buf, p + 4) + 40;
        int plen = Math.min(total, len);
        int cursor = 40;
        int remaining = plen - 40;
        boolean fragment = false;
        boolean seenFragmentHeader = false;
        boolean mf = false;
        int fragOff = 0;
        while (fragOff == 0 && remaining >= 2) {
            int size;
            switch (proto) {
                case PROTO_FRAGMENT:
                    if (seenFragmentHeader || remaining < 8) {
                        size = -1;
                        break;
                    }
                    size = 8;
                    seenFragmentHeader = true;
                    fragment = true;
                    fragOff = (u8(buf, p + cursor + 2) << 8 | (u8(buf, p + cursor + 3) & 0xF8)) >>> 3;
                    mf = (u8(buf, p + cursor + 3) & 0x01) != 0;
                    break;
                case PROTO_AH:
                case PROTO_HOPOPTS:
                case PROTO_DSTOPTS:
                case PROTO_ROUTING:
                case PROTO_MOBILITY:
                    size = Ipv6ExtensionHeader.lengthOf(proto, u8(buf, p + cursor + 1));
                    break;
                default:
                    size = -1;
                    break;
            }
            if (size < 0 || size > remaining) {
                break;
            }
            proto = u8(buf, p + cursor);
            cursor += size;
            remaining -= size;
        }
        return transport(buf, p, 6, 40, proto, cursor, remaining, fragment, mf, fragOff, total, len);
    }

    private static Decomposition transport(ByteBuffer buf, int p, int version, int ipHeaderLength,
            int proto, int cursor, int remaining, boolean fragment, boolean mf, int fragOff,
            int total, int len) {
        Transport t = Transport.NONE;
        int consumed = 0;
        if (fragOff == 0) {
            switch (proto) {
                case PROTO_TCP:
                    if (remaining >= 20) {
                        int dataOffset = u8(buf, p + cursor + 12) >>> 4;
                        if (dataOffset >= 5) {
                            t = Transport.TCP;
                            consumed = Math.min(dataOffset * 4, remaining);
                        }
                    }
                    break;
                case PROTO_UDP:
                    if (remaining >= 8) {
                        t = Transport.UDP;
                        consumed = 8;
                    }
                    break;
                case PROTO_ICMP:
                    if (version == 4 && remaining >= 8) {
                        t = Transport.ICMP;
                        consumed = 8;
                    }
                    break;
                case PROTO_ICMPV6:
                    if (version == 6 && remaining >= 8) {
                        t = Transport.ICMPV6;
                        consumed = 8;
                    }
                    break;
                default:
                    break;
            }
        }
        int transportOffset = t == Transport.NONE ? -1 : cursor;
        return new Decomposition(version, ipHeaderLength, proto, t, transportOffset,
                cursor + consumed, remaining - consumed, fragment, mf, fragOff,
                total > len, total < len, total, len);
    }

    static int u8(ByteBuffer b, int i) {
        return b.get(i) & 0xFF;
    }

    static int u16(ByteBuffer b, int i) {
        return (b.get(i) & 0xFF) << 8 | (b.get(i + 1) & 0xFF);
    }
}
