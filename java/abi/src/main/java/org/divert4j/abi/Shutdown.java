package org.divert4j.abi;

/** What {@code shutdown} stops (docs/spec/device-abi.md §6.5). */
public enum Shutdown {
    /** No new packets are queued; receiving drains the queue, then reports no data. */
    RECV(1),
    /** Further sends fail. */
    SEND(2),
    /** Both. */
    BOTH(3);

    private final int value;

    Shutdown(int value) {
        this.value = value;
    }

    /** The value on the wire. */
    public int value() {
        return value;
    }
}
