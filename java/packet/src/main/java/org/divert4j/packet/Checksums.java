package org.divert4j.packet;

import java.nio.ByteBuffer;

/**
 * WinDivert's checksum calculation (docs/spec/helpers.md §4) and the Internet checksum it is built on.
 * The flag constants are the {@code WINDIVERT_HELPER_NO_*_CHECKSUM} bits.
 */
public final class Checksums {
    /** Do not compute the IPv4 header checksum. */
    public static final int NO_IP_CHECKSUM = 1;
    /** Do not compute the ICMP checksum. */
    public static final int NO_ICMP_CHECKSUM = 2;
    /** Do not compute the ICMPv6 checksum. */
    public static final int NO_ICMPV6_CHECKSUM = 4;
    /** Do not compute the TCP checksum. */
    public static final int NO_TCP_CHECKSUM = 8;
    /** Do not compute the UDP checksum. */
    public static final int NO_UDP_CHECKSUM = 16;
    /** Every defined flag bit. */
    public static final int ALL_FLAGS = 0x1F;

    private static final ChecksumResult FAILED = new ChecksumResult(false, false, false, false);

    private Checksums() {
    }

    /**
     * The Internet checksum (RFC 1071) of {@code length} bytes of {@code buf} from absolute index
     * {@code from}: the complemented 16-bit one's-complement sum, an odd final byte padded with
     * zero.
     *
     * @param buf the bytes
     * @param from absolute index of the first byte summed
     * @param length the number of bytes summed
     * @return the checksum, 0 … 65535
     */
    public static int internetChecksum(ByteBuffer buf, int from, int length) {
        return finish(sum(buf, from, length, -1));
    }

    /**
     * Computes ({@code verify} false: and stores) the checksums of the decomposed packet that
     * starts at index 0 of {@code p}. In verify mode nothing is written and {@code ok} is true only
     * if every checksum due was computable and equals the stored value.
     */
    static ChecksumResult run(ByteBuffer p, Decomposition d, int flags, boolean verify) {
        checkFlags(flags);
        boolean same = true;
        boolean ip = false;
        if (d.isIpv4() && (flags & NO_IP_CHECKSUM) == 0) {
            same = apply(p, 10, finish(sum(p, 0, d.ipHeaderLength(), 10)), verify);
            ip = true;
        }
        boolean incomplete = d.truncated() || d.partialDatagram();
        int t = d.transportOffset();
        int payload = d.payloadLength();
        switch (d.transport()) {
            case ICMP -> {
                if ((flags & NO_ICMP_CHECKSUM) != 0) {
                    return result(true, same, verify, ip, false, false);
                }
                if (incomplete) {
                    return result(false, same, verify, ip, false, false);
                }
                same &= apply(p, t + 2, finish(sum(p, t, 8 + payload, t + 2)), verify);
                return result(true, same, verify, ip, false, false);
            }
            case ICMPV6 -> {
                if ((flags & NO_ICMPV6_CHECKSUM) != 0) {
                    return result(true, same, verify, ip, false, false);
                }
                if (incomplete) {
                    return result(false, same, verify, ip, false, false);
                }
                same &= transport(p, d, PacketParser.PROTO_ICMPV6, 8 + payload, 2, verify);
                return result(true, same, verify, ip, false, false);
            }
            case TCP -> {
                if ((flags & NO_TCP_CHECKSUM) != 0) {
                    return result(true, same, verify, ip, false, false);
                }
                int n = payload + 4 * (PacketParser.u8(p, t + 12) >>> 4);
                // The reference reads past the parsed bytes when the data offset exceeds them
                // (docs/spec/helpers.md §4); failing is the safe choice the spec allows.
                if (incomplete || t + n > d.presentLength()) {
                    return result(false, same, verify, ip, false, false);
                }
                same &= transport(p, d, PacketParser.PROTO_TCP, n, 16, verify);
                return result(true, same, verify, ip, true, false);
            }
            case UDP -> {
                if ((flags & NO_UDP_CHECKSUM) != 0) {
                    return result(true, same, verify, ip, false, false);
                }
                if (incomplete) {
                    return result(false, same, verify, ip, false, false);
                }
                same &= transport(p, d, PacketParser.PROTO_UDP, 8 + payload, 6, verify);
                return result(true, same, verify, ip, false, true);
            }
            default -> {
                return result(true, same, verify, ip, false, false);
            }
        }
    }

    /** Rejects undefined flag bits. */
    static void checkFlags(int flags) {
        if ((flags & ~ALL_FLAGS) != 0) {
            throw new IllegalArgumentException(String.format("undefined checksum flag bits 0x%x", flags & ~ALL_FLAGS));
        }
    }

    private static ChecksumResult result(boolean ok, boolean same, boolean verify, boolean ip, boolean tcp,
            boolean udp) {
        if (verify) {
            return ok && same ? new ChecksumResult(true, ip, tcp, udp) : FAILED;
        }
        return new ChecksumResult(ok, ip, tcp, udp);
    }

    /** Pseudo-header + n transport bytes; the checksum field is at {@code field} within the header. */
    private static boolean transport(ByteBuffer p, Decomposition d, int proto, int n, int field, boolean verify) {
        int t = d.transportOffset();
        long s = d.isIpv4()
                ? sum(p, 12, 8, -1) + proto + n
                : sum(p, 8, 32, -1) + (n >>> 16) + (n & 0xFFFF) + proto;
        int c = finish(s + sum(p, t, n, t + field));
        if (c == 0 && proto == PacketParser.PROTO_UDP) {
            c = 0xFFFF;
        }
        return apply(p, t + field, c, verify);
    }

    /** Stores {@code c} at {@code at}, or in verify mode reports whether it is already there. */
    private static boolean apply(ByteBuffer p, int at, int c, boolean verify) {
        if (verify) {
            return PacketParser.u16(p, at) == c;
        }
        p.put(at, (byte) (c >>> 8));
        p.put(at + 1, (byte) c);
        return true;
    }

    /** Sum of big-endian 16-bit words; the word at absolute index {@code zeroAt} counts as 0. */
    private static long sum(ByteBuffer b, int from, int length, int zeroAt) {
        long s = 0;
        int end = from + length;
        int i = from;
        for (; i + 1 < end; i += 2) {
            if (i != zeroAt) {
                s += PacketParser.u16(b, i);
            }
        }
        if (i < end) {
            s += (b.get(i) & 0xFF) << 8;
        }
        return s;
    }

    private static int finish(long s) {
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) ~s & 0xFFFF;
    }
}
