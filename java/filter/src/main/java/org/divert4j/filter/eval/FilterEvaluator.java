package org.divert4j.filter.eval;

import java.nio.ByteBuffer;
import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.SignMagnitude;
import org.divert4j.packet.Decomposition;
import org.divert4j.packet.PacketHash;
import org.divert4j.packet.Transport;

/**
 * Executes compiled filter programs over a packet and its address exactly as WinDivert does
 * (filter-object.md a.4, filter-language.md §5 and §8), quirks included: narrow fields compare
 * only the constant's low 32 bits, an irrelevant test is false, {@code ip}/{@code ipv6} are 0 at
 * FLOW and SOCKET, {@code ipv6.FlowLabel} has its byte-order slip, {@code length} is the buffer
 * length, and {@code random*} come from the packet hash seeded with the timestamp.
 */
public final class FilterEvaluator {
    /** The most instructions one evaluation executes before it is declared broken. */
    public static final int MAX_STEPS = 257;

    private FilterEvaluator() {
    }

    /**
     * The entry point of {@code WinDivertHelperEvalFilter} (filter-language.md §8.5) for an
     * already compiled program: the layer is the address's; at NETWORK and NETWORK_FORWARD the
     * packet must decompose and agree with the address's IPv6 flag; at FLOW and SOCKET there must
     * be no packet; at REFLECT the packet is ignored.
     *
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes (the value of {@code length})
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     */
    public static boolean evaluate(List<Instruction> program, ByteBuffer packet, int offset, int length,
            Address address) throws FilterEvaluationException {
        return execute(program, address.layer(), entryPacket(packet, offset, length, address), address);
    }

    /** The entry checks of §8.5 step 2; the decomposed packet at the network layers, else null. */
    private static PacketView entryPacket(ByteBuffer packet, int offset, int length, Address address)
            throws FilterEvaluationException {
        Layer layer = address.layer();
        PacketView view = null;
        switch (layer) {
            case NETWORK, NETWORK_FORWARD -> {
                if (packet == null) {
                    throw new FilterEvaluationException("layer " + layer + " needs a packet");
                }
                view = PacketView.of(packet, offset, length).orElseThrow(() -> new FilterEvaluationException(
                        "the " + length + " bytes are not a valid IPv4 or IPv6 packet"));
                if (address.ipv6() != view.headers().isIpv6()) {
                    throw new FilterEvaluationException("the address IPv6 flag is " + (address.ipv6() ? "set" : "clear")
                            + " but the packet is IPv" + view.headers().ipVersion());
                }
            }
            case FLOW, SOCKET -> {
                if (packet != null) {
                    throw new FilterEvaluationException("layer " + layer + " events carry no packet");
                }
            }
            case REFLECT -> { }
        }
        return view;
    }

    /**
     * {@code WinDivertHelperEvalFilter} (filter-language.md §8.5): checks the packet against the
     * address's layer, compiles the filter (text is folded; an object string is decoded without
     * layer checks) for that layer and runs it. Every failure is an {@link Outcome#ERROR} verdict
     * saying why: WinDivert's FALSE with ERROR_INVALID_PARAMETER.
     *
     * @param filter filter text or an object string
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes
     */
    public static Verdict evaluate(String filter, ByteBuffer packet, int offset, int length, Address address) {
        PacketView view;
        try {
            view = entryPacket(packet, offset, length, address);
        } catch (FilterEvaluationException e) {
            return Verdict.error(e.getMessage());
        }
        List<Instruction> program;
        try {
            program = FilterCompiler.compile(filter, address.layer()).instructions();
        } catch (FilterException e) {
            return Verdict.error(e.getMessage());
        }
        try {
            return Verdict.of(execute(program, address.layer(), view, address));
        } catch (FilterEvaluationException e) {
            return Verdict.error(e.getMessage());
        }
    }

    /** {@link #evaluate(List, ByteBuffer, int, int, Address)} for a whole array, or null. */
    public static boolean evaluate(List<Instruction> program, byte[] packet, Address address)
            throws FilterEvaluationException {
        return packet == null ? evaluate(program, null, 0, 0, address)
                : evaluate(program, ByteBuffer.wrap(packet), 0, packet.length, address);
    }

