package org.divert4j.packet;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.divert4j.packet.header.Ipv6ExtensionHeader;

/** The problems {@link Packet#validate()} reports, derived from the decomposition. */
final class Validator {
    private Validator() {
    }

    static List<String> problems(ByteBuffer p, Optional<Decomposition> decomposition) {
        List<String> out = new ArrayList<>();
        int len = p.limit();
        if (decomposition.isEmpty()) {
            out.add(notIp(p, len));
            return out;
        }
        Decomposition d = decomposition.get();
        if (d.truncated()) {
            out.add("truncated: the IP length is " + d.ipLength() + " bytes but only " + len + " are present");
        }
        if (d.extended()) {
            out.add((len - d.ipLength()) + " bytes follow the IP length of " + d.ipLength());
        }
        if (d.fragmentOffset() != 0) {
            return out;
        }
        int cursor = d.transport() == Transport.NONE ? d.payloadOffset() : d.transportOffset();
        int remaining = d.payloadOffset() + d.payloadLength() - cursor;
        int proto = d.protocol();
        if (d.isIpv6() && isExtension(proto)) {
            if (proto == PacketParser.PROTO_FRAGMENT && remaining >= 8) {
                out.add("a second IPv6 fragment header at offset " + cursor + " is not decoded");
            } else {
                int need = remaining < 2 ? 2 : Ipv6ExtensionHeader.lengthOf(proto, PacketParser.u8(p, cursor + 1));
                out.add("IPv6 extension header " + proto + " at offset " + cursor + " needs " + need
                        + " bytes, " + remaining + " present");
            }
            return out;
        }
        switch (proto) {
            case PacketParser.PROTO_TCP -> tcp(p, d, cursor, remaining, out);
            case PacketParser.PROTO_UDP -> {
                if (d.transport() == Transport.NONE) {
                    out.add("the UDP header needs 8 bytes, " + remaining + " present");
                } else if (!d.fragment() && !d.truncated()) {
                    int field = PacketParser.u16(p, cursor + 4);
                    if (field != 8 + d.payloadLength()) {
                        out.add("the UDP length field is " + field + " but the datagram has "
                                + (8 + d.payloadLength()) + " bytes");
                    }
                }
            }
            case PacketParser.PROTO_ICMP -> icmp(d, 4, "ICMP", remaining, out);
            case PacketParser.PROTO_ICMPV6 -> icmp(d, 6, "ICMPv6", remaining, out);
            default -> {
            }
        }
        return out;
    }

    private static void tcp(ByteBuffer p, Decomposition d, int cursor, int remaining, List<String> out) {
        if (d.transport() == Transport.NONE) {
            out.add(remaining < 20
                    ? "the TCP header needs 20 bytes, " + remaining + " present"
                    : "the TCP data offset " + (PacketParser.u8(p, cursor + 12) >>> 4) + " is below 5");
            return;
        }
        int dataOffset = PacketParser.u8(p, cursor + 12) >>> 4;
        if (dataOffset * 4 > d.transportLength()) {
            out.add("the TCP data offset " + dataOffset + " (" + dataOffset * 4 + " bytes) exceeds the "
                    + d.transportLength() + " bytes present");
        }
    }

    private static void icmp(Decomposition d, int version, String name, int remaining, List<String> out) {
        if (d.ipVersion() != version) {
            out.add(name + " (protocol " + d.protocol() + ") inside IPv" + d.ipVersion() + " is not decoded");
        } else if (d.transport() == Transport.NONE) {
            out.add("the " + name + " header needs 8 bytes, " + remaining + " present");
        }
    }

    private static boolean isExtension(int proto) {
        return switch (proto) {
            case PacketParser.PROTO_HOPOPTS, PacketParser.PROTO_ROUTING, PacketParser.PROTO_FRAGMENT,
                    PacketParser.PROTO_AH, PacketParser.PROTO_DSTOPTS, PacketParser.PROTO_MOBILITY -> true;
            default -> false;
        };
    }

    private static String notIp(ByteBuffer p, int len) {
        if (len < 20) {
            return "not an IPv4 or IPv6 packet: " + len + " bytes, at least 20 are needed";
        }
        int version = PacketParser.u8(p, 0) >>> 4;
        if (version == 4) {
            int ihl = PacketParser.u8(p, 0) & 0xF;
            int total = PacketParser.u16(p, 2);
            if (ihl < 5) {
                return "not an IPv4 or IPv6 packet: the IPv4 IHL " + ihl + " is below 5";
            }
            if (total < ihl * 4) {
                return "not an IPv4 or IPv6 packet: the IPv4 total length " + total + " is below the header length " + ihl * 4;
            }
            return "not an IPv4 or IPv6 packet: the IPv4 header length " + ihl * 4 + " exceeds the " + len + " bytes present";
        }
        if (version == 6) {
            return "not an IPv4 or IPv6 packet: " + len + " bytes, an IPv6 header needs 40";
        }
        return "not an IPv4 or IPv6 packet: version " + version + " is neither 4 nor 6";
    }
}
