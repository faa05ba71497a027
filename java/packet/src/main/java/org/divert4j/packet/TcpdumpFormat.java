package org.divert4j.packet;

import java.util.Optional;
import org.divert4j.packet.header.IcmpMessage;
import org.divert4j.packet.header.TcpHeader;

/** The one-line, tcpdump-like summary behind {@link Packet#toString()}. */
final class TcpdumpFormat {
    private static final int ICMP_ECHO_REPLY = 0;
    private static final int ICMP_ECHO_REQUEST = 8;
    private static final int ICMPV6_ECHO_REQUEST = 128;
    private static final int ICMPV6_ECHO_REPLY = 129;
    /** tcpdump's letters for the TCP flag bits, lowest bit first (0x40 ECE, 0x80 CWR). */
    private static final String FLAG_LETTERS = "FSRP.UEW";

    private TcpdumpFormat() {
    }

    static String format(Packet p) {
        Optional<Decomposition> od = p.decomposition();
        if (od.isEmpty()) {
            return "not IP, length " + p.length() + ": " + p.toHex();
        }
        Decomposition d = od.get();
        String src = p.ipv4().map(h -> IpAddresses.formatIpv4(h.srcAddr()))
                .orElseGet(() -> IpAddresses.formatIpv6(p.ipv6().orElseThrow().srcAddr()));
        String dst = p.ipv4().map(h -> IpAddresses.formatIpv4(h.dstAddr()))
                .orElseGet(() -> IpAddresses.formatIpv6(p.ipv6().orElseThrow().dstAddr()));
        StringBuilder sb = new StringBuilder(d.isIpv4() ? "IP " : "IP6 ");
        switch (d.transport()) {
            case TCP -> tcp(sb, src, dst, p.tcp().orElseThrow(), d.payloadLength());
            case UDP -> sb.append(src).append('.').append(p.srcPort().getAsInt()).append(" > ")
                    .append(dst).append('.').append(p.dstPort().getAsInt())
                    .append(": UDP, length ").append(d.payloadLength());
            case ICMP, ICMPV6 -> icmp(sb.append(src).append(" > ").append(dst).append(": "), d,
                    p.icmp().<IcmpMessage>map(h -> h).or(p::icmpv6).orElseThrow());
            default -> sb.append(src).append(" > ").append(dst).append(": ip-proto-").append(d.protocol())
                    .append(", length ").append(d.payloadLength());
        }
        if (d.fragment()) {
            sb.append(" (fragment, offset ").append(d.fragmentOffset()).append(d.moreFragments() ? ", more" : "")
                    .append(')');
        }
        if (d.truncated()) {
            sb.append(" [truncated]");
        }
        return sb.toString();
    }

    private static void tcp(StringBuilder sb, String src, String dst, TcpHeader t, int length) {
        sb.append(src).append('.').append(t.srcPort()).append(" > ").append(dst).append('.').append(t.dstPort())
                .append(": Flags [");
        int flags = t.flags();
        if (flags == 0) {
            sb.append("none");
        }
        for (int bit = 0; bit < FLAG_LETTERS.length(); bit++) {
            if ((flags & 1 << bit) != 0) {
                sb.append(FLAG_LETTERS.charAt(bit));
            }
        }
        sb.append(']');
        // Like tcpdump, a bare ACK shows no sequence number; data shows the range it covers.
        if (length > 0 || (flags & (TcpHeader.SYN | TcpHeader.FIN | TcpHeader.RST)) != 0) {
            sb.append(", seq ").append(t.seqNum());
            if (length > 0) {
                sb.append(':').append((t.seqNum() + length) & 0xFFFFFFFFL);
            }
        }
        if (t.ack()) {
            sb.append(", ack ").append(t.ackNum());
        }
        sb.append(", win ").append(t.window()).append(", length ").append(length);
    }

    private static void icmp(StringBuilder sb, Decomposition d, IcmpMessage m) {
        boolean v4 = d.isIpv4();
        sb.append(v4 ? "ICMP " : "ICMP6, ");
        int type = m.type();
        String echo = type == (v4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST) ? "echo request"
                : type == (v4 ? ICMP_ECHO_REPLY : ICMPV6_ECHO_REPLY) ? "echo reply" : null;
        if (echo != null) {
            long body = m.body();
            sb.append(echo).append(", id ").append(body >>> 16).append(", seq ").append(body & 0xFFFF);
        } else {
            sb.append("type ").append(type).append(", code ").append(m.code());
        }
        // Like tcpdump, the ICMP length counts the ICMP header with its data.
        sb.append(", length ").append(IcmpMessage.LENGTH + d.payloadLength());
    }
}
