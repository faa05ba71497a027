package org.divert4j.filter.optimize;

import java.util.EnumMap;
import java.util.Map;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;

/**
 * What one test's outcome says about another test on a different field. The protocol tests
 * ({@code ip}, {@code tcp} ...) are always relevant and 0 or 1, and at most one of TCP, UDP,
 * ICMP and ICMPv6 is 1. At NETWORK and NETWORK_FORWARD every packet is exactly one of IPv4 and
 * IPv6, and a header field is relevant exactly when its header is there ({@code tcp.*} and
 * {@code tcp.Payload*} only for TCP, {@code ip.*} only for IPv4 ...). At FLOW and SOCKET
 * {@code ip} and {@code ipv6} are always 0, {@code tcp} and {@code udp} are {@code protocol}
 * 6 and 17, and {@code icmp}/{@code icmpv6} imply {@code protocol} 1/58 (docs/spec/filter-language.md
 * §5.4). At every layer where they exist, {@code inbound} is 1 - {@code outbound}.
 */
public final class TestImplications {
    private static final int UNKNOWN = -1;
    private static final Field[] TRANSPORTS = {Field.TCP, Field.UDP, Field.ICMP, Field.ICMPV6};

    private TestImplications() {
    }

    /** The protocol test whose value 1 makes {@code field} relevant; null for other fields. */
    public static Field header(Field field) {
        return switch (field) {
            case IP_HDRLENGTH, IP_TOS, IP_LENGTH, IP_ID, IP_DF, IP_MF, IP_FRAGOFF, IP_TTL, IP_PROTOCOL,
                    IP_CHECKSUM, IP_SRCADDR, IP_DSTADDR -> Field.IP;
            case IPV6_TRAFFICCLASS, IPV6_FLOWLABEL, IPV6_LENGTH, IPV6_NEXTHDR, IPV6_HOPLIMIT, IPV6_SRCADDR,
                    IPV6_DSTADDR -> Field.IPV6;
            case ICMP_TYPE, ICMP_CODE, ICMP_CHECKSUM, ICMP_BODY -> Field.ICMP;
            case ICMPV6_TYPE, ICMPV6_CODE, ICMPV6_CHECKSUM, ICMPV6_BODY -> Field.ICMPV6;
            case TCP_SRCPORT, TCP_DSTPORT, TCP_SEQNUM, TCP_ACKNUM, TCP_HDRLENGTH, TCP_URG, TCP_ACK, TCP_PSH,
                    TCP_RST, TCP_SYN, TCP_FIN, TCP_WINDOW, TCP_CHECKSUM, TCP_URGPTR, TCP_PAYLOADLENGTH,
                    TCP_PAYLOAD, TCP_PAYLOAD16, TCP_PAYLOAD32 -> Field.TCP;
            case UDP_SRCPORT, UDP_DSTPORT, UDP_LENGTH, UDP_CHECKSUM, UDP_PAYLOADLENGTH, UDP_PAYLOAD, UDP_PAYLOAD16,
                    UDP_PAYLOAD32 -> Field.UDP;
            default -> null;
        };
    }

    private static boolean isProtocol(Field f) {
        return f == Field.IP || f == Field.IPV6 || f == Field.TCP || f == Field.UDP || f == Field.ICMP
                || f == Field.ICMPV6;
    }

    private static boolean endpoint(Layer layer) {
        return layer == Layer.FLOW || layer == Layer.SOCKET;
    }

    /** Whether the field's value is always 0 at the layer ({@code ip}, {@code ipv6} at FLOW/SOCKET). */
    static boolean constantZero(Field field, Layer layer) {
        return endpoint(layer) && (field == Field.IP || field == Field.IPV6);
    }

    /** The protocol number {@code t} (a transport test) implies at FLOW and SOCKET. */
    private static int number(Field t) {
        return switch (t) {
            case TCP -> 6;
            case UDP -> 17;
            case ICMP -> 1;
            default -> 58;
        };
    }

