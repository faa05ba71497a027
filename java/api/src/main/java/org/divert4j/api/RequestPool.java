package org.divert4j.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Ioctl;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;

/**
 * The request buffers of one handle, pooled so that no native memory is allocated per packet,
 * and the count of requests in flight that closing waits for. The pool shares the handle's
 * monitor: the handle's own close state changes under the same lock as {@link #closed}, so a
 * request is either refused or counted before close starts waiting.
 */
final class RequestPool {

    /** Data bytes of a pooled request buffer: a full batch of 1500-byte packets, and at least one maximal packet. */
    static final int DATA_CAPACITY = Math.max(Abi.MTU_MAX, Abi.BATCH_MAX * 1500);

    private final DeviceChannel channel;
    private final Object lock;
    private final ConcurrentLinkedDeque<Request> free = new ConcurrentLinkedDeque<>();
    private final List<Request> all = Collections.synchronizedList(new ArrayList<>());
    private int inFlight;
    private boolean closed;

    /**
     * A pool with no requests yet.
     *
     * @param channel the device the requests go to
     * @param lock the handle's monitor, guarding {@link #closed} and the count in flight
     */
    RequestPool(DeviceChannel channel, Object lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** {@return true once {@link #close()} was called} */
    boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /**
     * Takes a request, creating its buffers and slot the first time; give it back with
     * {@link #release}.
     *
     * @throws IllegalStateException if the pool is closed
     */
    Request acquire() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the divert handle is closed");
            }
            inFlight++;
        }
        Request r = free.pollFirst();
        if (r == null) {
            try {
                r = new Request(channel.newSlot());
            } catch (RuntimeException | Error e) {
                exit();
                throw e;
            }
            all.add(r);
        }
        return r;
    }

    /** Gives a request back: the most recently used one is taken next, its buffers still warm. */
    void release(Request r) {
        free.offerFirst(r);
        exit();
    }

    private void exit() {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }

    /** {@return false if the pool was already closed, else true, with new requests refused from now on} */
    boolean close() {
        synchronized (lock) {
            if (closed) {
                return false;
            }
            closed = true;
            return true;
        }
    }

    /**
     * After {@link #close()}: cancels pending requests until every request has returned, then
     * frees their slots.
     *
     * @return true if the thread was interrupted while waiting (the caller restores the flag)
     */
    boolean drain() {
        boolean interrupted = false;
        synchronized (lock) {
            while (inFlight > 0) {
                channel.cancelAll();
                try {
                    // A request may be issued just after the cancel: cancel again until all returned.
                    lock.wait(20);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        synchronized (all) {
            for (Request r : all) {
                r.slot.close();
            }
        }
        return interrupted;
    }

    /** The pooled buffers and completion slot of one request at a time. */
    final class Request {
        final IoSlot slot;
        final ByteBuffer header = channel.allocate(Abi.IOCTL_SIZE);
        final ByteBuffer addresses = channel.allocate(Abi.BATCH_MAX * Abi.ADDRESS_SIZE);
        final ByteBuffer addressLength = channel.allocate(4);
        final long addressesPointer = NativeBuffers.address(addresses);
        final long addressLengthPointer = NativeBuffers.address(addressLength);
        ByteBuffer data = channel.allocate(DATA_CAPACITY);

        private Request(IoSlot slot) {
            this.slot = slot;
        }

        /** The data buffer, cleared, grown (rarely: only for huge send batches) to hold {@code n} bytes. */
        ByteBuffer dataFor(int n) {
            if (data.capacity() < n) {
                data = channel.allocate(n);
            }
            return data.clear();
        }

        IoResult issue(Ioctl ioctl, ByteBuffer payload) {
            return channel.ioctl(slot, ioctl.code(), header.clear(), payload);
        }
    }
}
