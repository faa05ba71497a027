package org.divert4j.filter.eval;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.SignMagnitude;
import org.divert4j.packet.Decomposer;
import org.divert4j.packet.PacketHash;
import org.divert4j.packet.PacketParser;
import org.divert4j.packet.Transport;

/**
 * A compiled program prepared once for evaluating many packets: the same semantics as
 * {@link FilterEvaluator} (which runs through this class), with the per-instruction decoding
 * done up front. Evaluating a packet allocates nothing when the caller passes a
 * {@link Decomposer} it reuses for each packet (one per thread).
 *
 * <p>Preparing never fails: like WinDivert, an instruction with an unknown field or test, a
 * field illegal for the layer or a jump outside the program is an error only when it is
 * executed. Instances are immutable and safe to share between threads.
 *
 * <pre>{@code
 * PreparedProgram program = PreparedProgram.of(FilterCompiler.compile(text, Layer.NETWORK).instructions());
 * for (...) {
 *     if (program.evaluate(packetBytes, address)) { ... }
 * }
 * }</pre>
 */
public final class PreparedProgram {
    /** The loaded value of an irrelevant narrow field; no ordered key (below) takes it. */
    private static final long IRRELEVANT = Long.MIN_VALUE;
    /** The three-way result of an irrelevant wide field: no test passes on it. */
    private static final int IRRELEVANT_RESULT = 2;
    private static final int EQ = Comparison.EQ.id();
    private static final int NEQ = Comparison.NEQ.id();

    private final List<Instruction> instructions;
    private final Step[] steps;
    /** Each step's {@link Step#key}, in one array for the chain scans. */
    private final long[] keys;

    /** One instruction, decoded for execution. */
    private static final class Step {
        /** The field, or null if the instruction's field or test number is unknown. */
        final Field field;
        /** {@link Field#wide()} and {@link Field#isArray()} of the field, at hand. */
        final boolean wide;
        final boolean array;
        /** Bit {@code 1 << layer.value()} set where the field is legal. */
        final int layers;
        /** Bit {@code c + 1} set if the test passes for the three-way result c. */
        final int outcomes;
        final int test;
        final int success;
        final int failure;
        /** arg1: the element index of array fields. */
        final int index;
        /** How to read the field from a decomposed packet, or null. */
        final Load load;
        /** Narrow fields: the constant as an ordered key ({@link #orderedKey}). */
        final long key;
        /** Wide fields: the constant's sign and 128-bit magnitude. */
        final boolean neg;
        final long hi;
        final long lo;
        /**
         * Membership runs: the last instruction of the chain from this one (itself where there
         * is none). A chain is a sequence of EQ tests whose failure is the next instruction
         * ({@code f == a or f == b ...}), or of NEQ tests whose success is
         * ({@code f != a and f != b ...}), on one narrow field and array index.
         */
        int chainEnd;

        Step(Instruction ins) {
            boolean known = ins.field() >= 0 && ins.field() <= Field.MAX_ID && ins.test() >= 0 && ins.test() <= 5;
            field = known ? Field.of(ins.field()) : null;
            wide = known && field.wide();
            array = known && field.isArray();
            int legal = 0;
            int passes = 0;
            if (known) {
                for (Layer l : Layer.values()) {
                    legal |= field.legalIn(l) ? 1 << l.value() : 0;
                }
                Comparison c = Comparison.of(ins.test());
                for (int r = -1; r <= 1; r++) {
                    passes |= c.holds(r) ? 1 << r + 1 : 0;
                }
            }
            layers = legal;
            outcomes = passes;
            test = ins.test();
            success = ins.success();
            failure = ins.failure();
            index = ins.arg1();
            load = known ? Load.of(field) : null;
            key = orderedKey(ins.neg(), ins.arg0() & 0xFFFFFFFFL);
            neg = ins.neg();
            hi = SignMagnitude.high(ins);
            lo = SignMagnitude.low(ins);
        }

