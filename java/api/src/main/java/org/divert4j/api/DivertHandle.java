package org.divert4j.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.FilterFlag;
import org.divert4j.abi.Ioctl;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.api.codec.RequestHeader;
import org.divert4j.api.codec.VersionRecord;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.IoResult;
import org.divert4j.api.spi.IoSlot;
import org.divert4j.packet.Packet;

/**
 * An open divert handle: receives the packets (or events) its filter matches and injects
 * packets. Open one with {@link #builder()}; close it with {@link #close()} (it is
 * {@link AutoCloseable}).
 *
 * <h2>Thread safety</h2>
 * All methods may be called from any thread. Several threads may receive and send at the same
 * time, each request with its own buffers (the usual way to scale a divert loop, see
 * {@code divert4j passthru --threads}). {@link #close()} cancels every pending request: blocked
 * {@link #recv()} calls end with {@link DivertException.AbortedException}, iterators and streams
 * end, pending futures complete exceptionally. {@link #shutdown(Shutdown)} with RECV lets
 * receivers drain the queue and then end with {@link DivertException.NoDataException}.
 *
 * <h2>Buffers</h2>
 * Requests use direct buffers that are pooled per handle and reused; received packets are copied
 * out into fresh arrays, so no native memory is allocated per packet.
 */
public final class DivertHandle implements AutoCloseable, Iterable<DivertPacket> {

    /** Data bytes of a pooled request buffer: a full batch of 1500-byte packets, and at least one maximal packet. */
    static final int DATA_CAPACITY = Math.max(Abi.MTU_MAX, Abi.BATCH_MAX * 1500);

    /**
     * How {@link #send} treats checksums. By default every checksum (IPv4 header, TCP, UDP, ICMP,
     * ICMPv6) of each packet is recomputed before sending, as {@code WinDivertHelperCalcChecksums}
     * does, and marked valid in the address, so a modified packet never leaves with a stale
     * checksum, whatever its received checksum flags claim. Recomputing an unchanged packet
     * changes no byte. The caller's arrays are not changed: the work happens in the request
     * buffer.
     */
    public enum SendOption {
        /** Recompute every checksum: the default, for code that says so explicitly. */
        RECOMPUTE_CHECKSUMS,
        /**
         * Send the bytes exactly as given, with the address's checksum flags as they are (the
         * driver then recomputes only the IPv4/TCP/UDP checksums whose flag is 0, never ICMP):
         * for packets known to be unchanged, such as a passthru loop's, or deliberately bad
         * checksums.
         */
        NO_RECOMPUTE
    }

    private final DeviceChannel channel;
    private final String devicePath;
    private final Layer layer;
    private final int priority;
    private final long flags;
    private final FilterProgram filter;
    private final ConcurrentLinkedDeque<Request> pool = new ConcurrentLinkedDeque<>();
    private final List<Request> allRequests = Collections.synchronizedList(new ArrayList<>());
    private final Object lock = new Object();
    private int inFlight;
    private boolean closed;
    private boolean closeDone;
    private Thread signalHook;
    private volatile ExecutorService async;
    private long counterFrequency = 1_000_000_000L;
    private long epochNanosAtZero;

    private DivertHandle(DeviceChannel channel, String devicePath, Layer layer, int priority, long flags,
            FilterProgram filter) {
        this.channel = channel;
        this.devicePath = devicePath;
        this.layer = layer;
        this.priority = priority;
        this.flags = flags;
        this.filter = filter;
    }

    /** {@return a builder for a new handle} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the handle's layer} */
    public Layer layer() {
        return layer;
    }

    /** {@return the handle's priority (−30000 … 30000)} */
    public int priority() {
        return priority;
    }

    /** {@return the open flags} */
    public Set<OpenFlag> flags() {
        return OpenFlag.fromBits(flags);
    }

    /** {@return the filter the handle was started with} */
    public FilterProgram filter() {
        return filter;
    }

    /** {@return the device path that was opened, e.g. {@code \\.\Divert4j}} */
    public String devicePath() {
        return devicePath;
    }

