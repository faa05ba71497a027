package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.packet.Hex;
import org.divert4j.packet.IpAddresses;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.IcmpMessage;
import org.divert4j.packet.header.Ipv4Header;
import org.divert4j.packet.header.Ipv6ExtensionHeader;
import org.divert4j.packet.header.Ipv6FragmentHeader;
import org.divert4j.packet.header.Ipv6Header;
import org.divert4j.packet.header.TcpHeader;
import org.divert4j.packet.header.UdpHeader;

/** The decoded headers of an IP packet as ordered JSON objects ({@code packet parse}, {@code sniff --json}). */
final class Headers {
    private Headers() {
    }

    /**
     * Every header the packet has, by name: {@code ipv4} or {@code ipv6} (with
     * {@code extensionHeaders} and a {@code fragmentHeader} if present), then {@code icmp},
     * {@code icmpv6}, {@code tcp} or {@code udp}.
     */
    static Map<String, Object> of(Packet p) {
        Map<String, Object> out = new LinkedHashMap<>();
        p.ipv4().ifPresent(ip -> out.put("ipv4", ipv4(ip)));
        p.ipv6().ifPresent(ip -> {
            out.put("ipv6", ipv6(ip));
            List<Object> ext = new ArrayList<>();
            for (Ipv6ExtensionHeader h : p.ipv6ExtensionHeaders()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("type", h.type());
                m.put("offset", h.offset());
                m.put("nextHeader", h.nextHeader());
                m.put("length", h.length());
                ext.add(m);
            }
            out.put("extensionHeaders", ext);
            p.ipv6Fragment().ifPresent(f -> out.put("fragmentHeader", fragment(f)));
        });
        p.icmp().ifPresent(h -> out.put("icmp", icmp(h)));
        p.icmpv6().ifPresent(h -> out.put("icmpv6", icmp(h)));
        p.tcp().ifPresent(h -> out.put("tcp", tcp(h)));
        p.udp().ifPresent(h -> out.put("udp", udp(h)));
        return out;
    }

    private static Map<String, Object> ipv4(Ipv4Header ip) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", ip.version());
        m.put("ihl", ip.ihl());
        m.put("tos", ip.tos());
        m.put("totalLength", ip.totalLength());
        m.put("id", ip.id());
        m.put("reservedFlag", ip.reservedFlag());
        m.put("dontFragment", ip.dontFragment());
        m.put("moreFragments", ip.moreFragments());
        m.put("fragmentOffset", ip.fragmentOffset());
        m.put("ttl", ip.ttl());
        m.put("protocol", ip.protocol());
        m.put("checksum", ip.checksum());
        m.put("srcAddr", IpAddresses.formatIpv4(ip.srcAddr()));
        m.put("dstAddr", IpAddresses.formatIpv4(ip.dstAddr()));
        m.put("options", hex(ip.options()));
        return m;
    }

    private static Map<String, Object> ipv6(Ipv6Header ip) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", ip.version());
        m.put("trafficClass", ip.trafficClass());
        m.put("flowLabel", ip.flowLabel());
        m.put("payloadLength", ip.payloadLength());
        m.put("nextHeader", ip.nextHeader());
        m.put("hopLimit", ip.hopLimit());
        m.put("srcAddr", IpAddresses.formatIpv6(ip.srcAddr()));
        m.put("dstAddr", IpAddresses.formatIpv6(ip.dstAddr()));
        return m;
    }

    private static Map<String, Object> fragment(Ipv6FragmentHeader f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nextHeader", f.nextHeader());
        m.put("reserved", f.reserved());
        m.put("fragmentOffset", f.fragmentOffset());
        m.put("reservedBits", f.reservedBits());
        m.put("moreFragments", f.moreFragments());
        m.put("identification", f.identification());
        return m;
    }

    private static Map<String, Object> icmp(IcmpMessage h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", h.type());
        m.put("code", h.code());
        m.put("checksum", h.checksum());
        m.put("body", h.body());
        return m;
    }

    private static Map<String, Object> tcp(TcpHeader h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("srcPort", h.srcPort());
        m.put("dstPort", h.dstPort());
        m.put("seqNum", h.seqNum());
        m.put("ackNum", h.ackNum());
        m.put("dataOffset", h.dataOffset());
        m.put("reserved1", h.reserved1());
        m.put("reserved2", h.reserved2());
        m.put("urg", h.urg());
        m.put("ack", h.ack());
        m.put("psh", h.psh());
        m.put("rst", h.rst());
        m.put("syn", h.syn());
        m.put("fin", h.fin());
        m.put("window", h.window());
        m.put("checksum", h.checksum());
        m.put("urgPtr", h.urgPtr());
        m.put("options", hex(h.options()));
        return m;
    }

    private static Map<String, Object> udp(UdpHeader h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("srcPort", h.srcPort());
        m.put("dstPort", h.dstPort());
        m.put("length", h.length());
        m.put("checksum", h.checksum());
        return m;
    }

    private static String hex(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return Hex.encode(out);
    }
}
