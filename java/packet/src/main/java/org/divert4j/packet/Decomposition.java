package org.divert4j.packet;

/**
 * Where the headers of one IP packet lie in a buffer, as WinDivert's packet parser finds them
 * (docs/spec/helpers.md §3.1, docs/spec/filter-language.md §8.2). Offsets are relative to the packet's first byte.
 *
 * @param ipVersion 4 or 6
 * @param ipHeaderLength IPv4: 4 × IHL; IPv6: 40 (extension headers not included)
 * @param protocol the final protocol number after the IPv6 extension-header walk
 * @param transport the transport header found
 * @param transportOffset offset of the transport header, or -1 if there is none
 * @param payloadOffset offset of the payload (= header length)
 * @param payloadLength bytes of payload within the packet (0 if none)
 * @param fragment true if the packet is an IP fragment (IPv4 MF or offset; any IPv6 fragment header)
 * @param moreFragments the MF flag (IPv4 header or IPv6 fragment header)
 * @param fragmentOffset the fragment offset in 8-byte units (0 if none)
 * @param truncated the IP length exceeds the bytes available
 * @param extended more bytes follow the packet (IP length below the bytes available)
 * @param ipLength the IP length: total length (IPv4) or payload length + 40 (IPv6)
 * @param available the number of bytes that were available from the packet's start
 */
public record Decomposition(
        int ipVersion,
        int ipHeaderLength,
        int protocol,
        Transport transport,
        int transportOffset,
        int payloadOffset,
        int payloadLength,
        boolean fragment,
        boolean moreFragments,
        int fragmentOffset,
        boolean truncated,
        boolean extended,
        int ipLength,
        int available) {

    /** {@return true for IPv4} */
    public boolean isIpv4() {
        return ipVersion == 4;
    }

    /** {@return true for IPv6} */
    public boolean isIpv6() {
        return ipVersion == 6;
    }

    /** {@return everything before the payload: IP header, extension headers, transport header} */
    public int headerLength() {
        return payloadOffset;
    }

    /** {@return the bytes of the packet that are present: min(IP length, available)} */
    public int presentLength() {
        return Math.min(ipLength, available);
    }

    /**
     * True if the packet holds only part of its datagram (MF set or a non-zero fragment
     * offset): its transport checksum and UDP length describe bytes that are not here. An
     * atomic fragment (IPv6 fragment header, offset 0, MF clear) holds all of it.
     */
    boolean partialDatagram() {
        return moreFragments || fragmentOffset != 0;
    }

    /** {@return length of the transport header as consumed by the parser (0 if none)} */
    public int transportLength() {
        return transport == Transport.NONE ? 0 : payloadOffset - transportOffset;
    }
}
