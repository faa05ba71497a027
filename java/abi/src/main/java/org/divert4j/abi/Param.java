package org.divert4j.abi;

/** Handle parameters (docs/spec/device-abi.md §6.3). */
public enum Param {
    /** Maximum number of queued packets. */
    QUEUE_LENGTH(0, 4096, 32, 16384, true),
    /** Maximum time in milliseconds a packet may stay queued. */
    QUEUE_TIME(1, 2000, 100, 16000, true),
    /** Maximum number of queued bytes. */
    QUEUE_SIZE(2, 4194304, 65535, 33554432, true),
    /** The driver's major version (read-only). */
    VERSION_MAJOR(3, 2, 2, 2, false),
    /** The driver's minor version (read-only). */
    VERSION_MINOR(4, 2, 2, 2, false);

    private final int id;
    private final long defaultValue;
    private final long min;
    private final long max;
    private final boolean settable;

    Param(int id, long defaultValue, long min, long max, boolean settable) {
        this.id = id;
        this.defaultValue = defaultValue;
        this.min = min;
        this.max = max;
        this.settable = settable;
    }

    /** The parameter number on the wire. */
    public int id() {
        return id;
    }

    /** The value a new handle starts with. */
    public long defaultValue() {
        return defaultValue;
    }

    /** The smallest value SET_PARAM accepts. */
    public long min() {
        return min;
    }

    /** The largest value SET_PARAM accepts. */
    public long max() {
        return max;
    }

    /** True if SET_PARAM may change it. */
    public boolean settable() {
        return settable;
    }

    /**
     * The parameter with the given number.
     *
     * @throws IllegalArgumentException if {@code id} is not 0…4
     */
    public static Param of(int id) {
        if (id < 0 || id >= values().length) {
            throw new IllegalArgumentException("unknown parameter " + id + " (expected 0..4)");
        }
        return values()[id];
    }
}
