package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.Ipv4Header;
import org.divert4j.packet.header.Ipv6Header;
import org.divert4j.packet.header.TcpHeader;

/**
 * Packets a filtering command injects in answer to a diverted packet: a TCP reset, an ICMP
 * "unreachable", or TCP data (a block page). Built with correct checksums; the address marks them
 * valid so the driver leaves them alone.
 */
final class Responses {
    private static final int TTL = 64;
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_HEADER = 20;
    /** IPv6 minimum MTU: an ICMPv6 error must not exceed it. */
    private static final int IPV6_MIN_MTU = 1280;

    private Responses() {
    }

    /** The packet's addresses and ports, read once. */
    private record Flow(boolean ipv6, byte[] src, byte[] dst, int srcPort, int dstPort) {
        static Flow of(Packet p) {
            ByteBuffer b = p.buffer();
            boolean v6 = p.ipv6().isPresent();
            int alen = v6 ? 16 : 4;
            byte[] src = new byte[alen];
            byte[] dst = new byte[alen];
            b.get(v6 ? 8 : 12, src);
            b.get(v6 ? 24 : 16, dst);
            int sp = p.tcp().map(TcpHeader::srcPort).orElse(0);
            int dp = p.tcp().map(TcpHeader::dstPort).orElse(0);
            return new Flow(v6, src, dst, sp, dp);
        }
    }

    /**
     * A TCP RST|ACK answering {@code original} to its sender, or empty if it is not TCP or is a
     * reset itself (resets are never answered).
     */
    static Optional<DivertPacket> tcpReset(DivertPacket original) {
        Packet p = Packet.wrap(original.data().clone());
        Optional<TcpHeader> tcp = p.tcp();
        if (tcp.isEmpty() || tcp.get().rst()) {
            return Optional.empty();
        }
        TcpHeader t = tcp.get();
        long ack = t.seqNum() + p.payloadLength() + (t.syn() ? 1 : 0) + (t.fin() ? 1 : 0);
        long seq = t.ack() ? t.ackNum() : 0;
        return Optional.of(tcp(Flow.of(p), true, seq, ack, TcpHeader.RST | TcpHeader.ACK, new byte[0], original.address()));
    }

    /**
     * TCP data sent back to the original packet's sender, as if from its destination: the data
     * continues the receiver's sequence (the original's acknowledgement number) and acknowledges
     * all of the original. Empty if it is not TCP.
     */
    static Optional<DivertPacket> tcpReply(DivertPacket original, byte[] payload, int flags) {
        Packet p = Packet.wrap(original.data().clone());
        Optional<TcpHeader> tcp = p.tcp();
        if (tcp.isEmpty()) {
            return Optional.empty();
        }
        TcpHeader t = tcp.get();
        long ack = t.seqNum() + p.payloadLength() + (t.syn() ? 1 : 0) + (t.fin() ? 1 : 0);
        return Optional.of(tcp(Flow.of(p), true, t.ackNum(), ack, flags, payload, original.address()));
    }

    /** A TCP RST continuing the original packet towards its destination (tells the server to give up). */
    static Optional<DivertPacket> tcpResetForward(DivertPacket original) {
        Packet p = Packet.wrap(original.data().clone());
        Optional<TcpHeader> tcp = p.tcp();
        if (tcp.isEmpty()) {
            return Optional.empty();
        }
        TcpHeader t = tcp.get();
        return Optional.of(tcp(Flow.of(p), false, t.seqNum(), 0, TcpHeader.RST, new byte[0], original.address()));
    }

    private static DivertPacket tcp(Flow f, boolean reverse, long seq, long ack, int flags, byte[] payload, Address orig) {
        int ipLen = f.ipv6() ? IPV6_HEADER : IPV4_HEADER;
        byte[] out = new byte[ipLen + TCP_HEADER + payload.length];
        ByteBuffer b = ByteBuffer.wrap(out);
        ipHeader(b, f, reverse, 6, out.length);
        b.putShort(ipLen, (short) (reverse ? f.dstPort() : f.srcPort()));
        b.putShort(ipLen + 2, (short) (reverse ? f.srcPort() : f.dstPort()));
        b.putInt(ipLen + 4, (int) seq);
        b.putInt(ipLen + 8, (int) ack);
        b.put(ipLen + 12, (byte) (5 << 4));
        b.put(ipLen + 13, (byte) flags);
        b.putShort(ipLen + 14, (short) (payload.length > 0 ? 0xFFFF : 0));
        b.put(ipLen + TCP_HEADER, payload);
        return finish(out, f.ipv6(), reverse, orig);
    }

