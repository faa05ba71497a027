package org.divert4j.filter.optimize;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;

/**
 * A set of values a field can have, as sorted, disjoint closed intervals of integers.
 *
 * <p>{@link #domain} is every value the evaluator can load for the field (docs/spec/filter-language.md
 * §5, docs/spec/device-abi.md §7): the width of the header bits or address member it comes from, so a
 * larger domain than the real one is only less precise, never wrong. {@link #of} is the part of
 * the domain a test passes, following COMPARE (docs/spec/filter-object.md a.4) exactly: narrow fields
 * compare only {@code arg0}; a constant {@code -m} with m &gt; 0 is the integer -m, and {@code -0}
 * lies between -1 and 0 (no value equals it, every value from 0 up is greater).
 */
record ValueIntervals(List<BigInteger[]> ranges) {
    /** Every value the evaluator can load for {@code field} (when it is relevant). */
    static ValueIntervals domain(Field field) {
        return switch (field) {
            case ZERO -> range(0, 0);
            case INBOUND, OUTBOUND, IP, IPV6, ICMP, TCP, UDP, ICMPV6, IP_DF, IP_MF, TCP_URG, TCP_ACK, TCP_PSH,
                    TCP_RST, TCP_SYN, TCP_FIN, LOOPBACK, IMPOSTOR, FRAGMENT -> range(0, 1);
            case IP_HDRLENGTH, TCP_HDRLENGTH -> range(0, 15);
            case IP_TOS, IP_TTL, IP_PROTOCOL, IPV6_TRAFFICCLASS, IPV6_NEXTHDR, IPV6_HOPLIMIT, ICMP_TYPE, ICMP_CODE,
                    ICMPV6_TYPE, ICMPV6_CODE, PROTOCOL, PACKET, TCP_PAYLOAD, UDP_PAYLOAD, RANDOM8, EVENT -> range(0, 255);
            case IP_FRAGOFF -> range(0, 0x1FFF);
            case IP_LENGTH, IP_ID, IP_CHECKSUM, IPV6_LENGTH, ICMP_CHECKSUM, ICMPV6_CHECKSUM, TCP_SRCPORT, TCP_DSTPORT,
                    TCP_WINDOW, TCP_CHECKSUM, TCP_URGPTR, TCP_PAYLOADLENGTH, UDP_SRCPORT, UDP_DSTPORT, UDP_LENGTH,
                    UDP_CHECKSUM, UDP_PAYLOADLENGTH, LOCALPORT, REMOTEPORT, PACKET16, TCP_PAYLOAD16, UDP_PAYLOAD16,
                    RANDOM16 -> range(0, 0xFFFF);
            case IP_SRCADDR, IP_DSTADDR -> span(BigInteger.valueOf(0xFFFF00000000L), BigInteger.valueOf(0xFFFFFFFFFFFFL));
            case IPV6_SRCADDR, IPV6_DSTADDR, LOCALADDR, REMOTEADDR -> bits(128);
            case ENDPOINTID, PARENTENDPOINTID -> bits(64);
            case TIMESTAMP -> span(BigInteger.ONE.shiftLeft(63).negate(),
                    BigInteger.ONE.shiftLeft(63).subtract(BigInteger.ONE));
            case PRIORITY -> range(-32768, 32767);
            // Narrow fields compare the value's low 32 bits.
            default -> bits(32);
        };
    }

    /** The values from {@code lo} to {@code hi}; a null bound is unbounded. */
    private static ValueIntervals span(BigInteger lo, BigInteger hi) {
        return new ValueIntervals(List.<BigInteger[]>of(new BigInteger[] {lo, hi}));
    }

    private static ValueIntervals range(long lo, long hi) {
        return span(BigInteger.valueOf(lo), BigInteger.valueOf(hi));
    }

    private static ValueIntervals bits(int n) {
        return span(BigInteger.ZERO, BigInteger.ONE.shiftLeft(n).subtract(BigInteger.ONE));
    }