        /** Whether this step, when its test fails (EQ) or passes (NEQ), continues at {@code next} with the same value. */
        boolean linkedTo(Step next, int nextIndex) {
            return field != null && !field.wide() && next.field == field && next.test == test
                    && (!field.isArray() || next.index == index)
                    && (test == EQ && failure == nextIndex || test == NEQ && success == nextIndex);
        }
    }

    /**
     * How a narrow field is read from a decomposed packet without the field switch:
     * {@link #HEADER} {@code size} big-endian bytes at {@code at} in the IP header (when the
     * packet is IP version {@code version}) or in the transport header (when it is
     * {@code transport}), shifted right and masked; {@link #FLAG} whether the packet is that
     * IP version or transport; {@link #ELEMENT} the {@code size}-byte element at the step's
     * index in the packet ({@code transport} null) or in that transport's payload;
     * {@link #ADDRESS} the wide address at {@code at} in the IP header of version
     * {@code version} (IPv4 as its IPv4-mapped value).
     */
    private record Load(int kind, int version, Transport transport, int at, int size, int shift, int mask) {
        static final int HEADER = 0;
        static final int FLAG = 1;
        static final int ELEMENT = 2;
        static final int ADDRESS = 3;

        static Load ip(int version, int at, int size, int shift, int mask) {
            return new Load(HEADER, version, null, at, size, shift, mask);
        }

        static Load of(Transport t, int at, int size) {
            return new Load(HEADER, 0, t, at, size, 0, -1);
        }

        static Load tcp(int at, int shift, int mask) {
            return new Load(HEADER, 0, Transport.TCP, at, 1, shift, mask);
        }

        static Load flag(int version, Transport t) {
            return new Load(FLAG, version, t, 0, 0, 0, 0);
        }

        static Load element(Transport t, int size) {
            return new Load(ELEMENT, 0, t, 0, size, 0, 0);
        }

        static Load address(int version, int at) {
            return new Load(ADDRESS, version, null, at, 0, 0, 0);
        }

