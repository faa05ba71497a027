package org.divert4j.abi;

/** Bits of the filter-flags word sent with STARTUP (docs/spec/filter-object.md (c)). */
public enum FilterFlag {
    /** The filter may match inbound packets. */
    INBOUND(0x0010),
    /** The filter may match outbound packets. */
    OUTBOUND(0x0020),
    /** The filter may match IPv4. */
    IP(0x0040),
    /** The filter may match IPv6. */
    IPV6(0x0080),
    /** FLOW: deletion events are wanted. */
    EVENT_FLOW_DELETED(0x0100),
    /** SOCKET: bind events are wanted. */
    EVENT_SOCKET_BIND(0x0200),
    /** SOCKET: connect events are wanted. */
    EVENT_SOCKET_CONNECT(0x0400),
    /** SOCKET: listen events are wanted. */
    EVENT_SOCKET_LISTEN(0x0800),
    /** SOCKET: accept events are wanted. */
    EVENT_SOCKET_ACCEPT(0x1000),
    /** SOCKET: close events are wanted. */
    EVENT_SOCKET_CLOSE(0x2000);

    /** Every defined bit; the driver rejects others. */
    public static final long ALL = 0x3FF0;

    private final long bit;

    FilterFlag(long bit) {
        this.bit = bit;
    }

    /** The flag's bit. */
    public long bit() {
        return bit;
    }
}