    /** 1 or 0 if {@code from} having had {@code outcome} decides {@code to}; else UNKNOWN. */
    static int decides(Instruction from, boolean outcome, Instruction to, Layer layer) {
        Map<Field, Integer> known = protocols(from, outcome, layer);
        if (known.isEmpty()) {
            return UNKNOWN;
        }
        Field target = Field.of(to.field());
        ValueIntervals test = ValueIntervals.of(to);
        if (isProtocol(target) || target == Field.INBOUND || target == Field.OUTBOUND) {
            Integer v = known.get(target);
            return v == null ? UNKNOWN : test.contains(v) ? 1 : 0;
        }
        if (target == Field.PROTOCOL) {
            // A transport is there only if protocol is its number (NETWORK: the parse found it;
            // FLOW, SOCKET: tcp and udp are defined so, icmp and icmpv6 also need the IPv6 flag).
            for (Field t : TRANSPORTS) {
                if (Integer.valueOf(1).equals(known.get(t))) {
                    return test.contains(number(t)) ? 1 : 0;
                }
            }
            return UNKNOWN;
        }
        Field header = header(target);
        if (layer.isNetwork() && header != null) {
            Integer v = known.get(header);
            if (Integer.valueOf(0).equals(v)) {
                return 0;
            }
            if (Integer.valueOf(1).equals(v) && !target.isArray() && test.coversDomain(target)) {
                return 1;
            }
        }
        return UNKNOWN;
    }

    /** Two flags of which exactly one is 1: knowing either gives the other. */
    private static void complements(Map<Field, Integer> known, Field a, Field b) {
        Integer va = known.get(a);
        Integer vb = known.get(b);
        if (va != null) {
            known.put(b, 1 - va);
        } else if (vb != null) {
            known.put(a, 1 - vb);
        }
    }

    /** The protocol test values one outcome of a test implies at the layer. */
    private static Map<Field, Integer> protocols(Instruction ins, boolean outcome, Layer layer) {
        Map<Field, Integer> known = new EnumMap<>(Field.class);
        Field field = Field.of(ins.field());
        ValueIntervals p = ValueIntervals.of(ins);
        if (isProtocol(field) || field == Field.INBOUND || field == Field.OUTBOUND) {
            boolean zero = p.contains(0) == outcome;
            boolean one = p.contains(1) == outcome;
            if (zero != one) {
                known.put(field, one ? 1 : 0);
            }
        } else if (layer.isNetwork() && header(field) != null) {
            if (outcome) {
                known.put(header(field), 1);
            } else if (!field.isArray() && p.coversDomain(field)) {
                // Every value passes, so only a missing header fails it.
                known.put(header(field), 0);
            }
        } else if (field == Field.PROTOCOL) {
            // protocol is always relevant: the value is in the set exactly when outcome.
            ValueIntervals value = outcome ? p : p.complement(field);
            for (Field t : TRANSPORTS) {
                if (!value.contains(number(t))) {
                    known.put(t, 0);
                }
            }
            for (Field t : new Field[] {Field.TCP, Field.UDP}) {
                if (endpoint(layer) && !value.isEmpty() && value.subsetOf(ValueIntervals.of(new Instruction(field.id(),
                        Comparison.EQ.id(), 0, 0, false, number(t), 0, 0, 0)))) {
                    known.put(t, 1);
                }
            }
        }
        complements(known, Field.OUTBOUND, Field.INBOUND);
        if (layer.isNetwork()) {
            // ICMP is parsed only after IPv4, ICMPv6 only after IPv6.
            if (Integer.valueOf(1).equals(known.get(Field.ICMP))) {
                known.put(Field.IP, 1);
            } else if (Integer.valueOf(1).equals(known.get(Field.ICMPV6))) {
                known.put(Field.IPV6, 1);
            }
            complements(known, Field.IP, Field.IPV6);
            if (Integer.valueOf(1).equals(known.get(Field.IP))) {
                known.put(Field.ICMPV6, 0);
            } else if (Integer.valueOf(1).equals(known.get(Field.IPV6))) {
                known.put(Field.ICMP, 0);
            }
        }
        for (Field t : TRANSPORTS) {
            if (Integer.valueOf(1).equals(known.get(t))) {
                for (Field other : TRANSPORTS) {
                    if (other != t) {
                        known.put(other, 0);
                    }
                }
            }
        }
        return known;
    }
}