        /**
         * The table (docs/spec/filter-language.md §5) for the packet fields at the network layers; null
         * for the fields read by {@link PreparedProgram#narrow} and {@link PreparedProgram#compareWide}.
         */
        static Load of(Field f) {
            return switch (f) {
                case IP -> flag(4, null);
                case IPV6 -> flag(6, null);
                case ICMP -> flag(0, Transport.ICMP);
                case TCP -> flag(0, Transport.TCP);
                case UDP -> flag(0, Transport.UDP);
                case ICMPV6 -> flag(0, Transport.ICMPV6);
                case PACKET, PACKET16, PACKET32 -> element(null, f.elementSize());
                case TCP_PAYLOAD, TCP_PAYLOAD16, TCP_PAYLOAD32 -> element(Transport.TCP, f.elementSize());
                case UDP_PAYLOAD, UDP_PAYLOAD16, UDP_PAYLOAD32 -> element(Transport.UDP, f.elementSize());
                case IP_SRCADDR -> address(4, 12);
                case IP_DSTADDR -> address(4, 16);
                case IPV6_SRCADDR -> address(6, 8);
                case IPV6_DSTADDR -> address(6, 24);
                case IP_HDRLENGTH -> ip(4, 0, 1, 0, 0x0F);
                case IP_TOS -> ip(4, 1, 1, 0, 0xFF);
                case IP_LENGTH -> ip(4, 2, 2, 0, 0xFFFF);
                case IP_ID -> ip(4, 4, 2, 0, 0xFFFF);
                case IP_DF -> ip(4, 6, 1, 6, 1);
                case IP_MF -> ip(4, 6, 1, 5, 1);
                case IP_FRAGOFF -> ip(4, 6, 2, 0, 0x1FFF);
                case IP_TTL -> ip(4, 8, 1, 0, 0xFF);
                case IP_PROTOCOL -> ip(4, 9, 1, 0, 0xFF);
                case IP_CHECKSUM -> ip(4, 10, 2, 0, 0xFFFF);
                case IPV6_TRAFFICCLASS -> ip(6, 0, 2, 4, 0xFF);
                case IPV6_LENGTH -> ip(6, 4, 2, 0, 0xFFFF);
                case IPV6_NEXTHDR -> ip(6, 6, 1, 0, 0xFF);
                case IPV6_HOPLIMIT -> ip(6, 7, 1, 0, 0xFF);
                case ICMP_TYPE -> of(Transport.ICMP, 0, 1);
                case ICMP_CODE -> of(Transport.ICMP, 1, 1);
                case ICMP_CHECKSUM -> of(Transport.ICMP, 2, 2);
                case ICMP_BODY -> of(Transport.ICMP, 4, 4);
                case ICMPV6_TYPE -> of(Transport.ICMPV6, 0, 1);
                case ICMPV6_CODE -> of(Transport.ICMPV6, 1, 1);
                case ICMPV6_CHECKSUM -> of(Transport.ICMPV6, 2, 2);
                case ICMPV6_BODY -> of(Transport.ICMPV6, 4, 4);
                case TCP_SRCPORT -> of(Transport.TCP, 0, 2);
                case TCP_DSTPORT -> of(Transport.TCP, 2, 2);
                case TCP_SEQNUM -> of(Transport.TCP, 4, 4);
                case TCP_ACKNUM -> of(Transport.TCP, 8, 4);
                case TCP_HDRLENGTH -> tcp(12, 4, 0x0F);
                case TCP_URG -> tcp(13, 5, 1);
                case TCP_ACK -> tcp(13, 4, 1);
                case TCP_PSH -> tcp(13, 3, 1);
                case TCP_RST -> tcp(13, 2, 1);
                case TCP_SYN -> tcp(13, 1, 1);
                case TCP_FIN -> tcp(13, 0, 1);
                case TCP_WINDOW -> of(Transport.TCP, 14, 2);
                case TCP_CHECKSUM -> of(Transport.TCP, 16, 2);
                case TCP_URGPTR -> of(Transport.TCP, 18, 2);
                case UDP_SRCPORT -> of(Transport.UDP, 0, 2);
                case UDP_DSTPORT -> of(Transport.UDP, 2, 2);
                case UDP_LENGTH -> of(Transport.UDP, 4, 2);
                case UDP_CHECKSUM -> of(Transport.UDP, 6, 2);
                default -> null;
            };
        }

        /**
         * The field's value in the packet of {@code len} bytes at {@code off} of {@code b}, or
         * {@link #IRRELEVANT}; {@code idx} is the step's element index.
         */
        long value(ByteBuffer b, int off, int len, int idx, Decomposer d) {
            if (kind == FLAG) {
                return PreparedProgram.flag(transport == null ? d.ipVersion() == version : d.transport() == transport);
            }
            if (kind == ELEMENT) {
                if (transport == null) {
                    return PreparedProgram.element(size, idx, b, off, 0, len);
                }
                return d.transport() != transport ? IRRELEVANT
                        : PreparedProgram.element(size, idx, b, off, d.payloadOffset(), d.payloadOffset() + d.payloadLength());
            }
            int base;
            if (transport == null) {
                if (d.ipVersion() != version) {
                    return IRRELEVANT;
                }
                base = off;
            } else {
                if (d.transport() != transport) {
                    return IRRELEVANT;
                }
                base = off + d.transportOffset();
            }
            int o = base + at;
            long raw = size == 1 ? u8(b, o) : size == 2 ? u16(b, o) : u32(b, o);
            return raw >>> shift & (mask & 0xFFFFFFFFL);
        }
        /**
         * {@link #ADDRESS}: compares the address with the constant (cNeg, cHi:cLo): -1/0/+1, or
         * {@link #IRRELEVANT_RESULT}.
         */
        int compare(ByteBuffer b, int off, Decomposer d, boolean cNeg, long cHi, long cLo) {
            if (d.ipVersion() != version) {
                return IRRELEVANT_RESULT;
            }
            return version == 4 ? SignMagnitude.compare(false, 0, mapped(b, off + at), cNeg, cHi, cLo)
                    : SignMagnitude.compare(false, u64(b, off + at), u64(b, off + at + 8), cNeg, cHi, cLo);
        }
    }

