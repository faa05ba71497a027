package org.divert4j.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.U128;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.IpAddresses;
import org.divert4j.packet.PacketParser;
import org.divert4j.packet.Transport;

/** A received packet or event as named fields, printed as one JSON object or one text line. */
final class Describe {
    private Describe() {
    }

    /** The fields of a packet or event, in a stable order. */
    static Map<String, Object> fields(DivertPacket p) {
        Address a = p.address();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("timestamp", a.timestamp());
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
            m.put("handleOpened", r.timestamp());
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
        ByteBuffer b = ByteBuffer.wrap(data);
        Optional<Decomposition> parsed = PacketParser.decompose(b);
        if (parsed.isEmpty()) {
            m.put("protocol", null);
            return;
        }
        Decomposition d = parsed.get();
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
    }

    /** One JSON object on one line. */
    static String json(Map<String, Object> m) {
        StringBuilder s = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append('"').append(e.getKey()).append("\":");
            Object v = e.getValue();
            if (v == null || v instanceof Boolean || v instanceof Number) {
                s.append(v);
            } else {
                quote(s, v.toString());
            }
        }
        return s.append('}').toString();
    }

    private static void quote(StringBuilder s, String v) {
        s.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        s.append('"');
    }

    /** One human-readable line. */
    static String text(Map<String, Object> m) {
        StringBuilder s = new StringBuilder();
        s.append(m.get("layer")).append(' ').append(m.get("event"));
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
        if (m.containsKey("filter")) {
            s.append(" handle=").append(m.get("handleLayer")).append(" prio=").append(m.get("handlePriority"))
                    .append(" flags=").append(m.get("handleFlags")).append(" filter=").append(m.get("filter"));
        }
        return s.toString();
    }

    private static String endpoint(Object addr, Object port) {
        String a = String.valueOf(addr);
        if (port == null) {
            return a;
        }
        return (a.indexOf(':') >= 0 ? "[" + a + "]" : a) + ":" + port;
    }
}
