package org.divert4j.abi;

/**
 * The layer a handle is opened at; it decides which events are delivered and which filter
 * fields are legal (docs/spec/device-abi.md §6.1).
 */
public enum Layer {
    /** Network packets to and from the local host. */
    NETWORK(0),
    /** Network packets passing through the host. */
    NETWORK_FORWARD(1),
    /** Network flow established/deleted events. */
    FLOW(2),
    /** Socket operation events (bind, connect, listen, accept, close). */
    SOCKET(3),
    /** Events about divert handles themselves (open, close). */
    REFLECT(4);

    private final int value;

    Layer(int value) {
        this.value = value;
    }

    /** The layer number on the wire and in the address record. */
    public int value() {
        return value;
    }

    /** True for the two layers that carry packet data. */
    public boolean isNetwork() {
        return this == NETWORK || this == NETWORK_FORWARD;
    }

    /**
     * The layer with the given wire value.
     *
     * @throws IllegalArgumentException if {@code value} is not 0…4
     */
    public static Layer of(int value) {
        for (Layer l : values()) {
            if (l.value == value) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layer " + value + " (expected 0..4)");
    }

    /**
     * The layer with the given name, case-insensitive ({@code network}, {@code network_forward},
     * {@code forward}, {@code flow}, {@code socket}, {@code reflect}).
     *
     * @throws IllegalArgumentException naming the accepted spellings
     */
    public static Layer parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        if (n.equals("FORWARD")) {
            return NETWORK_FORWARD;
        }
        for (Layer l : values()) {
            if (l.name().equals(n)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown layer '" + name
                + "' (expected NETWORK, NETWORK_FORWARD, FLOW, SOCKET or REFLECT)");
    }
}
