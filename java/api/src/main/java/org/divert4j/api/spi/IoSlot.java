package org.divert4j.api.spi;

/** Completion state for one request at a time (see {@link DeviceChannel#newSlot}). */
public interface IoSlot extends AutoCloseable {
    /** Frees the slot's native resources. */
    @Override
    void close();
}
