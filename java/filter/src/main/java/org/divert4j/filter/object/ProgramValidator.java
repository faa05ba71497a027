package org.divert4j.filter.object;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.U128;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.SignMagnitude;

/**
 * The checks a driver performs on a program received from user mode before it trusts it
 * (docs/spec/filter-object.md a.7, all eight rules). A program that passes terminates within n steps,
 * uses only fields of its layer and only constants the evaluator's narrow/wide rules can
 * compare meaningfully. Used by the API before STARTUP and as the reference for the C core.
 */
public final class ProgramValidator {
    /** The most instructions a driver accepts (one less than the library can generate). */
    public static final int MAX_INSTRUCTIONS = 255;
    /** The largest byte distance an array index may have from either end of its window. */
    public static final int MAX_ARRAY_INDEX = 65575;

    private static final long U32 = 0xFFFFFFFFL;

    private ProgramValidator() {
    }

    /**
     * Validates a program as the driver receives it (n × 24 bytes) and returns the driver's
     * copy, with the reserved bits of each record dropped.
     *
     * @throws InvalidProgramException naming the first broken rule
     */
    public static List<Instruction> validate(byte[] program, Layer layer) throws InvalidProgramException {
        if (program.length % Instruction.SIZE != 0) {
            throw new InvalidProgramException(1, -1, "length " + program.length
                    + " is not a multiple of " + Instruction.SIZE + " bytes");
        }
        int n = program.length / Instruction.SIZE;
        checkCount(n);
        ByteBuffer in = ByteBuffer.wrap(program);
        List<Instruction> copy = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            copy.add(Instruction.decode(in));
        }
        validate(copy, layer);
        return List.copyOf(copy);
    }

    /**
     * Validates a program for a handle at {@code layer}.
     *
     * @throws InvalidProgramException naming the first broken rule
     */
    public static void validate(List<Instruction> program, Layer layer) throws InvalidProgramException {
        int n = program.size();
        checkCount(n);
        for (int i = 0; i < n; i++) {
            check(program.get(i), i, n, layer);
        }
    }

    private static void checkCount(int n) throws InvalidProgramException {
        if (n < 1 || n > MAX_INSTRUCTIONS) {
            throw new InvalidProgramException(1, -1, n + " instructions (a driver accepts 1.."
                    + MAX_INSTRUCTIONS + ")");
        }
    }

    private static void check(Instruction ins, int i, int n, Layer layer) throws InvalidProgramException {
        if (ins.field() < 0 || ins.field() > Field.MAX_ID) {
            throw new InvalidProgramException(2, i, "unknown field " + ins.field());
        }
        if (ins.test() < 0 || ins.test() > 5) {
            throw new InvalidProgramException(2, i, "unknown test " + ins.test());
        }
        checkLabel(ins.success(), "success", i, n);
        checkLabel(ins.failure(), "failure", i, n);
        Field field = Field.of(ins.field());
        if (!field.legalIn(layer)) {
            throw new InvalidProgramException(4, i, "field " + field.text() + " is not legal at layer " + layer);
        }
        if (field.isArray()) {
            if (ins.neg()) {
                throw new InvalidProgramException(5, i, field.text() + " compared with a negative constant");
            }
            if (ins.arg1() < -MAX_ARRAY_INDEX || ins.arg1() > MAX_ARRAY_INDEX) {
                throw new InvalidProgramException(5, i, field.text() + " index " + ins.arg1()
                        + " outside -" + MAX_ARRAY_INDEX + ".." + MAX_ARRAY_INDEX);
            }
        }
        checkRange(ins, field, i);
        if (field == Field.EVENT && !eventOf(layer, ins.arg0())) {
            throw new InvalidProgramException(7, i, "event " + Integer.toUnsignedString(ins.arg0())
                    + " cannot occur at layer " + layer);
        }
        if (ins.neg() && ins.arg0() == 0 && ins.arg1() == 0 && ins.arg2() == 0 && ins.arg3() == 0) {
            throw new InvalidProgramException(8, i, "negative zero constant");
        }
    }

    private static void checkLabel(int label, String which, int i, int n) throws InvalidProgramException {
        if (label != Instruction.ACCEPT && label != Instruction.REJECT && (label <= i || label >= n)) {
            throw new InvalidProgramException(3, i, which + " label " + label
                    + " is neither ACCEPT, REJECT nor a later instruction (" + (i + 1) + ".." + (n - 1) + ")");
        }
    }

    private static boolean eventOf(Layer layer, int event) {
        return event >= 0 && event <= 9 && Event.of(event).validFor(layer);
    }

    /** One end of a field's range: sign and 128-bit magnitude. */
    private record Bound(boolean neg, long hi, long lo) {
        static Bound of(long value) {
            return new Bound(false, 0, value);
        }
    }

    private static void checkRange(Instruction ins, Field field, int i) throws InvalidProgramException {
        Bound lo;
        Bound hi;
        switch (field) {
            case ZERO, INBOUND, OUTBOUND, FRAGMENT, IP, IPV6, ICMP, ICMPV6, TCP, UDP, IP_DF, IP_MF,
                    TCP_URG, TCP_ACK, TCP_PSH, TCP_RST, TCP_SYN, TCP_FIN -> {
                lo = Bound.of(0);
                hi = Bound.of(1);
            }
            case LAYER -> {
                lo = Bound.of(0);
                hi = Bound.of(4);
            }
            case PRIORITY -> {
                lo = new Bound(true, 0, 30000);
                hi = Bound.of(30000);
            }
            case EVENT -> {
                lo = Bound.of(0);
                hi = Bound.of(9);
            }
            case IP_HDRLENGTH, TCP_HDRLENGTH -> {
                lo = Bound.of(0);
                hi = Bound.of(15);
            }
            case IP_TOS, IP_TTL, IP_PROTOCOL, IPV6_TRAFFICCLASS, IPV6_NEXTHDR, IPV6_HOPLIMIT, ICMP_TYPE,
                    ICMP_CODE, ICMPV6_TYPE, ICMPV6_CODE, PROTOCOL, PACKET, TCP_PAYLOAD, UDP_PAYLOAD,
                    RANDOM8 -> {
                lo = Bound.of(0);
                hi = Bound.of(255);
            }
            case IP_FRAGOFF -> {
                lo = Bound.of(0);
                hi = Bound.of(0x1FFF);
            }
            case IP_LENGTH, IP_ID, IP_CHECKSUM, IPV6_LENGTH, ICMP_CHECKSUM, ICMPV6_CHECKSUM, TCP_SRCPORT,
                    TCP_DSTPORT, TCP_WINDOW, TCP_CHECKSUM, TCP_URGPTR, TCP_PAYLOADLENGTH, UDP_SRCPORT,
                    UDP_DSTPORT, UDP_LENGTH, UDP_CHECKSUM, UDP_PAYLOADLENGTH, LOCALPORT, REMOTEPORT,
                    PACKET16, TCP_PAYLOAD16, UDP_PAYLOAD16, RANDOM16 -> {
                lo = Bound.of(0);
                hi = Bound.of(65535);
            }
            case LENGTH -> {
                lo = Bound.of(20);
                hi = Bound.of(65575);
            }
            case IPV6_FLOWLABEL -> {
                lo = Bound.of(0);
                hi = Bound.of(0xFFFFF);
            }
            case IP_SRCADDR, IP_DSTADDR -> {
                lo = Bound.of(0xFFFF_0000_0000L);
                hi = Bound.of(0xFFFF_FFFF_FFFFL);
            }
            case TIMESTAMP -> {
                lo = new Bound(true, 0, Long.MIN_VALUE);
                hi = Bound.of(Long.MAX_VALUE);
            }
            case ENDPOINTID, PARENTENDPOINTID -> {
                lo = Bound.of(0);
                hi = Bound.of(-1L);
            }
            case IPV6_SRCADDR, IPV6_DSTADDR, LOCALADDR, REMOTEADDR -> {
                lo = Bound.of(0);
                hi = new Bound(false, -1L, -1L);
            }
            default -> {
                lo = Bound.of(0);
                hi = Bound.of(U32);
            }
        }
        if (field.isArray()) {
            // The index lives in word 1; it is exempt from the range.
            long index = (long) ins.arg1() << 32;
            lo = new Bound(lo.neg(), lo.hi(), index | lo.lo());
            hi = new Bound(hi.neg(), hi.hi(), index | hi.lo());
        }
        long cHi = SignMagnitude.high(ins);
        long cLo = SignMagnitude.low(ins);
        if (SignMagnitude.compare(ins.neg(), cHi, cLo, lo.neg(), lo.hi(), lo.lo()) < 0
                || SignMagnitude.compare(ins.neg(), cHi, cLo, hi.neg(), hi.hi(), hi.lo()) > 0) {
            throw new InvalidProgramException(6, i, field.text() + " " + Comparison.of(ins.test()).symbol()
                    + " " + constant(ins) + ": the constant is outside " + text(lo) + ".." + text(hi));
        }
    }

    private static String constant(Instruction ins) {
        return text(new Bound(ins.neg(), SignMagnitude.high(ins), SignMagnitude.low(ins)));
    }

    private static String text(Bound b) {
        java.math.BigInteger m = new U128(b.hi(), b.lo()).toBigInteger();
        return (b.neg() ? "-" : "") + (m.bitLength() > 20 ? "0x" + m.toString(16) : m.toString());
    }
}
