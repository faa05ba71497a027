package org.divert4j.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Ioctl;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.api.codec.BatchFraming;
import org.divert4j.api.codec.RequestHeader;
import org.divert4j.api.spi.DeviceChannel;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.IoResult;
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
    private final Object lock = new Object();
    private final RequestPool requests;
    private boolean closeDone;
    private Thread signalHook;
    private volatile ExecutorService async;
    private long counterFrequency = 1_000_000_000L;
    private long epochNanosAtZero;

    /** A handle on an opened device, not yet started: {@link HandleOpener} does the handshake and startup. */
    DivertHandle(DeviceChannel channel, String devicePath, Layer layer, int priority, long flags,
            FilterProgram filter) {
        this.channel = channel;
        this.requests = new RequestPool(channel, lock);
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

    /** {@return the open flags as bits} */
    long flagBits() {
        return flags;
    }

    /** {@return the handle's request pool} */
    RequestPool requests() {
        return requests;
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
        RequestPool.Request r = requests.acquire();
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
            requests.release(r);
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
        RequestPool.Request r = requests.acquire();
        try {
            r.addressLength.putInt(0, max * Abi.ADDRESS_SIZE);
            r.header.put(0, RequestHeader.recv(r.addressesPointer, r.addressLengthPointer));
            IoResult res = r.issue(Ioctl.RECV, r.data.clear());
            if (!res.ok()) {
                throw failure(res, "recv");
            }
            int count = r.addressLength.getInt(0) / Abi.ADDRESS_SIZE;
            return BatchFraming.split(layer, r.data, res.bytes(), r.addresses, count, DivertPacket::new,
                    detail -> DivertException.of(WinError.INVALID_DATA.code(), "recv", detail));
        } finally {
            requests.release(r);
        }
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
            if (packets.size() > 1 && BatchFraming.ipLength(p, 0, p.limit()) != p.limit()) {
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
        RequestPool.Request r = requests.acquire();
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
            requests.release(r);
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
        RequestPool.Request r;
        synchronized (lock) {
            if (requests.isClosed()) {
                return;
            }
            r = requests.acquire();
        }
        try {
            r.header.put(0, RequestHeader.shutdown(how));
            IoResult res = r.issue(Ioctl.SHUTDOWN, null);
            if (!res.ok() && !(res.error() == WinError.OPERATION_ABORTED.code() && isClosed())) {
                throw failure(res, "shutdown " + how);
            }
        } finally {
            requests.release(r);
        }
    }

    /**
     * Reads a parameter.
     *
     * @param param queue length/time/size or the driver version
     * @return its value
     */
    public long getParam(Param param) {
        RequestPool.Request r = requests.acquire();
        try {
            r.header.put(0, RequestHeader.getParam(param));
            ByteBuffer value = r.data.clear().limit(8).slice().order(ByteOrder.LITTLE_ENDIAN);
            IoResult res = r.issue(Ioctl.GET_PARAM, value);
            if (!res.ok()) {
                throw failure(res, "getParam " + param);
            }
            return value.getLong(0);
        } finally {
            requests.release(r);
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
        RequestPool.Request r = requests.acquire();
        try {
            r.header.put(0, header);
            IoResult res = r.issue(ioctl, null);
            if (!res.ok()) {
                throw failure(res, operation);
            }
        } finally {
            requests.release(r);
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
        return requests.isClosed();
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
            if (!requests.close()) {
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
        }
        interrupted |= requests.drain();
        ExecutorService a = async;
        if (a != null) {
            a.shutdown();
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
            if (requests.isClosed()) {
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

    /** The exception for a failed request; a cancellation by close says so. */
    DivertException failure(IoResult res, String operation) {
        if (res.error() == WinError.OPERATION_ABORTED.code() && isClosed()) {
            return DivertException.of(res.error(), operation, "the handle was closed");
        }
        return DivertException.of(res.error(), operation,
                res.error() == WinError.INSUFFICIENT_BUFFER.code() ? res.bytes() + " bytes delivered" : null);
    }

    private ExecutorService async() {
        ExecutorService a = async;
        if (a == null) {
            synchronized (lock) {
                if (requests.isClosed()) {
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
            return HandleOpener.open(filter, filterText, layer, priority, OpenFlag.toBits(flags), device, transport,
                    driverFile);
        }
    }

    /** Anchors {@link #toEpochNanos} to the transport's counter at {@code now}. */
    void anchorClock(long frequency, long ticksNow, java.time.Instant now) {
        counterFrequency = frequency > 0 ? frequency : 1_000_000_000L;
        long nowNanos = Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000_000L), now.getNano());
        epochNanosAtZero = nowNanos - ticksToNanos(ticksNow, counterFrequency);
    }
}