    /**
     * Runs a program (filter-object.md a.4) without the entry-point checks of §8.5.
     *
     * @param layer the layer the program runs at; decides which fields are legal
     * @param packet the decomposed packet at NETWORK/NETWORK_FORWARD; ignored elsewhere
     * @param address the address; its layer data must be the one of {@code layer}
     * @throws FilterEvaluationException if an executed instruction uses a field illegal for the
     *     layer, an unknown field or test, a label outside the program, or the program runs
     *     more than {@link #MAX_STEPS} steps
     */
    public static boolean execute(List<Instruction> program, Layer layer, PacketView packet, Address address)
            throws FilterEvaluationException {
        if (layer.isNetwork() && packet == null) {
            throw new FilterEvaluationException("layer " + layer + " needs a packet");
        }
        if (!fits(layer, address.data())) {
            throw new FilterEvaluationException("the address carries " + address.layer() + " data, not " + layer);
        }
        Run run = new Run(layer, layer.isNetwork() ? packet : null, address);
        int pc = 0;
        // The value loaded last stays valid while the same field (and array index) is tested
        // again, as in "tcp.DstPort == 22 or tcp.DstPort == 25 or ...".
        Field loaded = null;
        int loadedIndex = 0;
        boolean relevant = false;
        for (int step = 0; step < MAX_STEPS; step++) {
            if (pc < 0 || pc >= program.size()) {
                throw new FilterEvaluationException("jump to instruction " + pc + " outside the program of "
                        + program.size());
            }
            Instruction ins = program.get(pc);
            if (ins.field() < 0 || ins.field() > Field.MAX_ID || ins.test() < 0 || ins.test() > 5) {
                throw new FilterEvaluationException("instruction " + pc + " has unknown field " + ins.field()
                        + " or test " + ins.test());
            }
            Field field = Field.of(ins.field());
            if (!field.legalIn(layer)) {
                throw new FilterEvaluationException("instruction " + pc + " uses " + field.text()
                        + ", which is not legal at layer " + layer);
            }
            if (field != loaded || field.isArray() && ins.arg1() != loadedIndex) {
                relevant = run.load(field, ins.arg1());
                loaded = field;
                loadedIndex = ins.arg1();
            }
            boolean ok = relevant && Comparison.of(ins.test()).holds(run.compare(field, ins));
            pc = ok ? ins.success() : ins.failure();
            if (pc == Instruction.ACCEPT) {
                return true;
            }
            if (pc == Instruction.REJECT) {
                return false;
            }
        }
        throw new FilterEvaluationException("the program did not finish within " + MAX_STEPS + " steps");
    }

    private static boolean fits(Layer layer, LayerData data) {
        return switch (layer) {
            case NETWORK, NETWORK_FORWARD -> data instanceof LayerData.Network;
            case FLOW, SOCKET -> data instanceof LayerData.Endpoint;
            case REFLECT -> data instanceof LayerData.Reflect;
        };
    }

    /** One evaluation: the inputs, the value just loaded and the cached packet hash. */
    private static final class Run {
        private final Layer layer;
        private final PacketView p;
        private final Decomposition d;
        private final Address a;
        private boolean hashed;
        private long hash;
        private boolean neg;
        private long hi;
        private long lo;

        Run(Layer layer, PacketView packet, Address address) {
            this.layer = layer;
            this.p = packet;
            this.d = packet == null ? null : packet.headers();
            this.a = address;
        }

        int compare(Field field, Instruction ins) {
            if (field.wide()) {
                return SignMagnitude.compare(neg, hi, lo, ins.neg(), SignMagnitude.high(ins), SignMagnitude.low(ins));
            }
            return SignMagnitude.compareNarrow(neg, (int) lo, ins.neg(), ins.arg0());
        }

        private boolean value(long v) {
            neg = false;
            hi = 0;
            lo = v;
            return true;
        }

        private boolean value(boolean v) {
            return value(v ? 1 : 0);
        }

        private boolean signed(long v) {
            neg = v < 0;
            hi = 0;
            lo = neg ? -v : v;
            return true;
        }

        private boolean value(U128 v) {
            neg = false;
            hi = v.hi();
            lo = v.lo();
            return true;
        }

