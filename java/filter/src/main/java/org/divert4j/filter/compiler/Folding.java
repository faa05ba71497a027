package org.divert4j.filter.compiler;

import java.math.BigInteger;
import java.util.EnumMap;
import java.util.Map;
import org.divert4j.abi.U128;
import org.divert4j.filter.Field;

/**
 * Constant folding (docs/spec/filter-language.md §7): a test whose outcome follows from the field's fold
 * range is replaced by {@code τ == 1} or {@code τ == 0}, τ being the constant {@code true} or a
 * protocol field. This changes semantics (e.g. {@code tcp.DstPort > 65535} becomes
 * {@code tcp == 0}) and is reproduced exactly.
 */
public final class Folding {

    /**
     * A fold range [lo, hi] with its type field.
     *
     * @param lo lowest value
     * @param hi highest value
     * @param type the protocol field a decided test becomes, or null for the constant true
     * @param constField true for zero/true/false (lo = hi): equality can fold to TRUE
     */
    public record Range(Constant lo, Constant hi, Field type, boolean constField) {
    }

    /**
     * A decided test.
     *
     * @param type the protocol field tested instead, or null: the test is the constant
     * @param value the outcome: {@code type == 1} if true, {@code type == 0} if false
     */
    public record Decision(Field type, boolean value) {
    }

    private static final Map<Field, Range> RANGES = new EnumMap<>(Field.class);
    private static final Range TRUE_RANGE = new Range(Constant.ONE, Constant.ONE, null, true);
    private static final Range FALSE_RANGE = new Range(Constant.ZERO, Constant.ZERO, null, true);

    static {
        long u32 = 0xFFFFFFFFL;
        range(0, 0, null, Field.ZERO);
        range(0, 1, null, Field.INBOUND, Field.OUTBOUND, Field.IP, Field.IPV6, Field.ICMP,
                Field.TCP, Field.UDP, Field.ICMPV6, Field.FRAGMENT);
        range(0, u32, null, Field.IFIDX, Field.SUBIFIDX, Field.PROCESSID, Field.RANDOM32);
        range(0, 15, Field.IP, Field.IP_HDRLENGTH);
        range(0, 65535, Field.IP, Field.IP_TOS, Field.IP_LENGTH, Field.IP_ID, Field.IP_CHECKSUM);
        range(0, 1, Field.IP, Field.IP_DF, Field.IP_MF);
        range(0, 0x1FFF, Field.IP, Field.IP_FRAGOFF);
        range(0, 255, Field.IP, Field.IP_TTL, Field.IP_PROTOCOL);
        range(0xFFFF00000000L, 0xFFFFFFFFFFFFL, Field.IP, Field.IP_SRCADDR, Field.IP_DSTADDR);
        range(0, 255, Field.IPV6, Field.IPV6_TRAFFICCLASS, Field.IPV6_NEXTHDR, Field.IPV6_HOPLIMIT);
        range(0, 0xFFFFF, Field.IPV6, Field.IPV6_FLOWLABEL);
        range(0, 65535, Field.IPV6, Field.IPV6_LENGTH);
        RANGES.put(Field.IPV6_SRCADDR, new Range(Constant.ZERO, max128(), Field.IPV6, false));
        RANGES.put(Field.IPV6_DSTADDR, new Range(Constant.ZERO, max128(), Field.IPV6, false));
        range(0, 255, Field.ICMP, Field.ICMP_TYPE, Field.ICMP_CODE);
        range(0, 65535, Field.ICMP, Field.ICMP_CHECKSUM);
        range(0, 255, Field.ICMPV6, Field.ICMPV6_TYPE, Field.ICMPV6_CODE);
        range(0, 65535, Field.ICMPV6, Field.ICMPV6_CHECKSUM);
        range(0, 65535, Field.TCP, Field.TCP_SRCPORT, Field.TCP_DSTPORT, Field.TCP_WINDOW,
                Field.TCP_CHECKSUM, Field.TCP_URGPTR, Field.TCP_PAYLOADLENGTH, Field.TCP_PAYLOAD16);
        range(0, 15, Field.TCP, Field.TCP_HDRLENGTH);
        range(0, 1, Field.TCP, Field.TCP_URG, Field.TCP_ACK, Field.TCP_PSH, Field.TCP_RST,
                Field.TCP_SYN, Field.TCP_FIN);
        range(0, 255, Field.TCP, Field.TCP_PAYLOAD);
        range(0, u32, Field.TCP, Field.TCP_PAYLOAD32);
        range(0, 65535, Field.UDP, Field.UDP_SRCPORT, Field.UDP_DSTPORT, Field.UDP_LENGTH,
                Field.UDP_CHECKSUM, Field.UDP_PAYLOADLENGTH, Field.UDP_PAYLOAD16);
        range(0, 255, Field.UDP, Field.UDP_PAYLOAD);
        range(0, u32, Field.UDP, Field.UDP_PAYLOAD32);
        RANGES.put(Field.LOCALADDR, new Range(Constant.ZERO, max128(), null, false));
        RANGES.put(Field.REMOTEADDR, new Range(Constant.ZERO, max128(), null, false));
        range(0, 65535, null, Field.LOCALPORT, Field.REMOTEPORT, Field.RANDOM16, Field.PACKET16);
        range(0, 255, null, Field.PROTOCOL, Field.RANDOM8, Field.PACKET);
        range(0, -1L, null, Field.ENDPOINTID, Field.PARENTENDPOINTID);
        range(0, 4, null, Field.LAYER);
        RANGES.put(Field.PRIORITY, new Range(new Constant(true, U128.of(30000)), Constant.of(30000),
                null, false));
        range(0, 9, null, Field.EVENT);
        range(20, 65575, null, Field.LENGTH);
        RANGES.put(Field.TIMESTAMP, new Range(new Constant(true, U128.of(Long.MIN_VALUE)),
                Constant.of(Long.MAX_VALUE), null, false));
    }

    private Folding() {
    }

    private static Constant max128() {
        return Constant.of(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
    }

    private static void range(long lo, long hi, Field type, Field... fields) {
        for (Field f : fields) {
            RANGES.put(f, new Range(Constant.of(lo), Constant.of(hi), type, f == Field.ZERO));
        }
    }

    /** The decision for a test, or null if the test is kept. */
    public static Decision fold(Ast.Test t) {
        Range r = t.field() == null ? (t.literal() ? TRUE_RANGE : FALSE_RANGE) : RANGES.get(t.field());
        if (r == null) {
            return null;
        }
        int cl = t.constant().compareTo(r.lo());
        int cu = t.constant().compareTo(r.hi());
        boolean k = r.constField();
        Boolean v;
        switch (t.op()) {
            case EQ: v = k && cl == 0 ? Boolean.TRUE : cl < 0 || cu > 0 ? Boolean.FALSE : null; break;
            case NEQ: v = cl < 0 || cu > 0 ? Boolean.TRUE : k && cl == 0 ? Boolean.FALSE : null; break;
            case LT: v = cu > 0 ? Boolean.TRUE : cl <= 0 ? Boolean.FALSE : null; break;
            case LEQ: v = cu >= 0 ? Boolean.TRUE : cl < 0 ? Boolean.FALSE : null; break;
            case GT: v = cl < 0 ? Boolean.TRUE : cu >= 0 ? Boolean.FALSE : null; break;
            default: v = cl <= 0 ? Boolean.TRUE : cu > 0 ? Boolean.FALSE : null; break;
        }
        return v == null ? null : new Decision(r.type(), v);
    }
}
