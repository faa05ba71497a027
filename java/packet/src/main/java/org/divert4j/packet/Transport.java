package org.divert4j.packet;

/** The transport header a packet decomposition found, if any. */
public enum Transport {
    /** No transport header (unknown protocol, too short, or a non-first fragment). */
    NONE,
    /** A TCP header. */
    TCP,
    /** A UDP header. */
    UDP,
    /** An ICMP header (IPv4 only). */
    ICMP,
    /** An ICMPv6 header (IPv6 only). */
    ICMPV6
}