        /** Loads the field's value; false if the field is not relevant for this packet/event. */
        boolean load(Field field, int index) {
            boolean endpoint = layer == Layer.FLOW || layer == Layer.SOCKET;
            switch (field) {
                case ZERO: return value(0);
                case INBOUND: return value(!a.outbound());
                case OUTBOUND: return value(a.outbound());
                case IFIDX: return value(a.network().ifIdx() & 0xFFFFFFFFL);
                case SUBIFIDX: return value(a.network().subIfIdx() & 0xFFFFFFFFL);
                case IP: return value(!endpoint && d.isIpv4());
                case IPV6: return value(!endpoint && d.isIpv6());
                case ICMP: return value(endpoint ? !a.ipv6() && a.endpoint().protocol() == 1
                        : d.transport() == Transport.ICMP);
                case TCP: return value(endpoint ? a.endpoint().protocol() == 6 : d.transport() == Transport.TCP);
                case UDP: return value(endpoint ? a.endpoint().protocol() == 17 : d.transport() == Transport.UDP);
                case ICMPV6: return value(endpoint ? a.ipv6() && a.endpoint().protocol() == 58
                        : d.transport() == Transport.ICMPV6);
                case IP_HDRLENGTH: return d.isIpv4() && value(p.u8(0) & 0x0F);
                case IP_TOS: return d.isIpv4() && value(p.u8(1));
                case IP_LENGTH: return d.isIpv4() && value(p.u16(2));
                case IP_ID: return d.isIpv4() && value(p.u16(4));
                case IP_DF: return d.isIpv4() && value((p.u8(6) & 0x40) != 0);
                case IP_MF: return d.isIpv4() && value((p.u8(6) & 0x20) != 0);
                case IP_FRAGOFF: return d.isIpv4() && value((p.u8(6) & 0x1F) << 8 | p.u8(7));
                case IP_TTL: return d.isIpv4() && value(p.u8(8));
                case IP_PROTOCOL: return d.isIpv4() && value(p.u8(9));
                case IP_CHECKSUM: return d.isIpv4() && value(p.u16(10));
                case IP_SRCADDR: return d.isIpv4() && value(U128.ipv4Mapped(p.u32(12)));
                case IP_DSTADDR: return d.isIpv4() && value(U128.ipv4Mapped(p.u32(16)));
                case IPV6_TRAFFICCLASS: return d.isIpv6() && value((p.u8(0) & 0x0F) << 4 | p.u8(1) >>> 4);
                case IPV6_FLOWLABEL:
                    // WinDivert's byte-order slip, reproduced (filter-language.md §5.4).
                    return d.isIpv6() && value((long) p.u8(2) << 24 | p.u8(3) << 16 | (p.u8(1) & 0x0F) << 8);
                case IPV6_LENGTH: return d.isIpv6() && value(p.u16(4));
                case IPV6_NEXTHDR: return d.isIpv6() && value(p.u8(6));
                case IPV6_HOPLIMIT: return d.isIpv6() && value(p.u8(7));
                case IPV6_SRCADDR: return d.isIpv6() && value(new U128(p.u64(8), p.u64(16)));
                case IPV6_DSTADDR: return d.isIpv6() && value(new U128(p.u64(24), p.u64(32)));
                case ICMP_TYPE: return transport(Transport.ICMP, 0, 1);
                case ICMP_CODE: return transport(Transport.ICMP, 1, 1);
                case ICMP_CHECKSUM: return transport(Transport.ICMP, 2, 2);
                case ICMP_BODY: return transport(Transport.ICMP, 4, 4);
                case ICMPV6_TYPE: return transport(Transport.ICMPV6, 0, 1);
                case ICMPV6_CODE: return transport(Transport.ICMPV6, 1, 1);
                case ICMPV6_CHECKSUM: return transport(Transport.ICMPV6, 2, 2);
                case ICMPV6_BODY: return transport(Transport.ICMPV6, 4, 4);
                case TCP_SRCPORT: return transport(Transport.TCP, 0, 2);
                case TCP_DSTPORT: return transport(Transport.TCP, 2, 2);
                case TCP_SEQNUM: return transport(Transport.TCP, 4, 4);
                case TCP_ACKNUM: return transport(Transport.TCP, 8, 4);
                case TCP_HDRLENGTH: return transport(Transport.TCP, 12, 1) && value(lo >>> 4);
                case TCP_URG: return tcpFlag(0x20);
                case TCP_ACK: return tcpFlag(0x10);
                case TCP_PSH: return tcpFlag(0x08);
                case TCP_RST: return tcpFlag(0x04);
                case TCP_SYN: return tcpFlag(0x02);
                case TCP_FIN: return tcpFlag(0x01);
                case TCP_WINDOW: return transport(Transport.TCP, 14, 2);
                case TCP_CHECKSUM: return transport(Transport.TCP, 16, 2);
                case TCP_URGPTR: return transport(Transport.TCP, 18, 2);
                case TCP_PAYLOADLENGTH: return d.transport() == Transport.TCP && value(d.payloadLength());
                case UDP_SRCPORT: return transport(Transport.UDP, 0, 2);
                case UDP_DSTPORT: return transport(Transport.UDP, 2, 2);
                case UDP_LENGTH: return transport(Transport.UDP, 4, 2);
                case UDP_CHECKSUM: return transport(Transport.UDP, 6, 2);
                case UDP_PAYLOADLENGTH: return d.transport() == Transport.UDP && value(d.payloadLength());
                case LOOPBACK: return value(a.loopback());
                case IMPOSTOR: return value(a.impostor());
                case PROCESSID: return value((layer == Layer.REFLECT ? a.reflect().processId()
                        : a.endpoint().processId()) & 0xFFFFFFFFL);
                case LOCALADDR: return endpoint ? value(a.endpoint().localAddr()) : value(packetAddress(a.outbound()));
                case REMOTEADDR: return endpoint ? value(a.endpoint().remoteAddr())
                        : value(packetAddress(!a.outbound()));
                case LOCALPORT: return value(endpoint ? a.endpoint().localPort() : packetPort(a.outbound()));
                case REMOTEPORT: return value(endpoint ? a.endpoint().remotePort() : packetPort(!a.outbound()));
                case PROTOCOL: return value(endpoint ? a.endpoint().protocol() : d.protocol());
                case ENDPOINTID: return value(U128.of(a.endpoint().endpointId()));
                case PARENTENDPOINTID: return value(U128.of(a.endpoint().parentEndpointId()));
                case LAYER: return value(a.reflect().layer().value());
                case PRIORITY: return signed(a.reflect().priority());
                case EVENT: return value(a.event());
                case PACKET, PACKET16, PACKET32: return element(field, 0, p.length(), index);
                case TCP_PAYLOAD, TCP_PAYLOAD16, TCP_PAYLOAD32: return payload(Transport.TCP, field, index);
                case UDP_PAYLOAD, UDP_PAYLOAD16, UDP_PAYLOAD32: return payload(Transport.UDP, field, index);
                case LENGTH: return value(p.length());
                case TIMESTAMP: return signed(a.timestamp());
                case RANDOM8: return value(PacketHash.random8(hash()));
                case RANDOM16: return value(PacketHash.random16(hash()));
                case RANDOM32: return value(PacketHash.random32(hash()));
                case FRAGMENT: return value(d.fragment());
                default: throw new AssertionError(field);
            }
        }