    // ---- receiving ----------------------------------------------------------------------------

    /**
     * Receives one packet, blocking until one is available.
     *
     * @return the packet and its address
     * @throws DivertException.NoDataException after {@code shutdown(RECV)} once the queue is empty
     * @throws DivertException.AbortedException if the handle is closed meanwhile
     * @throws DivertException for other failures (e.g. 87 on a SEND_ONLY handle)
     * @throws IllegalStateException if the handle is already closed
     */
    public DivertPacket recv() {
        Request r = acquire();
        try {
            r.header.put(0, RequestHeader.recv(r.addressesPointer, 0));
            IoResult res = r.issue(Ioctl.RECV, r.data.clear());
            if (!res.ok()) {
                throw failure(res, "recv");
            }
            byte[] bytes = new byte[res.bytes()];
            r.data.get(0, bytes);
            return new DivertPacket(bytes, AddressCodec.decode(r.addresses.clear()));
        } finally {
            release(r);
        }
    }

    /**
     * Receives up to {@code max} packets with one request, blocking until at least one is
     * available. The driver fills the batch with what is queued and fits (docs/spec/device-abi.md §8).
     *
     * @param max 1 … 255
     * @return one or more packets, in queue order
     * @throws IllegalArgumentException if {@code max} is out of range
     * @throws DivertException as {@link #recv()}
     */
    public List<DivertPacket> recv(int max) {
        if (max < 1 || max > Abi.BATCH_MAX) {
            throw new IllegalArgumentException("batch size must be 1.." + Abi.BATCH_MAX + ": " + max);
        }
        Request r = acquire();
        try {
            r.addressLength.putInt(0, max * Abi.ADDRESS_SIZE);
            r.header.put(0, RequestHeader.recv(r.addressesPointer, r.addressLengthPointer));
            IoResult res = r.issue(Ioctl.RECV, r.data.clear());
            if (!res.ok()) {
                throw failure(res, "recv");
            }
            int count = r.addressLength.getInt(0) / Abi.ADDRESS_SIZE;
            return frame(r.data, res.bytes(), r.addresses, count);
        } finally {
            release(r);
        }
    }

    /**
     * Splits a batch into packets: their boundaries come from each packet's IP header (NETWORK
     * layers), are empty (FLOW, SOCKET), or end after a NUL (REFLECT).
     */
    private List<DivertPacket> frame(ByteBuffer data, int bytes, ByteBuffer addresses, int count) {
        if (count < 1 || count > Abi.BATCH_MAX) {
            throw DivertException.of(WinError.INVALID_DATA.code(), "recv", "the driver reported " + count + " addresses");
        }
        List<DivertPacket> out = new ArrayList<>(count);
        addresses.clear();
        int offset = 0;
        for (int i = 0; i < count; i++) {
            Address a = AddressCodec.decode(addresses);
            int len = count == 1 && layer.isNetwork() ? bytes : packetLength(data, offset, bytes);
            if (len < 0 || offset + len > bytes) {
                throw DivertException.of(WinError.INVALID_DATA.code(), "recv",
                        "packet " + i + " at offset " + offset + " does not fit the " + bytes + " bytes received");
            }
            byte[] p = new byte[len];
            data.get(offset, p);
            out.add(new DivertPacket(p, a));
            offset += len;
        }
        return out;
    }

    /** The length of the packet at {@code offset}, or −1 if its header is cut off or invalid. */
    private int packetLength(ByteBuffer data, int offset, int end) {
        switch (layer) {
            case FLOW, SOCKET:
                return 0;
            case REFLECT:
                for (int i = offset; i < end; i++) {
                    if (data.get(i) == 0) {
                        return i + 1 - offset;
                    }
                }
                return end - offset;
            default:
                return ipLength(data, offset, end - offset);
        }
    }