    /** The values of the test's field that pass the test. */
    static ValueIntervals of(Instruction ins) {
        Field field = Field.of(ins.field());
        BigInteger m = BigInteger.valueOf(ins.arg0() & 0xFFFFFFFFL);
        if (field.wide()) {
            m = BigInteger.valueOf(ins.arg3() & 0xFFFFFFFFL).shiftLeft(96)
                    .or(BigInteger.valueOf(ins.arg2() & 0xFFFFFFFFL).shiftLeft(64))
                    .or(BigInteger.valueOf(ins.arg1() & 0xFFFFFFFFL).shiftLeft(32)).or(m);
        }
        Comparison op = Comparison.of(ins.test());
        if (ins.neg() && m.signum() == 0) {
            // -0: no value equals it; the values up to -1 are below it, those from 0 above.
            return switch (op) {
                case EQ -> new ValueIntervals(List.of());
                case NEQ -> domain(field);
                case LT, LEQ -> domain(field).intersect(upTo(BigInteger.ONE.negate()));
                case GT, GEQ -> domain(field).intersect(from(BigInteger.ZERO));
            };
        }
        BigInteger c = ins.neg() ? m.negate() : m;
        ValueIntervals pass = switch (op) {
            case EQ -> span(c, c);
            case NEQ -> new ValueIntervals(List.of(new BigInteger[] {null, c.subtract(BigInteger.ONE)},
                new BigInteger[] {c.add(BigInteger.ONE), null}));
            case LT -> upTo(c.subtract(BigInteger.ONE));
            case LEQ -> upTo(c);
            case GT -> from(c.add(BigInteger.ONE));
            case GEQ -> from(c);
        };
        return domain(field).intersect(pass);
    }

    private static ValueIntervals upTo(BigInteger hi) {
        return span(null, hi);
    }

    private static ValueIntervals from(BigInteger lo) {
        return span(lo, null);
    }

    /** The intersection; null bounds (unbounded) are allowed in {@code other} only. */
    private ValueIntervals intersect(ValueIntervals other) {
        List<BigInteger[]> out = new ArrayList<>();
        for (BigInteger[] a : ranges) {
            for (BigInteger[] b : other.ranges) {
                BigInteger lo = b[0] == null || a[0].compareTo(b[0]) >= 0 ? a[0] : b[0];
                BigInteger hi = b[1] == null || a[1].compareTo(b[1]) <= 0 ? a[1] : b[1];
                if (lo.compareTo(hi) <= 0) {
                    out.add(new BigInteger[] {lo, hi});
                }
            }
        }
        return new ValueIntervals(out);
    }

    /** The values of {@code field}'s domain not in this set (which must lie in the domain). */
    ValueIntervals complement(Field field) {
        List<BigInteger[]> out = new ArrayList<>();
        for (BigInteger[] d : domain(field).ranges) {
            BigInteger next = d[0];
            for (BigInteger[] r : ranges) {
                if (next.compareTo(r[0]) < 0) {
                    out.add(new BigInteger[] {next, r[0].subtract(BigInteger.ONE)});
                }
                next = r[1].add(BigInteger.ONE);
            }
            if (next.compareTo(d[1]) <= 0) {
                out.add(new BigInteger[] {next, d[1]});
            }
        }
        return new ValueIntervals(out);
    }

    /** For a 0/1 field: the set of 1 - v for v in this set. */
    ValueIntervals mirrorBit() {
        boolean zero = contains(1);
        boolean one = contains(0);
        return zero && one ? range(0, 1) : zero ? range(0, 0) : one ? range(1, 1) : new ValueIntervals(List.of());
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (BigInteger[] r : ranges) {
            b.append('[').append(r[0]).append(',').append(r[1]).append(']');
        }
        return b.append('}').toString();
    }

    /** Whether {@code v} is in the set. */
    boolean contains(long v) {
        BigInteger x = BigInteger.valueOf(v);
        for (BigInteger[] r : ranges) {
            if (r[0].compareTo(x) <= 0 && x.compareTo(r[1]) <= 0) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Whether every value of the set is in {@code other}. */
    boolean subsetOf(ValueIntervals other) {
        for (BigInteger[] a : ranges) {
            boolean inside = false;
            for (BigInteger[] b : other.ranges) {
                if (b[0].compareTo(a[0]) <= 0 && a[1].compareTo(b[1]) <= 0) {
                    inside = true;
                    break;
                }
            }
            if (!inside) {
                return false;
            }
        }
        return true;
    }

    /** Whether no value is in both sets. */
    boolean disjoint(ValueIntervals other) {
        return intersect(other).isEmpty();
    }

    /** Whether the test passes every value of the field's domain. */
    boolean coversDomain(Field field) {
        return domain(field).subsetOf(this);
    }
}
