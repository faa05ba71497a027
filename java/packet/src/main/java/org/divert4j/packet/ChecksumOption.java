package org.divert4j.packet;

import java.util.Collection;
import java.util.Objects;

/**
 * A checksum that {@link Packet#recalculateChecksums(java.util.Set)} and
 * {@link Packet#setPayload(java.nio.ByteBuffer, ChecksumOption...)} leave as it is: the type-safe form of
 * the {@code WINDIVERT_HELPER_NO_*_CHECKSUM} flags (docs/spec/helpers.md §4), which
 * {@link #flag()} gives.
 */
public enum ChecksumOption {
    /** Do not compute the IPv4 header checksum ({@link Checksums#NO_IP_CHECKSUM}). */
    NO_IP(Checksums.NO_IP_CHECKSUM),
    /** Do not compute the ICMP checksum ({@link Checksums#NO_ICMP_CHECKSUM}). */
    NO_ICMP(Checksums.NO_ICMP_CHECKSUM),
    /** Do not compute the ICMPv6 checksum ({@link Checksums#NO_ICMPV6_CHECKSUM}). */
    NO_ICMPV6(Checksums.NO_ICMPV6_CHECKSUM),
    /** Do not compute the TCP checksum ({@link Checksums#NO_TCP_CHECKSUM}). */
    NO_TCP(Checksums.NO_TCP_CHECKSUM),
    /** Do not compute the UDP checksum ({@link Checksums#NO_UDP_CHECKSUM}). */
    NO_UDP(Checksums.NO_UDP_CHECKSUM);

    private final int flag;

    ChecksumOption(int flag) {
        this.flag = flag;
    }

    /** {@return the flag bit of this option, as {@link Packet#recalculateChecksums(int)} takes it} */
    public int flag() {
        return flag;
    }

    /**
     * The flag bits of {@code options} OR-ed together.
     *
     * @param options the checksums to skip; a repeated option counts once
     * @return the {@link Checksums} flag bits, 0 for no option
     * @throws NullPointerException if {@code options} or one of its elements is null
     */
    public static int flags(Collection<ChecksumOption> options) {
        return options.stream().mapToInt(o -> Objects.requireNonNull(o, "null checksum option").flag)
                .reduce(0, (a, b) -> a | b);
    }
}