    /**
     * An ICMP destination-unreachable (IPv4: type 3 code 3 port unreachable, with the original IP
     * header and 8 bytes) or ICMPv6 (type 1 code 4, as much of the original as fits 1280 bytes)
     * sent back to the original packet's sender. Empty for packets that must not be answered
     * with an ICMP error (ICMP and ICMPv6 packets themselves).
     */
    static Optional<DivertPacket> icmpUnreachable(DivertPacket original) {
        Packet p = Packet.wrap(original.data().clone());
        if (p.icmp().isPresent() || p.icmpv6().isPresent() || !p.isIp()) {
            return Optional.empty();
        }
        Flow f = Flow.of(p);
        byte[] data = original.data();
        int quoted;
        int ipLen;
        if (f.ipv6()) {
            ipLen = IPV6_HEADER;
            quoted = Math.min(data.length, IPV6_MIN_MTU - IPV6_HEADER - 8);
        } else {
            ipLen = IPV4_HEADER;
            quoted = Math.min(data.length, p.ipv4().map(Ipv4Header::headerLength).orElse(IPV4_HEADER) + 8);
        }
        byte[] out = new byte[ipLen + 8 + quoted];
        ByteBuffer b = ByteBuffer.wrap(out);
        ipHeader(b, f, true, f.ipv6() ? 58 : 1, out.length);
        b.put(ipLen, (byte) (f.ipv6() ? 1 : 3));
        b.put(ipLen + 1, (byte) (f.ipv6() ? 4 : 3));
        b.put(ipLen + 8, data, 0, quoted);
        return Optional.of(finish(out, f.ipv6(), true, original.address()));
    }

    private static void ipHeader(ByteBuffer b, Flow f, boolean reverse, int protocol, int totalLength) {
        byte[] src = reverse ? f.dst() : f.src();
        byte[] dst = reverse ? f.src() : f.dst();
        if (f.ipv6()) {
            b.put(0, (byte) 0x60);
            b.putShort(4, (short) (totalLength - IPV6_HEADER));
            b.put(6, (byte) protocol);
            b.put(7, (byte) TTL);
            b.put(8, src);
            b.put(24, dst);
        } else {
            b.put(0, (byte) 0x45);
            b.putShort(2, (short) totalLength);
            b.putShort(6, (short) 0x4000);
            b.put(8, (byte) TTL);
            b.put(9, (byte) protocol);
            b.put(12, src);
            b.put(16, dst);
        }
    }

    /**
     * Checksums, and the direction: an answer travels opposite to the original, except on
     * loopback, which is only ever seen (and injected) outbound.
     */
    private static DivertPacket finish(byte[] out, boolean ipv6, boolean reverse, Address orig) {
        boolean outbound = orig.loopback() || (reverse ? !orig.outbound() : orig.outbound());
        LayerData.Network n = orig.data() instanceof LayerData.Network net ? net : LayerData.Network.NONE;
        Address a = new Address(0, orig.layer() == Layer.NETWORK_FORWARD ? Layer.NETWORK_FORWARD : Layer.NETWORK,
                0, false, outbound, orig.loopback(), false, ipv6, false, false, false, n);
        a = Packet.wrap(out).recalculateChecksums(0).applyTo(a);
        return new DivertPacket(out, a);
    }

    /** The HTTP response a blocked request gets. */
    static byte[] blockPage(String host) {
        String body = "<html><body><h1>Blocked</h1><p>Access to " + host.replace("<", "&lt;")
                + " was blocked by divert4j webfilter.</p></body></html>\n";
        String response = "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\nConnection: close\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        return response.getBytes(StandardCharsets.UTF_8);
    }
}