    private PreparedProgram(List<Instruction> program) {
        instructions = List.copyOf(program);
        int n = instructions.size();
        steps = new Step[n];
        keys = new long[n];
        for (int i = 0; i < n; i++) {
            steps[i] = new Step(instructions.get(i));
            keys[i] = steps[i].key;
        }
        for (int i = n - 1; i >= 0; i--) {
            steps[i].chainEnd = i + 1 < n && steps[i].linkedTo(steps[i + 1], i + 1) ? steps[i + 1].chainEnd : i;
        }
    }

    /**
     * Prepares a program (docs/spec/filter-object.md (a)); instruction 0 is the entry.
     *
     * @param program the instructions, possibly invalid ones (they fail when executed)
     * @return the prepared program
     */
    public static PreparedProgram of(List<Instruction> program) {
        return new PreparedProgram(program);
    }

    /** The instructions this program was prepared from. */
    public List<Instruction> instructions() {
        return instructions;
    }

    /**
     * Sign-magnitude values of at most 32 bits as longs in the same order: {@code -0 < 0}, and
     * among negatives the larger magnitude is smaller.
     */
    private static long orderedKey(boolean negative, long magnitude) {
        return negative ? -1 - magnitude : magnitude;
    }

    /**
     * {@link FilterEvaluator#evaluate(List, ByteBuffer, int, int, Address)} for this program:
     * the entry checks of docs/spec/filter-language.md §8.5, then the program at the address's layer.
     *
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes (the value of {@code length})
     * @param address the address; its layer is the layer the program runs at
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     * @throws IndexOutOfBoundsException if the range is outside the buffer
     */
    public boolean evaluate(ByteBuffer packet, int offset, int length, Address address)
            throws FilterEvaluationException {
        return evaluate(packet, offset, length, address, new Decomposer());
    }

    /**
     * {@link #evaluate(ByteBuffer, int, int, Address)} decomposing the packet into
     * {@code scratch}: a caller that passes the same decomposer for every packet (one per
     * thread) evaluates without allocating, and may read the packet's decomposition from it
     * afterwards (at NETWORK and NETWORK_FORWARD, once the entry checks have passed).
     *
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes (the value of {@code length})
     * @param address the address; its layer is the layer the program runs at
     * @param scratch receives the packet's decomposition; its previous values are not used
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     * @throws IndexOutOfBoundsException if the range is outside the buffer
     */
    public boolean evaluate(ByteBuffer packet, int offset, int length, Address address, Decomposer scratch)
            throws FilterEvaluationException {
        return entry(packet, offset, length, address, scratch)
                ? run(address.layer(), packet, offset, length, scratch, address)
                : run(address.layer(), null, 0, 0, null, address);
    }

    /**
     * {@link #evaluate(ByteBuffer, int, int, Address)} for a whole array, or null.
     *
     * @param packet the packet bytes, or null
     * @param address the address; its layer is the layer the program runs at
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     */
    public boolean evaluate(byte[] packet, Address address) throws FilterEvaluationException {
        return packet == null ? evaluate(null, 0, 0, address)
                : evaluate(ByteBuffer.wrap(packet), 0, packet.length, address);
    }

