package org.divert4j.packet;

import org.divert4j.abi.Address;

/**
 * The outcome of {@link Packet#recalculateChecksums(int)} and of
 * {@link Packet#setPayload(java.nio.ByteBuffer, ChecksumOption...)} (docs/spec/helpers.md §4).
 *
 * @param ok the C function's result: false if the packet is not an IP packet, or a transport
 *     checksum was due but could not be computed (truncated packet, fragment, TCP data offset
 *     beyond the packet)
 * @param ipChecksum the IPv4 header checksum was computed (the address IPChecksum bit)
 * @param tcpChecksum the TCP checksum was computed (the address TCPChecksum bit)
 * @param udpChecksum the UDP checksum was computed (the address UDPChecksum bit)
 */
public record ChecksumResult(boolean ok, boolean ipChecksum, boolean tcpChecksum, boolean udpChecksum) {

    /**
     * The address record with the checksum bits of the checksums that were computed set to 1;
     * bits are never cleared (docs/spec/helpers.md §4). ICMP and ICMPv6 have no bit.
     *
     * @param a the address record the packet was received or will be sent with
     * @return {@code a} with those bits set
     */
    public Address applyTo(Address a) {
        return new Address(a.timestamp(), a.layer(), a.event(), a.sniffed(), a.outbound(), a.loopback(),
                a.impostor(), a.ipv6(), a.ipChecksum() || ipChecksum, a.tcpChecksum() || tcpChecksum,
                a.udpChecksum() || udpChecksum, a.data());
    }
}