        /** A big-endian header field of {@code size} bytes at {@code at} in the transport header. */
        private boolean transport(Transport t, int at, int size) {
            if (d.transport() != t) {
                return false;
            }
            int o = d.transportOffset() + at;
            return value(switch (size) {
                case 1 -> p.u8(o);
                case 2 -> p.u16(o);
                default -> p.u32(o) & 0xFFFFFFFFL;
            });
        }

        private boolean tcpFlag(int bit) {
            return d.transport() == Transport.TCP && value((p.u8(d.transportOffset() + 13) & bit) != 0);
        }

        /** The local (outbound: source) or remote address of the packet, IPv4 mapped. */
        private U128 packetAddress(boolean source) {
            if (d.isIpv4()) {
                return U128.ipv4Mapped(p.u32(source ? 12 : 16));
            }
            int at = source ? 8 : 24;
            return new U128(p.u64(at), p.u64(at + 8));
        }

        /** TCP/UDP: the source or destination port; ICMP/ICMPv6: the type on the source side. */
        private int packetPort(boolean source) {
            int t = d.transportOffset();
            return switch (d.transport()) {
                case TCP, UDP -> p.u16(t + (source ? 0 : 2));
                case ICMP, ICMPV6 -> source ? p.u8(t) : 0;
                case NONE -> 0;
            };
        }

        private boolean payload(Transport t, Field field, int index) {
            return d.transport() == t && element(field, d.payloadOffset(), d.payloadOffset() + d.payloadLength(), index);
        }

        /** The element at signed byte index {@code index} of the window [lo, hi), if it fits. */
        private boolean element(Field field, int windowLo, int windowHi, int index) {
            int size = field.elementSize();
            long start = index >= 0 ? (long) windowLo + index : (long) windowHi + index;
            if (start < windowLo || start + size > windowHi) {
                return false;
            }
            int at = (int) start;
            return value(switch (size) {
                case 1 -> p.u8(at);
                case 2 -> p.u16(at);
                default -> p.u32(at) & 0xFFFFFFFFL;
            });
        }

        private long hash() {
            if (!hashed) {
                hash = PacketHash.hash(p.buffer(), p.offset(), d, a.timestamp());
                hashed = true;
            }
            return hash;
        }
    }
}
