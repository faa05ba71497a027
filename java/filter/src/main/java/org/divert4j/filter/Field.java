package org.divert4j.filter;

import org.divert4j.abi.Layer;

/**
 * The filter fields with their numbers in compiled programs, their names in filter text and
 * the layers they are legal in (docs/spec/filter-object.md a.2, docs/spec/filter-language.md §5).
 */
public enum Field {
    /** {@code zero} (id 0). */
    ZERO(0, "zero", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET | L.REFLECT, false, 0),
    /** {@code inbound} (id 1). */
    INBOUND(1, "inbound", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code outbound} (id 2). */
    OUTBOUND(2, "outbound", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code ifIdx} (id 3). */
    IFIDX(3, "ifIdx", L.NETWORK | L.FORWARD, false, 0),
    /** {@code subIfIdx} (id 4). */
    SUBIFIDX(4, "subIfIdx", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip} (id 5). */
    IP(5, "ip", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code ipv6} (id 6). */
    IPV6(6, "ipv6", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code icmp} (id 7). */
    ICMP(7, "icmp", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code tcp} (id 8). */
    TCP(8, "tcp", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code udp} (id 9). */
    UDP(9, "udp", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code icmpv6} (id 10). */
    ICMPV6(10, "icmpv6", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET, false, 0),
    /** {@code ip.HdrLength} (id 11). */
    IP_HDRLENGTH(11, "ip.HdrLength", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.TOS} (id 12). */
    IP_TOS(12, "ip.TOS", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.Length} (id 13). */
    IP_LENGTH(13, "ip.Length", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.Id} (id 14). */
    IP_ID(14, "ip.Id", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.DF} (id 15). */
    IP_DF(15, "ip.DF", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.MF} (id 16). */
    IP_MF(16, "ip.MF", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.FragOff} (id 17). */
    IP_FRAGOFF(17, "ip.FragOff", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.TTL} (id 18). */
    IP_TTL(18, "ip.TTL", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.Protocol} (id 19). */
    IP_PROTOCOL(19, "ip.Protocol", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.Checksum} (id 20). */
    IP_CHECKSUM(20, "ip.Checksum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ip.SrcAddr} (id 21). */
    IP_SRCADDR(21, "ip.SrcAddr", L.NETWORK | L.FORWARD, true, 0),
    /** {@code ip.DstAddr} (id 22). */
    IP_DSTADDR(22, "ip.DstAddr", L.NETWORK | L.FORWARD, true, 0),
    /** {@code ipv6.TrafficClass} (id 23). */
    IPV6_TRAFFICCLASS(23, "ipv6.TrafficClass", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ipv6.FlowLabel} (id 24). */
    IPV6_FLOWLABEL(24, "ipv6.FlowLabel", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ipv6.Length} (id 25). */
    IPV6_LENGTH(25, "ipv6.Length", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ipv6.NextHdr} (id 26). */
    IPV6_NEXTHDR(26, "ipv6.NextHdr", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ipv6.HopLimit} (id 27). */
    IPV6_HOPLIMIT(27, "ipv6.HopLimit", L.NETWORK | L.FORWARD, false, 0),
    /** {@code ipv6.SrcAddr} (id 28). */
    IPV6_SRCADDR(28, "ipv6.SrcAddr", L.NETWORK | L.FORWARD, true, 0),
    /** {@code ipv6.DstAddr} (id 29). */
    IPV6_DSTADDR(29, "ipv6.DstAddr", L.NETWORK | L.FORWARD, true, 0),
    /** {@code icmp.Type} (id 30). */
    ICMP_TYPE(30, "icmp.Type", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmp.Code} (id 31). */
    ICMP_CODE(31, "icmp.Code", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmp.Checksum} (id 32). */
    ICMP_CHECKSUM(32, "icmp.Checksum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmp.Body} (id 33). */
    ICMP_BODY(33, "icmp.Body", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmpv6.Type} (id 34). */
    ICMPV6_TYPE(34, "icmpv6.Type", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmpv6.Code} (id 35). */
    ICMPV6_CODE(35, "icmpv6.Code", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmpv6.Checksum} (id 36). */
    ICMPV6_CHECKSUM(36, "icmpv6.Checksum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code icmpv6.Body} (id 37). */
    ICMPV6_BODY(37, "icmpv6.Body", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.SrcPort} (id 38). */
    TCP_SRCPORT(38, "tcp.SrcPort", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.DstPort} (id 39). */
    TCP_DSTPORT(39, "tcp.DstPort", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.SeqNum} (id 40). */
    TCP_SEQNUM(40, "tcp.SeqNum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.AckNum} (id 41). */
    TCP_ACKNUM(41, "tcp.AckNum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.HdrLength} (id 42). */
    TCP_HDRLENGTH(42, "tcp.HdrLength", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Urg} (id 43). */
    TCP_URG(43, "tcp.Urg", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Ack} (id 44). */
    TCP_ACK(44, "tcp.Ack", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Psh} (id 45). */
    TCP_PSH(45, "tcp.Psh", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Rst} (id 46). */
    TCP_RST(46, "tcp.Rst", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Syn} (id 47). */
    TCP_SYN(47, "tcp.Syn", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Fin} (id 48). */
    TCP_FIN(48, "tcp.Fin", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Window} (id 49). */
    TCP_WINDOW(49, "tcp.Window", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.Checksum} (id 50). */
    TCP_CHECKSUM(50, "tcp.Checksum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.UrgPtr} (id 51). */
    TCP_URGPTR(51, "tcp.UrgPtr", L.NETWORK | L.FORWARD, false, 0),
    /** {@code tcp.PayloadLength} (id 52). */
    TCP_PAYLOADLENGTH(52, "tcp.PayloadLength", L.NETWORK | L.FORWARD, false, 0),
    /** {@code udp.SrcPort} (id 53). */
    UDP_SRCPORT(53, "udp.SrcPort", L.NETWORK | L.FORWARD, false, 0),
    /** {@code udp.DstPort} (id 54). */
    UDP_DSTPORT(54, "udp.DstPort", L.NETWORK | L.FORWARD, false, 0),
    /** {@code udp.Length} (id 55). */
    UDP_LENGTH(55, "udp.Length", L.NETWORK | L.FORWARD, false, 0),
    /** {@code udp.Checksum} (id 56). */
    UDP_CHECKSUM(56, "udp.Checksum", L.NETWORK | L.FORWARD, false, 0),
    /** {@code udp.PayloadLength} (id 57). */
    UDP_PAYLOADLENGTH(57, "udp.PayloadLength", L.NETWORK | L.FORWARD, false, 0),
    /** {@code loopback} (id 58). */
    LOOPBACK(58, "loopback", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code impostor} (id 59). */
    IMPOSTOR(59, "impostor", L.NETWORK | L.FORWARD, false, 0),
    /** {@code processId} (id 60). */
    PROCESSID(60, "processId", L.FLOW | L.SOCKET | L.REFLECT, false, 0),
    /** {@code localAddr} (id 61). */
    LOCALADDR(61, "localAddr", L.NETWORK | L.FLOW | L.SOCKET, true, 0),
    /** {@code remoteAddr} (id 62). */
    REMOTEADDR(62, "remoteAddr", L.NETWORK | L.FLOW | L.SOCKET, true, 0),
    /** {@code localPort} (id 63). */
    LOCALPORT(63, "localPort", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code remotePort} (id 64). */
    REMOTEPORT(64, "remotePort", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code protocol} (id 65). */
    PROTOCOL(65, "protocol", L.NETWORK | L.FLOW | L.SOCKET, false, 0),
    /** {@code endpointId} (id 66). */
    ENDPOINTID(66, "endpointId", L.FLOW | L.SOCKET, true, 0),
    /** {@code parentEndpointId} (id 67). */
    PARENTENDPOINTID(67, "parentEndpointId", L.FLOW | L.SOCKET, true, 0),
    /** {@code layer} (id 68). */
    LAYER(68, "layer", L.REFLECT, false, 0),
    /** {@code priority} (id 69). */
    PRIORITY(69, "priority", L.REFLECT, false, 0),
    /** {@code event} (id 70). */
    EVENT(70, "event", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET | L.REFLECT, false, 0),
    /** {@code packet} (id 71). */
    PACKET(71, "packet", L.NETWORK | L.FORWARD, false, 1),
    /** {@code packet16} (id 72). */
    PACKET16(72, "packet16", L.NETWORK | L.FORWARD, false, 2),
    /** {@code packet32} (id 73). */
    PACKET32(73, "packet32", L.NETWORK | L.FORWARD, false, 4),
    /** {@code tcp.Payload} (id 74). */
    TCP_PAYLOAD(74, "tcp.Payload", L.NETWORK | L.FORWARD, false, 1),
    /** {@code tcp.Payload16} (id 75). */
    TCP_PAYLOAD16(75, "tcp.Payload16", L.NETWORK | L.FORWARD, false, 2),
    /** {@code tcp.Payload32} (id 76). */
    TCP_PAYLOAD32(76, "tcp.Payload32", L.NETWORK | L.FORWARD, false, 4),
    /** {@code udp.Payload} (id 77). */
    UDP_PAYLOAD(77, "udp.Payload", L.NETWORK | L.FORWARD, false, 1),
    /** {@code udp.Payload16} (id 78). */
    UDP_PAYLOAD16(78, "udp.Payload16", L.NETWORK | L.FORWARD, false, 2),
    /** {@code udp.Payload32} (id 79). */
    UDP_PAYLOAD32(79, "udp.Payload32", L.NETWORK | L.FORWARD, false, 4),
    /** {@code length} (id 80). */
    LENGTH(80, "length", L.NETWORK | L.FORWARD, false, 0),
    /** {@code timestamp} (id 81). */
    TIMESTAMP(81, "timestamp", L.NETWORK | L.FORWARD | L.FLOW | L.SOCKET | L.REFLECT, true, 0),
    /** {@code random8} (id 82). */
    RANDOM8(82, "random8", L.NETWORK | L.FORWARD, false, 0),
    /** {@code random16} (id 83). */
    RANDOM16(83, "random16", L.NETWORK | L.FORWARD, false, 0),
    /** {@code random32} (id 84). */
    RANDOM32(84, "random32", L.NETWORK | L.FORWARD, false, 0),
    /** {@code fragment} (id 85). */
    FRAGMENT(85, "fragment", L.NETWORK | L.FORWARD, false, 0);


    /** Layer bits, one per {@link Layer#value()}. */
    private static final class L {
        static final int NETWORK = 1;
        static final int FORWARD = 2;
        static final int FLOW = 4;
        static final int SOCKET = 8;
        static final int REFLECT = 16;
    }

    /** The largest field id. */
    public static final int MAX_ID = 85;

    private static final Field[] BY_ID = values();
    private static final java.util.Map<String, Field> BY_NAME = new java.util.HashMap<>();

    static {
        for (Field f : BY_ID) {
            BY_NAME.put(f.text, f);
        }
    }

    private final int id;
    private final String text;
    private final int layers;
    private final boolean wide;
    private final int elementSize;

    Field(int id, String text, int layers, boolean wide, int elementSize) {
        this.id = id;
        this.text = text;
        this.layers = layers;
        this.wide = wide;
        this.elementSize = elementSize;
    }

    /** The field number in compiled programs (0…85). */
    public int id() {
        return id;
    }

    /** The field's name in filter text (case-sensitive). */
    public String text() {
        return text;
    }

    /** True if the field may be used in a filter for {@code layer}. */
    public boolean legalIn(Layer layer) {
        return (layers & (1 << layer.value())) != 0;
    }

    /** True if comparisons use all 128 bits of the constant (otherwise only the low 32). */
    public boolean wide() {
        return wide;
    }

    /** True for the array fields ({@code packet[i]}, {@code tcp.Payload16[i]}, ...). */
    public boolean isArray() {
        return elementSize != 0;
    }

    /** Bytes per element of an array field; 0 for scalar fields. */
    public int elementSize() {
        return elementSize;
    }

    /**
     * The field with the given id.
     *
     * @throws IllegalArgumentException if {@code id} is not 0…85
     */
    public static Field of(int id) {
        if (id < 0 || id > MAX_ID) {
            throw new IllegalArgumentException("unknown filter field " + id + " (expected 0.." + MAX_ID + ")");
        }
        return BY_ID[id];
    }

    /** The field named {@code text} in filter syntax, or null. */
    public static Field byText(String text) {
        return BY_NAME.get(text);
    }
}
