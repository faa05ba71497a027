package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.divert4j.packet.ChecksumResult;
import org.divert4j.packet.Decomposition;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code divert4j packet ...}: packet helpers on hex input. */
@Command(name = "packet", mixinStandardHelpOptions = true,
        description = "Parse, checksum and hash IP packets given as hex.",
        subcommands = {PacketCommand.Parse.class, PacketCommand.Checksum.class, PacketCommand.Hash.class})
final class PacketCommand {

    /** Decodes hex input, failing with exit status 1 and the position of a bad character. */
    static byte[] decodeHex(String hex) {
        try {
            return Hex.decode(hex);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage());
        }
    }

    /** The packet in the hex text; exit status 1 if it is not an IPv4 or IPv6 packet. */
    static Packet ipPacket(String hex) {
        Packet p = Packet.wrap(decodeHex(hex));
        if (!p.isIp()) {
            throw new InvalidInputException(String.join("; ", p.validate()));
        }
        return p;
    }

    @Command(name = "parse", mixinStandardHelpOptions = true,
            description = "Print every header field of the packet, the payload and what is malformed, as JSON.")
    static final class Parse implements Callable<Integer> {
        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            System.out.println(JsonOut.render(describe(ipPacket(hex))));
            return 0;
        }
    }

    @Command(name = "checksum", mixinStandardHelpOptions = true,
            description = "Print the packet with every checksum recomputed (WinDivertHelperCalcChecksums), as hex. "
                    + "Checksums WinDivert does not compute (fragments, truncated packets) stay as they are.")
    static final class Checksum implements Callable<Integer> {
        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            Packet p = ipPacket(hex);
            ChecksumResult r = p.recalculateChecksums(0);
            if (!r.ok()) {
                System.err.println("divert4j: note: the transport checksum was not computed ("
                        + (p.decomposition().orElseThrow().truncated() ? "truncated packet" : "fragment or clamped header")
                        + ")");
            }
            System.out.println(p);
            return 0;
        }
    }

    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Print WinDivert's 64-bit packet hash (unsigned decimal).")
    static final class Hash implements Callable<Integer> {
        @Option(names = "--seed", description = "hash seed (unsigned 64-bit or negative), default 0",
                defaultValue = "0")
        String seed;

        @Parameters(paramLabel = "HEX", description = "the IP packet as hex")
        String hex;

        @Override
        public Integer call() {
            long s;
            try {
                s = seed.startsWith("-") ? Long.parseLong(seed) : Long.parseUnsignedLong(seed);
            } catch (NumberFormatException e) {
                throw new InvalidInputException("bad --seed '" + seed + "': expected a 64-bit integer");
            }
            System.out.println(Long.toUnsignedString(ipPacket(hex).hash(s)));
            return 0;
        }
    }

    /** Every header field of an IP packet as an ordered JSON object. */
    static Map<String, Object> describe(Packet p) {
        Decomposition d = p.decomposition().orElseThrow();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("length", p.length());
        p.ipv4().ifPresent(ip -> out.put("ipv4", ipv4(ip)));
        p.ipv6().ifPresent(ip -> out.put("ipv6", ipv6(ip)));
        if (d.isIpv6()) {
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
        }
        out.put("protocol", d.protocol());
        p.icmp().ifPresent(h -> out.put("icmp", icmp(h)));
        p.icmpv6().ifPresent(h -> out.put("icmpv6", icmp(h)));
        p.tcp().ifPresent(h -> out.put("tcp", tcp(h)));
        p.udp().ifPresent(h -> out.put("udp", udp(h)));
        out.put("headerLength", d.headerLength());
        out.put("payloadLength", d.payloadLength());
        ByteBuffer payload = p.payload();
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.put("payload", Hex.encode(bytes));
        out.put("fragment", d.fragment());
        out.put("truncated", d.truncated());
        out.put("extended", d.extended());
        out.put("checksumsValid", p.checksumsValid());
        out.put("hash", Long.toUnsignedString(p.hash(0)));
        out.put("malformed", new ArrayList<Object>(p.validate()));
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