    /** The length an IPv4/IPv6 header at {@code offset} announces, or −1. */
    static int ipLength(ByteBuffer data, int offset, int available) {
        if (available < 1) {
            return -1;
        }
        int version = (data.get(offset) & 0xFF) >>> 4;
        if (version == 4 && available >= 20) {
            int len = (data.get(offset + 2) & 0xFF) << 8 | (data.get(offset + 3) & 0xFF);
            return len >= 20 ? len : -1;
        }
        if (version == 6 && available >= 40) {
            return ((data.get(offset + 4) & 0xFF) << 8 | (data.get(offset + 5) & 0xFF)) + 40;
        }
        return -1;
    }

    /**
     * Receives asynchronously on the handle's worker threads.
     *
     * @return a future completed with the packet, or exceptionally as {@link #recv()} fails
     */
    public CompletableFuture<DivertPacket> recvAsync() {
        return CompletableFuture.supplyAsync(this::recv, async());
    }

    /**
     * Packets as they arrive, one {@link #recv()} per element. The iteration ends when the
     * handle is shut down for receiving and drained, or closed; other errors are thrown from
     * {@code hasNext()}.
     */
    @Override
    public Iterator<DivertPacket> iterator() {
        return new Iterator<>() {
            private DivertPacket next;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (next == null && !done) {
                    try {
                        next = recv();
                    } catch (DivertException.NoDataException e) {
                        done = true;
                    } catch (DivertException.AbortedException | IllegalStateException e) {
                        if (!isClosed()) {
                            throw e;
                        }
                        done = true;
                    }
                }
                return next != null;
            }

            @Override
            public DivertPacket next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("the handle was shut down or closed");
                }
                DivertPacket p = next;
                next = null;
                return p;
            }
        };
    }

    /** {@return a sequential stream over {@link #iterator()}} */
    public Stream<DivertPacket> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    // ---- sending ------------------------------------------------------------------------------

    /**
     * Injects one packet.
     *
     * @param packet the IP packet (the driver uses the length its IP header announces)
     * @param address where and how to inject: direction, interface, impostor, checksum flags
     * @param options {@link SendOption#NO_RECOMPUTE} to send the checksums as they are
     * @return bytes injected
     * @throws DivertException e.g. 87 on a RECV_ONLY handle or at FLOW/SOCKET/REFLECT, 232 after
     *     {@code shutdown(SEND)}, 1232 when an impostor's TTL runs out
     */
    public int send(byte[] packet, Address address, SendOption... options) {
        return send(List.of(new DivertPacket(packet, address)), options);
    }

    /**
     * Injects a packet with the address it was received with.
     *
     * @param packet a (possibly modified) received packet: its current bytes are sent, those
     *     its {@link DivertPacket#packet()} view holds if it has one
     * @param options {@link SendOption#NO_RECOMPUTE} to send the checksums as they are
     * @return bytes injected
     */
    public int send(DivertPacket packet, SendOption... options) {
        return send(List.of(packet), options);
    }

    /**
     * Injects up to 255 packets with one request. For more than one packet each array must be
     * exactly the length its IP header announces, since the driver finds packet boundaries from
     * the headers.
     *
     * @param packets the packets with their addresses
     * @param options {@link SendOption#NO_RECOMPUTE} to send the checksums as they are
     * @return total bytes injected
     * @throws IllegalArgumentException for an empty or oversized batch, a mis-sized packet, or
     *     contradicting options
     * @throws DivertException as {@link #send(byte[], Address, SendOption...)}; a soft error (e.g.
     *     1232) is reported after the other packets were injected
     */
    public int send(List<DivertPacket> packets, SendOption... options) {
        if (packets.isEmpty() || packets.size() > Abi.BATCH_MAX) {
            throw new IllegalArgumentException("a send batch holds 1.." + Abi.BATCH_MAX + " packets: " + packets.size());
        }
        int total = 0;
        ByteBuffer[] bytes = new ByteBuffer[packets.size()];
        for (int i = 0; i < packets.size(); i++) {
            ByteBuffer p = bytes[i] = packets.get(i).bytes();
            if (packets.size() > 1 && ipLength(p, 0, p.limit()) != p.limit()) {
                throw new IllegalArgumentException("packet " + i + " of the batch is " + p.limit()
                        + " bytes but its IP header does not announce that length");
            }
            total += p.limit();
        }
        List<SendOption> chosen = List.of(options);
        boolean recompute = !chosen.contains(SendOption.NO_RECOMPUTE);
        if (!recompute && chosen.contains(SendOption.RECOMPUTE_CHECKSUMS)) {
            throw new IllegalArgumentException("RECOMPUTE_CHECKSUMS and NO_RECOMPUTE cannot be combined");
        }
        Request r = acquire();
        try {
            ByteBuffer data = r.dataFor(total);
            r.addresses.clear();
            for (int i = 0; i < packets.size(); i++) {
                int offset = data.position();
                int length = bytes[i].limit();
                data.put(bytes[i]);
                Address a = packets.get(i).address();
                if (recompute) {
                    a = Packet.wrap(data, offset, length).recalculateChecksums(0).applyTo(a);
                }
                AddressCodec.encode(a, r.addresses);
            }
            data.flip();
            r.header.put(0, RequestHeader.send(r.addressesPointer, (long) packets.size() * Abi.ADDRESS_SIZE));
            IoResult res = r.issue(Ioctl.SEND, data);
            if (!res.ok()) {
                throw failure(res, "send");
            }
            return res.bytes();
        } finally {
            release(r);
        }
    }

    /**
     * Injects asynchronously on the handle's worker threads.
     *
     * @param packet the IP packet
     * @param address where and how to inject
     * @param options {@link SendOption#NO_RECOMPUTE} to send the checksums as they are
     * @return a future completed with the bytes injected, or exceptionally
     */
    public CompletableFuture<Integer> sendAsync(byte[] packet, Address address, SendOption... options) {
        return CompletableFuture.supplyAsync(() -> send(packet, address, options), async());
    }

    // ---- control ------------------------------------------------------------------------------

    /**
     * Stops receiving and/or sending (docs/spec/device-abi.md §6.5): after RECV no new packets are queued,
     * queued ones can still be received, then receives end with
     * {@link DivertException.NoDataException}; after SEND sends fail with it.
     *
     * A closed handle has nothing left to shut down: then, or if the handle is closed meanwhile,
     * this does nothing, so a Ctrl-C hook cannot race a normal exit (see
     * {@link #shutdownOnSignal()}).
     *
     * @param how what to shut down
     */
    public void shutdown(Shutdown how) {
        Objects.requireNonNull(how, "how");
        Request r;
        synchronized (lock) {
            if (closed) {
                return;
            }
            r = acquire();
        }
        try {
            r.header.put(0, RequestHeader.shutdown(how));
            IoResult res = r.issue(Ioctl.SHUTDOWN, null);
            if (!res.ok() && !(res.error() == WinError.OPERATION_ABORTED.code() && isClosed())) {
                throw failure(res, "shutdown " + how);
            }
        } finally {
            release(r);
        }
    }

    /**
     * Reads a parameter.
     *
     * @param param queue length/time/size or the driver version
     * @return its value
     */
    public long getParam(Param param) {
        Request r = acquire();
        try {
            r.header.put(0, RequestHeader.getParam(param));
            ByteBuffer value = r.data.clear().limit(8).slice().order(ByteOrder.LITTLE_ENDIAN);
            IoResult res = r.issue(Ioctl.GET_PARAM, value);
            if (!res.ok()) {
                throw failure(res, "getParam " + param);
            }
            return value.getLong(0);
        } finally {
            release(r);
        }
    }

    /**
     * Sets a queue parameter.
     *
     * @param param QUEUE_LENGTH, QUEUE_TIME or QUEUE_SIZE
     * @param value the new value
     *
     * @throws DivertException.InvalidRequestException (87) for a read-only parameter or a value
     *     outside {@link Param#min()} … {@link Param#max()}, checked before the driver is asked
     */
    public void setParam(Param param, long value) {
        if (!param.settable() || value < param.min() || value > param.max()) {
            throw DivertException.of(WinError.INVALID_PARAMETER.code(), "setParam " + param,
                    param.settable() ? "value " + value + " outside " + param.min() + ".." + param.max()
                            : param + " is read-only");
        }
        control(RequestHeader.setParam(param, value), Ioctl.SET_PARAM, "setParam " + param);
    }

    private void control(byte[] header, Ioctl ioctl, String operation) {
        Request r = acquire();
        try {
            r.header.put(0, header);
            IoResult res = r.issue(ioctl, null);
            if (!res.ok()) {
                throw failure(res, operation);
            }
        } finally {
            release(r);
        }
    }

    /**
     * Converts an address-record timestamp (the transport's performance counter) to wall-clock
     * time, anchored when the handle was opened.
     *
     * @param timestamp an {@link Address#timestamp()}
     * @return nanoseconds since the Unix epoch
     */
    public long toEpochNanos(long timestamp) {
        return epochNanosAtZero + ticksToNanos(timestamp, counterFrequency);
    }

    private static long ticksToNanos(long ticks, long frequency) {
        return Math.floorDiv(ticks, frequency) * 1_000_000_000L
                + Math.floorMod(ticks, frequency) * 1_000_000_000L / frequency;
    }

    /** {@return true once {@link #close()} was called} */
    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /**
     * Closes the handle: cancels every pending request (their callers see
     * {@link DivertException.AbortedException}), waits for them to return, then closes the
     * device. Queued packets are reinjected by the driver unless the handle sniffs. Idempotent.
     */
    @Override
    public void close() {
        boolean interrupted = false;
        synchronized (lock) {
            if (closed) {
                // Another thread is closing: return once it is done, as if this call had closed.
                while (!closeDone) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            closed = true;
        }
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
        ExecutorService a = async;
        if (a != null) {
            a.shutdown();
        }
        synchronized (allRequests) {
            for (Request r : allRequests) {
                r.slot.close();
            }
        }
        channel.close();
        Thread hook;
        synchronized (lock) {
            closeDone = true;
            lock.notifyAll();
            hook = signalHook;
        }
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // The JVM is exiting (the signal came): the hook sees the handle closed and returns.
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends this handle's receive loops cleanly on Ctrl-C (SIGINT), SIGTERM or {@code System.exit},
     * with {@link #shutdownOnSignal(Duration) shutdownOnSignal(Duration.ofSeconds(3))}.
     *
     * @return this handle
     */
    public DivertHandle shutdownOnSignal() {
        return shutdownOnSignal(Duration.ofSeconds(3));
    }

    /**
     * Ends this handle's receive loops cleanly when the JVM is asked to exit (Ctrl-C, SIGTERM,
     * {@code System.exit}): a shutdown hook calls {@code shutdown(RECV)}, so the loops drain the
     * queue (and may still send) and end as on {@link DivertException.NoDataException}; it then
     * waits until the handle is closed (normally by the try-with-resources that owns it) for at
     * most {@code grace}, then closes it itself. The JVM exits once the hook returns, so work
     * after the loop (a summary) belongs before the handle is closed. A signal before the loop
     * starts or after close is harmless; close() removes the hook. Idempotent.
     *
     * <pre>{@code
     * try (DivertHandle h = DivertHandle.builder().filter("tcp").open().shutdownOnSignal()) {
     *     for (DivertPacket p : h) {
     *         h.send(p);
     *     }
     *     System.err.println("stopped");   // runs on Ctrl-C too
     * }
     * }</pre>
     *
     * @param grace how long the hook waits for the loop to end and close the handle
     * @return this handle
     * @throws IllegalStateException if the handle is closed, or the JVM is already exiting (the
     *     handle is then closed)
     */
    public DivertHandle shutdownOnSignal(Duration grace) {
        long graceNanos = grace.toNanos();
        Thread hook = new Thread(() -> onSignal(graceNanos), "divert4j-signal");
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the divert handle is closed");
            }
            if (signalHook != null) {
                return this;
            }
            signalHook = hook;
        }
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            close();
            throw e;
        }
        return this;
    }

    /** The shutdown hook's work: stop receiving, wait (bounded) for the owner to close, else close. */
    void onSignal(long graceNanos) {
        try {
            shutdown(Shutdown.RECV);
        } catch (DivertException e) {
            // The handle cannot be shut down gracefully: closing below ends the loops anyway.
        }
        long deadline = System.nanoTime() + graceNanos;
        synchronized (lock) {
            long left;
            while (!closeDone && (left = deadline - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    break;
                }
            }
        }
        close();
    }

    // ---- internals ----------------------------------------------------------------------------

    private DivertException failure(IoResult res, String operation) {
        if (res.error() == WinError.OPERATION_ABORTED.code() && isClosed()) {
            return DivertException.of(res.error(), operation, "the handle was closed");
        }
        return DivertException.of(res.error(), operation,
                res.error() == WinError.INSUFFICIENT_BUFFER.code() ? res.bytes() + " bytes delivered" : null);
    }

    private Request acquire() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("the divert handle is closed");
            }
            inFlight++;
        }
        Request r = pool.pollFirst();
        if (r == null) {
            try {
                r = new Request(channel.newSlot());
            } catch (RuntimeException | Error e) {
                exit();
                throw e;
            }
            allRequests.add(r);
        }
        return r;
    }

    private void release(Request r) {
        pool.offerFirst(r);
        exit();
    }

    private void exit() {
        synchronized (lock) {
            inFlight--;
            lock.notifyAll();
        }
    }

    private ExecutorService async() {
        ExecutorService a = async;
        if (a == null) {
            synchronized (lock) {
                if (closed) {
                    throw new IllegalStateException("the divert handle is closed");
                }
                if (async == null) {
                    async = Executors.newCachedThreadPool(task -> {
                        Thread t = new Thread(task, "divert4j-async");
                        t.setDaemon(true);
                        return t;
                    });
                }
                a = async;
            }
        }
        return a;
    }

    /** The pooled buffers and completion slot of one request at a time. */
    private final class Request {
        final IoSlot slot;
        final ByteBuffer header = NativeBuffers.allocate(Abi.IOCTL_SIZE);
        final ByteBuffer addresses = NativeBuffers.allocate(Abi.BATCH_MAX * Abi.ADDRESS_SIZE);
        final ByteBuffer addressLength = NativeBuffers.allocate(4);
        final long addressesPointer = NativeBuffers.address(addresses);
        final long addressLengthPointer = NativeBuffers.address(addressLength);
        ByteBuffer data = NativeBuffers.allocate(DATA_CAPACITY);

        Request(IoSlot slot) {
            this.slot = slot;
        }

        /** The data buffer, cleared, grown (rarely: only for huge send batches) to hold {@code n} bytes. */
        ByteBuffer dataFor(int n) {
            if (data.capacity() < n) {
                data = NativeBuffers.allocate(n);
            }
            return data.clear();
        }

        IoResult issue(Ioctl ioctl, ByteBuffer payload) {
            return channel.ioctl(slot, ioctl.code(), header.clear(), payload);
        }
    }

    /**
     * Opens a handle: validates the arguments, opens the device (installing the driver on demand),
     * performs the version handshake and starts the filter (docs/spec/device-abi.md §4.1).
     */
    public static final class Builder {
        private FilterProgram filter;
        private String filterText;
        private Layer layer = Layer.NETWORK;
        private int priority;
        private final EnumSet<OpenFlag> flags = EnumSet.noneOf(OpenFlag.class);
        private Device device = Device.AUTO;
        private DeviceTransport transport;
        private Path driverFile;

        private Builder() {
        }

        /**
         * The filter as text or an {@code @WinDiv_} object string; it is compiled for the layer
         * when the handle opens. A filter is required (this or {@link #filter(FilterProgram)}).
         *
         * @param text the filter
         * @return this builder
         */
        public Builder filter(String text) {
            this.filterText = Objects.requireNonNull(text, "text");
            this.filter = null;
            return this;
        }

        /**
         * The compiled filter, instead of text; it must have been compiled for the handle's layer.
         *
         * @param program the program and its flags
         * @return this builder
         */
        public Builder filter(FilterProgram program) {
            this.filter = Objects.requireNonNull(program, "program");
            this.filterText = null;
            return this;
        }

        /**
         * The layer (default NETWORK).
         *
         * @param layer the layer
         * @return this builder
         */
        public Builder layer(Layer layer) {
            this.layer = Objects.requireNonNull(layer, "layer");
            return this;
        }

        /**
         * The priority, −30000 (lowest) … 30000 (highest), default 0.
         *
         * @param priority the priority
         * @return this builder
         */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /**
         * Adds open flags.
         *
         * @param flags the flags
         * @return this builder
         */
        public Builder flags(OpenFlag... flags) {
            this.flags.addAll(List.of(flags));
            return this;
        }

        /**
         * Adds open flags.
         *
         * @param flags the flags
         * @return this builder
         */
        public Builder flags(Set<OpenFlag> flags) {
            this.flags.addAll(flags);
            return this;
        }

        /**
         * Which driver to open (default {@link Device#AUTO}).
         *
         * @param device the driver
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /**
         * The transport (default: the platform's, see {@link Transports#platform()}).
         *
         * @param transport the transport
         * @return this builder
         */
        public Builder transport(DeviceTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * The driver file to install on demand (default: the system property
         * {@code divert4j.driver}, else {@code divert4j.sys} next to the jar).
         *
         * @param file the driver file
         * @return this builder
         */
        public Builder driverFile(Path file) {
            this.driverFile = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * Opens the handle.
         *
         * @return the open handle
         * @throws DivertException.InvalidFilterException (87) if the filter does not compile,
         *     with the compiler's diagnostic, without touching the device
         * @throws DivertException.InvalidRequestException (87) for an invalid layer, flags,
         *     priority or program, without touching the device
         * @throws DivertException.DriverUnavailableException if the driver is missing and cannot
         *     be installed, is incompatible (654), or the platform has no transport (50)
         * @throws DivertException for any other failure of the open sequence
         */
        public DivertHandle open() {
            String op = "open";
            if (filter == null && filterText == null) {
                throw new IllegalStateException("no filter given");
            }
            long bits = OpenFlag.toBits(flags);
            String problem = OpenFlag.problem(bits, layer);
            if (problem != null) {
                throw invalid(op, problem, flagRemedy(bits));
            }
            if (priority < Abi.PRIORITY_LOWEST || priority > Abi.PRIORITY_HIGHEST) {
                throw invalid(op, "priority " + priority + " outside " + Abi.PRIORITY_LOWEST + ".." + Abi.PRIORITY_HIGHEST,
                        "use a priority from " + Abi.PRIORITY_LOWEST + " (lowest) to " + Abi.PRIORITY_HIGHEST
                                + " (highest); higher priorities see packets first");
            }
            DeviceTransport t = transport != null ? transport : Transports.platform();
            if (DeviceOpener.LINUX.equals(t.name())) {
                if (layer == Layer.FLOW || layer == Layer.SOCKET) {
                    throw invalid(op, "the " + layer + " layer is not supported on Linux (netfilter queues packets only)",
                            "FLOW and SOCKET events need Windows; on Linux use the NETWORK layer"
                                    + " (e.g. 'tcp.Syn' sees connections open)");
                }
                if ((bits & OpenFlag.FRAGMENTS.bit()) != 0) {
                    throw invalid(op, "the FRAGMENTS flag is not supported on Linux (netfilter's INPUT hook sees"
                            + " inbound packets reassembled)", "open without FRAGMENTS: inbound packets are then"
                            + " seen reassembled, as on Windows by default");
                }
            }
            FilterProgram program = filter != null ? filter : FilterProgram.compile(filterText, layer);
            if (program.instructions().size() > Abi.FILTER_MAX_INSTRUCTIONS) {
                throw new DivertException.InvalidFilterException(op, "the filter program has "
                        + program.instructions().size() + " instructions; the driver accepts at most 255", null);
            }
            if ((program.filterFlags() & ~FilterFlag.ALL) != 0) {
                throw DivertException.of(WinError.INVALID_PARAMETER.code(), op,
                        String.format("undefined filter flag bits 0x%x", program.filterFlags() & ~FilterFlag.ALL));
            }
            Opened opened = DeviceOpener.open(t, device, (bits & OpenFlag.NO_INSTALL.bit()) != 0, driverFile);
            DivertHandle h = new DivertHandle(opened.channel(), opened.path(), layer, priority, bits, program);
            h.anchorClock(t.counterFrequency(), t.counterNow(), java.time.Instant.now());
            try {
                h.start();
            } catch (RuntimeException e) {
                h.close();
                throw e;
            }
            return h;
        }
    }

    private static DivertException invalid(String op, String detail, String remedy) {
        return new DivertException.InvalidRequestException(WinError.INVALID_PARAMETER.code(), op, detail, remedy, null);
    }

    /** The remedy for the flag problem {@link OpenFlag#problem} found in {@code bits}. */
    private static String flagRemedy(long bits) {
        if ((bits & ~OpenFlag.ALL) != 0) {
            return "use only the OpenFlag constants";
        }
        if ((bits & OpenFlag.SNIFF.bit()) != 0 && (bits & OpenFlag.DROP.bit()) != 0) {
            return "use SNIFF to copy packets and let them pass, or DROP to discard them, not both";
        }
        if ((bits & OpenFlag.RECV_ONLY.bit()) != 0 && (bits & OpenFlag.SEND_ONLY.bit()) != 0) {
            return "use one of them, or neither for a handle that both receives and sends";
        }
        return "add the flags the layer requires: FLOW and REFLECT SNIFF and RECV_ONLY, SOCKET RECV_ONLY";
    }

    /** A device that was opened, and its path. */
    record Opened(DeviceChannel channel, String path) {
    }

    private void anchorClock(long frequency, long ticksNow, java.time.Instant now) {
        counterFrequency = frequency > 0 ? frequency : 1_000_000_000L;
        long nowNanos = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
        epochNanosAtZero = nowNanos - ticksToNanos(ticksNow, counterFrequency);
    }

    /** INITIALIZE (handshake) then STARTUP (the filter program). */
    private void start() {
        Request r = acquire();
        try {
            r.header.put(0, RequestHeader.initialize(layer, priority, flags));
            ByteBuffer version = r.data.clear().limit(Abi.VERSION_SIZE).slice();
            version.put(0, VersionRecord.request(NativeBuffers.pointerBits()).encode());
            IoResult res = r.issue(Ioctl.INITIALIZE, version);
            if (!res.ok()) {
                throw failure(res, "open (handshake)");
            }
            VersionRecord reply = VersionRecord.decode(version);
            if (!reply.isCompatibleDriverReply()) {
                throw DivertException.of(WinError.DRIVER_FAILED_PRIOR_UNLOAD.code(), "open (handshake)",
                        String.format("driver answered magic 0x%016x version %d.%d", reply.magic(), reply.major(), reply.minor()));
            }
            byte[] program = filter.encode();
            r.header.put(0, RequestHeader.startup(filter.filterFlags()));
            ByteBuffer data = r.dataFor(program.length).put(program).flip();
            res = r.issue(Ioctl.STARTUP, data);
            if (!res.ok()) {
                if (res.error() == WinError.INVALID_PARAMETER.code()) {
                    throw new DivertException.InvalidFilterException("open (start filter)",
                            "the driver rejected the filter program or its flags"
                                    + (filter.text() == null ? "" : " of '" + filter.text() + "'"), null);
                }
                throw failure(res, "open (start filter)");
            }
        } finally {
            release(r);
        }
    }
}