    /**
     * {@link FilterEvaluator#execute(List, Layer, PacketView, Address)} for this program: no
     * entry checks.
     *
     * @param layer the layer the program runs at; decides which fields are legal
     * @param packet the decomposed packet at NETWORK/NETWORK_FORWARD; ignored elsewhere
     * @param address the address; its layer data must be the one of {@code layer}
     * @return true on a match, false on no match
     * @throws FilterEvaluationException as {@link FilterEvaluator#execute} says
     */
    public boolean execute(Layer layer, PacketView packet, Address address) throws FilterEvaluationException {
        if (layer.isNetwork() && packet == null) {
            throw new FilterEvaluationException("layer " + layer + " needs a packet");
        }
        if (!fits(layer, address.data())) {
            throw new FilterEvaluationException("the address carries " + address.layer() + " data, not " + layer);
        }
        if (!layer.isNetwork()) {
            return run(layer, null, 0, 0, null, address);
        }
        Decomposer d = new Decomposer();
        d.set(packet.headers());
        return run(layer, packet.buffer(), packet.offset(), packet.length(), d, address);
    }

    private static boolean fits(Layer layer, LayerData data) {
        return switch (layer) {
            case NETWORK, NETWORK_FORWARD -> data instanceof LayerData.Network;
            case FLOW, SOCKET -> data instanceof LayerData.Endpoint;
            case REFLECT -> data instanceof LayerData.Reflect;
        };
    }

    /**
     * The entry checks of docs/spec/filter-language.md §8.5 step 2; at the network layers decomposes the packet into
     * {@code d} and returns true, elsewhere returns false.
     */
    static boolean entry(ByteBuffer packet, int offset, int length, Address address, Decomposer d)
            throws FilterEvaluationException {
        Layer layer = address.layer();
        if (layer.isNetwork()) {
            if (packet == null) {
                throw new FilterEvaluationException("layer " + layer + " needs a packet");
            }
            if (!d.decompose(packet, offset, length)) {
                throw new FilterEvaluationException("the " + length + " bytes are not a valid IPv4 or IPv6 packet");
            }
            if (address.ipv6() != (d.ipVersion() == 6)) {
                throw new FilterEvaluationException("the address IPv6 flag is " + (address.ipv6() ? "set" : "clear")
                        + " but the packet is IPv" + d.ipVersion());
            }
            return true;
        }
        if (packet != null && layer != Layer.REFLECT) {
            throw new FilterEvaluationException("layer " + layer + " events carry no packet");
        }
        return false;
    }

    /**
     * docs/spec/filter-object.md a.4. {@code b}, {@code off}, {@code len} and {@code d} are the packet at
     * the network layers (d its decomposition); unused elsewhere.
     */
    boolean run(Layer layer, ByteBuffer b, int off, int len, Decomposer d, Address a)
            throws FilterEvaluationException {
        int layerBit = 1 << layer.value();
        Step[] program = steps;
        int n = program.length;
        int pc = 0;
        // The value loaded last stays valid while the same field (and array index) is tested again.
        Field loaded = null;
        int loadedIndex = 0;
        long value = 0;
        for (int count = 0; count < FilterEvaluator.MAX_STEPS; count++) {
            if (pc < 0 || pc >= n) {
                throw new FilterEvaluationException("jump to instruction " + pc + " outside the program of " + n);
            }
            Step s = program[pc];
            Field f = s.field;
            if (f == null) {
                Instruction ins = instructions.get(pc);
                throw new FilterEvaluationException("instruction " + pc + " has unknown field " + ins.field()
                        + " or test " + ins.test());
            }
            if ((s.layers & layerBit) == 0) {
                throw new FilterEvaluationException("instruction " + pc + " uses " + f.text()
                        + ", which is not legal at layer " + layer);
            }
            int c;
            if (s.wide) {
                c = s.load != null && d != null ? s.load.compare(b, off, d, s.neg, s.hi, s.lo)
                        : compareWide(f, layer, b, off, d, a, s.neg, s.hi, s.lo);
            } else {
                if (f != loaded || s.array && s.index != loadedIndex) {
                    value = s.load != null && d != null ? s.load.value(b, off, len, s.index, d)
                            : narrow(f, layer, b, off, len, d, a);
                    loaded = f;
                    loadedIndex = s.index;
                }
                int end = s.chainEnd;
                if (end != pc) {
                    // Skip the chain's instructions that pass control to the next one, each a
                    // step, but leave the last step the bound allows to the generic path.
                    int last = Math.min(end, pc + FilterEvaluator.MAX_STEPS - 1 - count);
                    int k = pc;
                    if (value == IRRELEVANT) {
                        // Every test fails: EQ goes through the whole chain, NEQ leaves at once.
                        k = s.test == EQ ? last : pc;
                    } else {
                        long[] chainKeys = keys;
                        while (k < last && chainKeys[k] != value) {
                            k++;
                        }
                    }
                    count += k - pc;
                    pc = k;
                    s = program[k];
                }
                c = value == IRRELEVANT ? IRRELEVANT_RESULT : Long.compare(value, s.key);
            }
            pc = (s.outcomes >>> c + 1 & 1) != 0 ? s.success : s.failure;
            if (pc == Instruction.ACCEPT) {
                return true;
            }
            if (pc == Instruction.REJECT) {
                return false;
            }
        }
        throw new FilterEvaluationException("the program did not finish within " + FilterEvaluator.MAX_STEPS
                + " steps");
    }

