package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongUnaryOperator;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.U128;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.IpAddresses;
import org.divert4j.packet.Packet;
import org.divert4j.packet.Transport;

/**
 * A received packet or event as named fields, printed as one JSON object or one text line.
 * Times are {@code epochNanos} (nanoseconds since the Unix epoch) with the address record's raw
 * performance-counter value beside them as {@code counter}.
 */
final class Describe {
    private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

    private Describe() {
    }

    /**
     * The fields of a packet or event, in a stable order; {@code clock} converts the record's
     * counter values to epoch nanoseconds (the handle's {@code toEpochNanos}).
     */
    static Map<String, Object> fields(DivertPacket p, LongUnaryOperator clock) {
        Address a = p.address();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochNanos", clock.applyAsLong(a.timestamp()));
        m.put("counter", a.timestamp());
        m.put("layer", a.layer().name());
        m.put("event", a.event() <= 9 ? Event.of(a.event()).name() : a.event());
        m.put("outbound", a.outbound());
        m.put("loopback", a.loopback());
        m.put("impostor", a.impostor());
        m.put("sniffed", a.sniffed());
        m.put("ipv6", a.ipv6());
        LayerData d = a.data();
        if (d instanceof LayerData.Network n) {
            m.put("ifIdx", Integer.toUnsignedLong(n.ifIdx()));
            m.put("subIfIdx", Integer.toUnsignedLong(n.subIfIdx()));
            m.put("length", p.length());
            packet(p.data(), m);
        } else if (d instanceof LayerData.Endpoint e) {
            m.put("processId", Integer.toUnsignedLong(e.processId()));
            m.put("endpointId", Long.toUnsignedString(e.endpointId()));
            m.put("parentEndpointId", Long.toUnsignedString(e.parentEndpointId()));
            m.put("protocol", e.protocol());
            m.put("src", address(e.localAddr()));
            m.put("dst", address(e.remoteAddr()));
            m.put("srcPort", e.localPort());
            m.put("dstPort", e.remotePort());
        } else if (d instanceof LayerData.Reflect r) {
            m.put("processId", Integer.toUnsignedLong(r.processId()));
            m.put("handleLayer", r.layer().name());
            m.put("handleFlags", OpenFlag.fromBits(r.flags() & OpenFlag.ALL).toString());
            m.put("handlePriority", (int) r.priority());
            m.put("handleOpenedEpochNanos", clock.applyAsLong(r.timestamp()));
            m.put("handleOpenedCounter", r.timestamp());
            int end = p.length() > 0 && p.data()[p.length() - 1] == 0 ? p.length() - 1 : p.length();
            m.put("filter", new String(p.data(), 0, end, StandardCharsets.US_ASCII));
        }
        return m;
    }

    /** An address-record address (IPv4-mapped ones in dotted form). */
    static String address(U128 v) {
        return IpAddresses.formatIpv6(v);
    }

    private static void packet(byte[] data, Map<String, Object> m) {
        Packet packet = Packet.wrap(data);
        Optional<Decomposition> parsed = packet.decomposition();
        if (parsed.isEmpty()) {
            m.put("protocol", null);
            return;
        }
        Decomposition d = parsed.get();
        ByteBuffer b = ByteBuffer.wrap(data);
        m.put("protocol", d.protocol());
        if (d.isIpv4()) {
            m.put("src", IpAddresses.formatIpv4(b.getInt(12)));
            m.put("dst", IpAddresses.formatIpv4(b.getInt(16)));
        } else {
            m.put("src", IpAddresses.formatIpv6(U128.fromBytes(data, 8)));
            m.put("dst", IpAddresses.formatIpv6(U128.fromBytes(data, 24)));
        }
        boolean ports = d.transport() == Transport.TCP || d.transport() == Transport.UDP;
        m.put("srcPort", ports ? b.getShort(d.transportOffset()) & 0xFFFF : null);
        m.put("dstPort", ports ? b.getShort(d.transportOffset() + 2) & 0xFFFF : null);
        m.put("payloadLength", d.payloadLength());
        m.put("headers", Headers.of(packet));
    }

    /** A packet or event as one JSON object on one line, or as one text line. */
    static String line(DivertPacket p, LongUnaryOperator clock, boolean json) {
        Map<String, Object> m = fields(p, clock);
        return json ? JsonOut.line(m) : text(m);
    }

    /** One human-readable line. */
    static String text(Map<String, Object> m) {
        StringBuilder s = new StringBuilder();
        s.append(TIME_OF_DAY.format(Instant.ofEpochSecond(0, (Long) m.get("epochNanos")).atZone(ZoneId.systemDefault())));
        s.append(' ').append(m.get("layer")).append(' ').append(m.get("event"));
        s.append(Boolean.TRUE.equals(m.get("outbound")) ? " outbound" : " inbound");
        if (Boolean.TRUE.equals(m.get("loopback"))) {
            s.append(" loopback");
        }
        if (m.containsKey("ifIdx")) {
            s.append(" if=").append(m.get("ifIdx")).append('.').append(m.get("subIfIdx"));
            s.append(" len=").append(m.get("length"));
        }
        if (m.containsKey("processId")) {
            s.append(" pid=").append(m.get("processId"));
        }
        if (m.get("protocol") != null) {
            s.append(" proto=").append(m.get("protocol"));
        }
        if (m.get("src") != null) {
            s.append(' ').append(endpoint(m.get("src"), m.get("srcPort"))).append(" -> ")
                    .append(endpoint(m.get("dst"), m.get("dstPort")));
        }
        if (m.get("headers") instanceof Map<?, ?> h) {
            transport(s, h);
        }
        if (m.containsKey("filter")) {
            s.append(" handle=").append(m.get("handleLayer")).append(" prio=").append(m.get("handlePriority"))
                    .append(" flags=").append(m.get("handleFlags")).append(" filter=").append(m.get("filter"));
        }
        return s.toString();
    }

    /** ICMP/ICMPv6 type and code, TCP flags as tcpdump writes them ({@code [S.]}), payload length. */
    private static void transport(StringBuilder s, Map<?, ?> headers) {
        Object icmp = headers.containsKey("icmp") ? headers.get("icmp") : headers.get("icmpv6");
        if (icmp instanceof Map<?, ?> i) {
            s.append(" type=").append(i.get("type")).append(" code=").append(i.get("code"));
        }
        if (headers.get("tcp") instanceof Map<?, ?> t) {
            StringBuilder flags = new StringBuilder();
            String[][] order = {{"fin", "F"}, {"syn", "S"}, {"rst", "R"}, {"psh", "P"}, {"ack", "."}, {"urg", "U"}};
            for (String[] f : order) {
                if (Boolean.TRUE.equals(t.get(f[0]))) {
                    flags.append(f[1]);
                }
            }
            s.append(" flags=[").append(flags.length() == 0 ? "none" : flags).append(']');
            s.append(" seq=").append(t.get("seqNum")).append(" ack=").append(t.get("ackNum"))
                    .append(" win=").append(t.get("window"));
        }
    }

    private static String endpoint(Object addr, Object port) {
        String a = String.valueOf(addr);
        if (port == null) {
            return a;
        }
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }
}
