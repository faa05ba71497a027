package org.divert4j.packet;

import java.nio.ByteBuffer;
import org.divert4j.packet.header.Ipv6ExtensionHeader;

/**
 * {@link PacketParser}'s decomposition held in a reusable object: for loops that decompose
 * every packet of a stream and read a few of the results without allocating (the filter
 * evaluator). Each successful {@link #decompose} or {@link #set} replaces the values; the
 * accessors mean what the {@link Decomposition} components of the same name mean. Not safe
 * for use by several threads at once.
 */
public final class Decomposer {
    private int ipVersion;
    private int ipHeaderLength;
    private int protocol;
    private Transport transport = Transport.NONE;
    private int transportOffset;
    private int payloadOffset;
    private int payloadLength;
    private boolean fragment;
    private boolean moreFragments;
    private int fragmentOffset;
    private int ipLength;
    private int available;

    /**
     * Decomposes the packet that starts at absolute index {@code offset} of {@code buf}, with
     * {@code length} bytes available (docs/spec/helpers.md §3.1).
     *
     * @param buf the buffer (only absolute reads are made)
     * @param offset index of the packet's first byte
     * @param length the number of bytes available from there
     * @return false if the bytes are not an IP packet (too short, bad version, IHL below 5,
     *     IPv4 total length below the header, fewer bytes than the IPv4 header); the values
     *     are then unspecified
     * @throws IndexOutOfBoundsException if the range is outside the buffer
     */
    public boolean decompose(ByteBuffer buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.limit() - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside buffer limit " + buf.limit());
        }
        if (length < 20) {
            return false;
        }
        int version = PacketParser.u8(buf, offset) >>> 4;
        if (version == 4) {
            return ipv4(buf, offset, length);
        }
        return version == 6 && ipv6(buf, offset, length);
    }

    private boolean ipv4(ByteBuffer buf, int p, int len) {
        int b0 = PacketParser.u8(buf, p);
        int ihl = b0 & 0x0F;
        if (ihl < 5) {
            return false;
        }
        int hdr = ihl * 4;
        int total = PacketParser.u16(buf, p + 2);
        if (total < hdr || len < hdr) {
            return false;
        }
        int flags = PacketParser.u16(buf, p + 6);
        int fragOff = flags & 0x1FFF;
        boolean mf = (flags & 0x2000) != 0;
        int plen = Math.min(total, len);
        transport(buf, p, 4, hdr, PacketParser.u8(buf, p + 9), hdr, plen - hdr, mf || fragOff != 0, mf, fragOff,
                total, len);
        return true;
    }

    private boolean ipv6(ByteBuffer buf, int p, int len) {
        if (len < 40) {
            return false;
        }
        int proto = PacketParser.u8(buf, p + 6);
        int total = PacketParser.u16(buf, p + 4) + 40;
        int plen = Math.min(total, len);
        int cursor = 40;
        int remaining = plen - 40;
        boolean frag = false;
        boolean seenFragmentHeader = false;
        boolean mf = false;
        int fragOff = 0;
        while (fragOff == 0 && remaining >= 2) {
            int size;
            switch (proto) {
                case PacketParser.PROTO_FRAGMENT:
                    if (seenFragmentHeader || remaining < 8) {
                        size = -1;
                        break;
                    }
                    size = 8;
                    seenFragmentHeader = true;
                    frag = true;
                    fragOff = (PacketParser.u8(buf, p + cursor + 2) << 8
                            | (PacketParser.u8(buf, p + cursor + 3) & 0xF8)) >>> 3;
                    mf = (PacketParser.u8(buf, p + cursor + 3) & 0x01) != 0;
                    break;
                case PacketParser.PROTO_AH:
                case PacketParser.PROTO_HOPOPTS:
                case PacketParser.PROTO_DSTOPTS:
                case PacketParser.PROTO_ROUTING:
                case PacketParser.PROTO_MOBILITY:
                    size = Ipv6ExtensionHeader.lengthOf(proto, PacketParser.u8(buf, p + cursor + 1));
                    break;
                default:
                    size = -1;
                    break;
            }
            if (size < 0 || size > remaining) {
                break;
            }
            proto = PacketParser.u8(buf, p + cursor);
            cursor += size;
            remaining -= size;
        }
        transport(buf, p, 6, 40, proto, cursor, remaining, frag, mf, fragOff, total, len);
        return true;
    }

    private void transport(ByteBuffer buf, int p, int version, int ipHeaderLen, int proto, int cursor,
            int remaining, boolean frag, boolean mf, int fragOff, int total, int len) {
        Transport t = Transport.NONE;
        int consumed = 0;
        if (fragOff == 0) {
            switch (proto) {
                case PacketParser.PROTO_TCP:
                    if (remaining >= 20) {
                        int dataOffset = PacketParser.u8(buf, p + cursor + 12) >>> 4;
                        if (dataOffset >= 5) {
                            t = Transport.TCP;
                            consumed = Math.min(dataOffset * 4, remaining);
                        }
                    }
                    break;
                case PacketParser.PROTO_UDP:
                    if (remaining >= 8) {
                        t = Transport.UDP;
                        consumed = 8;
                    }
                    break;
                case PacketParser.PROTO_ICMP:
                    if (version == 4 && remaining >= 8) {
                        t = Transport.ICMP;
                        consumed = 8;
                    }
                    break;
                case PacketParser.PROTO_ICMPV6:
                    if (version == 6 && remaining >= 8) {
                        t = Transport.ICMPV6;
                        consumed = 8;
                    }
                    break;
                default:
                    break;
            }
        }
        ipVersion = version;
        ipHeaderLength = ipHeaderLen;
        protocol = proto;
        transport = t;
        transportOffset = t == Transport.NONE ? -1 : cursor;
        payloadOffset = cursor + consumed;
        payloadLength = remaining - consumed;
        fragment = frag;
        moreFragments = mf;
        fragmentOffset = fragOff;
        ipLength = total;
        available = len;
    }

    /**
     * Takes the values of an existing decomposition.
     *
     * @param d the decomposition
     */
    public void set(Decomposition d) {
        ipVersion = d.ipVersion();
        ipHeaderLength = d.ipHeaderLength();
        protocol = d.protocol();
        transport = d.transport();
        transportOffset = d.transportOffset();
        payloadOffset = d.payloadOffset();
        payloadLength = d.payloadLength();
        fragment = d.fragment();
        moreFragments = d.moreFragments();
        fragmentOffset = d.fragmentOffset();
        ipLength = d.ipLength();
        available = d.available();
    }

    /**
     * The values as an immutable decomposition.
     *
     * @return a new decomposition
     */
    public Decomposition toDecomposition() {
        return new Decomposition(ipVersion, ipHeaderLength, protocol, transport, transportOffset, payloadOffset,
                payloadLength, fragment, moreFragments, fragmentOffset, ipLength > available, ipLength < available,
                ipLength, available);
    }

    /**
     * 4 or 6.
     *
     * @return the value
     */
    public int ipVersion() {
        return ipVersion;
    }

    /**
     * The final protocol number after the IPv6 extension-header walk.
     *
     * @return the value
     */
    public int protocol() {
        return protocol;
    }

    /**
     * The transport header found.
     *
     * @return the value
     */
    public Transport transport() {
        return transport;
    }

    /**
     * Offset of the transport header from the packet's first byte, or -1 if there is none.
     *
     * @return the value
     */
    public int transportOffset() {
        return transportOffset;
    }

    /**
     * Offset of the payload from the packet's first byte.
     *
     * @return the value
     */
    public int payloadOffset() {
        return payloadOffset;
    }

    /**
     * Bytes of payload within the packet (0 if none).
     *
     * @return the value
     */
    public int payloadLength() {
        return payloadLength;
    }

    /**
     * True if the packet is an IP fragment.
     *
     * @return the value
     */
    public boolean fragment() {
        return fragment;
    }
}
