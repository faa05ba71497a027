package org.divert4j.abi;

/** The event an address record reports (docs/spec/device-abi.md §6.1). */
public enum Event {
    /** A network packet (NETWORK, NETWORK_FORWARD). */
    NETWORK_PACKET(0, Layer.NETWORK),
    /** A flow was established (FLOW). */
    FLOW_ESTABLISHED(1, Layer.FLOW),
    /** A flow was deleted (FLOW). */
    FLOW_DELETED(2, Layer.FLOW),
    /** A socket was bound (SOCKET). */
    SOCKET_BIND(3, Layer.SOCKET),
    /** A socket connects (SOCKET). */
    SOCKET_CONNECT(4, Layer.SOCKET),
    /** A socket listens (SOCKET). */
    SOCKET_LISTEN(5, Layer.SOCKET),
    /** A socket accepts a connection (SOCKET). */
    SOCKET_ACCEPT(6, Layer.SOCKET),
    /** A socket was closed (SOCKET). */
    SOCKET_CLOSE(7, Layer.SOCKET),
    /** A divert handle was opened (REFLECT). */
    REFLECT_OPEN(8, Layer.REFLECT),
    /** A divert handle was closed (REFLECT). */
    REFLECT_CLOSE(9, Layer.REFLECT);

    private final int value;
    private final Layer layer;

    Event(int value, Layer layer) {
        this.value = value;
        this.layer = layer;
    }

    /** The event number on the wire. */
    public int value() {
        return value;
    }

    /** True if a handle at {@code l} can receive this event. */
    public boolean validFor(Layer l) {
        return layer == l || (this == NETWORK_PACKET && l == Layer.NETWORK_FORWARD);
    }

    /**
     * The event with the given wire value.
     *
     * @throws IllegalArgumentException if {@code value} is not 0…9
     */
    public static Event of(int value) {
        if (value < 0 || value >= values().length) {
            throw new IllegalArgumentException("unknown event " + value + " (expected 0..9)");
        }
        return values()[value];
    }
}
