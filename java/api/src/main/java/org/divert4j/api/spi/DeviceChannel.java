package org.divert4j.api.spi;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An open device. Requests are issued with {@link #ioctl}, each with its own {@link IoSlot}
 * (the per-request completion state: on Windows an OVERLAPPED with its event), so several
 * threads may have requests pending at once.
 *
 * <p>Buffers are direct {@link ByteBuffer}s owned by the caller, which keeps them alive and
 * untouched until {@code ioctl} returns; pointers inside the header (RECV/SEND address arrays,
 * the RECV address-length word) are native addresses of such buffers. The client takes every
 * request buffer from {@link #allocate}, once, and reuses it. A transport never allocates per
 * request.
 */
public interface DeviceChannel extends AutoCloseable {

    /**
     * A request buffer: native memory the device reads and writes. By default a direct buffer;
     * a channel whose device accepts only memory it knows of (a simulated process's) gives
     * that, and may free it when the channel closes, after which the client no longer touches it.
     *
     * @param capacity bytes
     * @return a zeroed little-endian direct buffer of that capacity
     */
    default ByteBuffer allocate(int capacity) {
        return ByteBuffer.allocateDirect(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@return a new completion slot; the caller reuses it for many requests and closes it at the end} */
    IoSlot newSlot();

    /**
     * Issues one request and waits for its completion.
     *
     * @param slot a slot no other request is using
     * @param code the IOCTL code
     * @param header the 16-byte request header (direct, position 0, limit 16)
     * @param data the data buffer (direct; position 0, limit = its length) or null
     * @return the completion: Windows error (0 = success) and bytes transferred
     */
    IoResult ioctl(IoSlot slot, int code, ByteBuffer header, ByteBuffer data);

    /**
     * Cancels the request pending on a slot, if any; it completes with error 995.
     *
     * @param slot the slot
     */
    void cancel(IoSlot slot);

    /** Cancels every pending request of this channel; they complete with error 995. */
    void cancelAll();

    /** Closes the device; only called once no request is pending. */
    @Override
    void close();
}