    private static long flag(boolean v) {
        return v ? 1 : 0;
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    private static int u16(ByteBuffer b, int at) {
        return PacketParser.u16(b, at);
    }

    /** Big-endian whatever the buffer's order, in one read. */
    private static long u32(ByteBuffer b, int at) {
        int v = b.getInt(at);
        return (b.order() == ByteOrder.BIG_ENDIAN ? v : Integer.reverseBytes(v)) & 0xFFFFFFFFL;
    }

    private static long u64(ByteBuffer b, int at) {
        return u32(b, at) << 32 | u32(b, at + 4);
    }

    /**
     * The ordered key of a narrow field's value (docs/spec/filter-language.md §5), or {@link #IRRELEVANT}.
     * {@code off} is the packet's first byte in {@code b}.
     */
    private static long narrow(Field field, Layer layer, ByteBuffer b, int off, int len, Decomposer d, Address a) {
        boolean endpoint = layer == Layer.FLOW || layer == Layer.SOCKET;
        switch (field) {
            case ZERO: return 0;
            case INBOUND: return flag(!a.outbound());
            case OUTBOUND: return flag(a.outbound());
            case IFIDX: return a.network().ifIdx() & 0xFFFFFFFFL;
            case SUBIFIDX: return a.network().subIfIdx() & 0xFFFFFFFFL;
            // The protocol fields at FLOW and SOCKET (at the network layers they are Loads).
            case IP, IPV6: return 0;
            case ICMP: return flag(!a.ipv6() && a.endpoint().protocol() == 1);
            case TCP: return flag(a.endpoint().protocol() == 6);
            case UDP: return flag(a.endpoint().protocol() == 17);
            case ICMPV6: return flag(a.ipv6() && a.endpoint().protocol() == 58);
            case IPV6_FLOWLABEL:
                // WinDivert's byte-order slip, reproduced (docs/spec/filter-language.md §5.4).
                return d.ipVersion() == 6 ? (long) u8(b, off + 2) << 24 | u8(b, off + 3) << 16 | (u8(b, off + 1) & 0x0F) << 8
                        : IRRELEVANT;
            case TCP_PAYLOADLENGTH: return d.transport() == Transport.TCP ? d.payloadLength() : IRRELEVANT;
            case UDP_PAYLOADLENGTH: return d.transport() == Transport.UDP ? d.payloadLength() : IRRELEVANT;
            case LOOPBACK: return flag(a.loopback());
            case IMPOSTOR: return flag(a.impostor());
            case PROCESSID: return (layer == Layer.REFLECT ? a.reflect().processId()
                    : a.endpoint().processId()) & 0xFFFFFFFFL;
            case LOCALPORT: return endpoint ? a.endpoint().localPort() : packetPort(a.outbound(), b, off, d);
            case REMOTEPORT: return endpoint ? a.endpoint().remotePort() : packetPort(!a.outbound(), b, off, d);
            case PROTOCOL: return endpoint ? a.endpoint().protocol() : d.protocol();
            case LAYER: return a.reflect().layer().value();
            case PRIORITY: {
                int p = a.reflect().priority();
                return orderedKey(p < 0, Math.abs(p));
            }
            case EVENT: return a.event();
            case LENGTH: return len;
            case RANDOM8: return PacketHash.random8(PacketHash.hash(b, off, d.toDecomposition(), a.timestamp()));
            case RANDOM16: return PacketHash.random16(PacketHash.hash(b, off, d.toDecomposition(), a.timestamp()));
            case RANDOM32: return PacketHash.random32(PacketHash.hash(b, off, d.toDecomposition(), a.timestamp()));
            case FRAGMENT: return flag(d.fragment());
            default: throw new AssertionError(field);
        }
    }

    /** TCP/UDP: the source or destination port; ICMP/ICMPv6: the type on the source side. */
    private static long packetPort(boolean source, ByteBuffer b, int off, Decomposer d) {
        int t = off + d.transportOffset();
        return switch (d.transport()) {
            case TCP, UDP -> u16(b, t + (source ? 0 : 2));
            case ICMP, ICMPV6 -> source ? u8(b, t) : 0;
            case NONE -> 0;
        };
    }

    /** The element at signed byte index {@code idx} of the packet window [lo, hi), if it fits. */
    private static long element(int size, int idx, ByteBuffer b, int off, int windowLo, int windowHi) {
        long start = idx >= 0 ? (long) windowLo + idx : (long) windowHi + idx;
        if (start < windowLo || start + size > windowHi) {
            return IRRELEVANT;
        }
        int at = off + (int) start;
        return size == 1 ? u8(b, at) : size == 2 ? u16(b, at) : u32(b, at);
    }

    /**
     * Compares a wide field's value with the constant (cNeg, cHi:cLo) over all 128 bits:
     * -1/0/+1, or {@link #IRRELEVANT_RESULT}.
     */
    private static int compareWide(Field field, Layer layer, ByteBuffer b, int off, Decomposer d, Address a,
            boolean cNeg, long cHi, long cLo) {
        boolean endpoint = layer == Layer.FLOW || layer == Layer.SOCKET;
        switch (field) {
            case LOCALADDR, REMOTEADDR: {
                boolean local = field == Field.LOCALADDR;
                if (endpoint) {
                    U128 v = local ? a.endpoint().localAddr() : a.endpoint().remoteAddr();
                    return SignMagnitude.compare(false, v.hi(), v.lo(), cNeg, cHi, cLo);
                }
                // The local address is the source of an outbound packet.
                boolean source = local == a.outbound();
                if (d.ipVersion() == 4) {
                    return SignMagnitude.compare(false, 0, mapped(b, off + (source ? 12 : 16)), cNeg, cHi, cLo);
                }
                int at = off + (source ? 8 : 24);
                return SignMagnitude.compare(false, u64(b, at), u64(b, at + 8), cNeg, cHi, cLo);
            }
            case ENDPOINTID: return SignMagnitude.compare(false, 0, a.endpoint().endpointId(), cNeg, cHi, cLo);
            case PARENTENDPOINTID:
                return SignMagnitude.compare(false, 0, a.endpoint().parentEndpointId(), cNeg, cHi, cLo);
            case TIMESTAMP: {
                long t = a.timestamp();
                return SignMagnitude.compare(t < 0, 0, t < 0 ? -t : t, cNeg, cHi, cLo);
            }
            default: throw new AssertionError(field);
        }
    }

    /** The IPv4-mapped value of the IPv4 address at {@code at}. */
    private static long mapped(ByteBuffer b, int at) {
        return U128.ipv4Mapped((int) u32(b, at)).lo();
    }
}
