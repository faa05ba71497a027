package org.divert4j.winsim;

import com.sun.jna.Native;
import com.sun.jna.ptr.LongByReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.divert4j.api.spi.DeviceTransport;

/**
 * The Windows driver (driver/windows) loaded into the simulated kernel of driver/winsim, and the
 * network stack around it: a test opens handles through {@link #transport()} with the real
 * {@code DivertHandle} API, sends and receives packets through the stack, reads what the driver
 * injected, and ends with {@link #unload()}, which reports what the driver leaked.
 *
 * <p>The simulated kernel is one per process (the library's statics), so one instance lives at
 * a time: {@link #load} fails while another is loaded.
 */
public final class Winsim implements AutoCloseable {

    /** The system property naming libwinsim_jna.so (the Maven build sets it). */
    public static final String LIBRARY_PROPERTY = "winsim.library";

    private static final int STATUS_SUCCESS = 0;
    private static final int MAX_PACKET = 65535;
    /** The kernel's statics: a second DriverEntry while one is loaded would abort the process. */
    private static final AtomicBoolean DRIVER_LOADED = new AtomicBoolean();

    private final WinsimLibrary lib;
    private final SimulatedKernel32 kernel32;
    private final WinsimTransport transport;
    private boolean loaded = true;

    private Winsim(WinsimLibrary lib) {
        this.lib = lib;
        this.kernel32 = new SimulatedKernel32(lib);
        this.transport = new WinsimTransport(lib, kernel32);
    }

    /** Where a packet enters the stack: the interface it is sent on or received from. */
    public record Interface(int ifIndex, int subIfIndex, int compartment, boolean loopback) {
    }

    /**
     * What the stack's classification decided.
     *
     * @param blocked a callout blocked the packet
     * @param absorbed ... silently (the driver took it)
     * @param callouts how many callouts were called
     */
    public record Verdict(boolean blocked, boolean absorbed, int callouts) {
        /** {@return true if the packet went on (not blocked)} */
        public boolean passed() {
            return !blocked;
        }
    }

    /** Where an injection went. */
    public enum InjectKind {
        /** Sent out (network send injection). */
        SEND,
        /** Up the stack (network receive injection). */
        RECEIVE,
        /** Forwarded. */
        FORWARD
    }

    /**
     * One packet the driver injected, as the stack got it.
     *
     * @param index its place among all injections since the process started
     * @param kind where it went
     * @param compartment the compartment it was injected into
     * @param ifIndex the interface (receive/forward)
     * @param subIfIndex the sub-interface (receive)
     * @param context the injection context the driver passed (its priority)
     * @param data the packet bytes
     */
    public record Injection(int index, InjectKind kind, int compartment, int ifIndex, int subIfIndex, long context,
            byte[] data) {
    }

    /**
     * Loads libwinsim_jna.so and runs the driver's DriverEntry.
     *
     * @param library the library
     * @return the loaded driver
     * @throws IllegalStateException if DriverEntry fails, or the driver is loaded already
     */
    public static Winsim load(Path library) {
        if (!Files.isRegularFile(library)) {
            throw new IllegalArgumentException(library + " does not exist (build driver/winsim's winsim_jna target)");
        }
        if (!DRIVER_LOADED.compareAndSet(false, true)) {
            throw new IllegalStateException("the simulated driver is loaded already (unload it first)");
        }
        WinsimLibrary lib = Native.load(library.toAbsolutePath().toString(), WinsimLibrary.class);
        int status = lib.winsim_jna_load();
        if (status != STATUS_SUCCESS) {
            DRIVER_LOADED.set(false);
            throw new IllegalStateException(String.format("DriverEntry failed: 0x%08x", status));
        }
        return new Winsim(lib);
    }

    /** {@return the transport to give {@code DivertHandle.builder().transport(...)}} */
    public DeviceTransport transport() {
        return transport;
    }

    /**
     * The stack sends a packet: it is classified at the outbound IP packet layer.
     *
     * @param packet an IPv4 or IPv6 packet
     * @param on the interface
     * @return the verdict
     */
    public Verdict send(byte[] packet, Interface on) {
        return stack(true, packet, on, 0);
    }

    /**
     * The stack receives a packet: it is classified at the inbound IP packet layer, indicated
     * after its IP header as WFP indicates it.
     *
     * @param packet an IPv4 packet
     * @param on the interface
     * @return the verdict
     */
    public Verdict receive(byte[] packet, Interface on) {
        return stack(false, packet, on, 0);
    }

    /**
     * A packet through the stack, its bytes split over two MDLs at {@code split} (0: one MDL).
     *
     * @param outbound sent (true) or received
     * @param packet an IPv4 packet
     * @param on the interface
     * @param split where the second MDL starts
     * @return the verdict
     */
    public Verdict stack(boolean outbound, byte[] packet, Interface on, int split) {
        int[] verdict = new int[3];
        lib.winsim_jna_stack_packet(outbound, packet, packet.length, on.ifIndex(), on.subIfIndex(), on.compartment(),
                on.loopback(), split, verdict);
        return verdict(verdict);
    }

    /**
     * WFP indicates an injected packet at its layer again, as injected by the driver with its
     * context: the driver's own callouts must let only lower-priority handles take it.
     *
     * @param injection a send, receive or forward injection of the loaded driver (a forward one
     *     is indicated at the forward layer, from {@code on}'s interface to the one it named)
     * @param on the interface
     * @return the verdict
     */
    public Verdict reinject(Injection injection, Interface on) {
        int[] verdict = new int[3];
        lib.winsim_jna_stack_reinject(injection.index(), on.ifIndex(), on.subIfIndex(), on.compartment(), on.loopback(),
                verdict);
        return verdict(verdict);
    }

    /**
     * The stack forwards a packet (IP forwarding on): it is classified at the IPFORWARD layer of
     * its family, from its IP header.
     *
     * @param packet an IPv4 or IPv6 packet
     * @param sourceIfIndex the interface it arrived on
     * @param destinationIfIndex the interface it leaves by
     * @param compartment the compartment
     * @return the verdict
     */
    public Verdict forward(byte[] packet, int sourceIfIndex, int destinationIfIndex, int compartment) {
        int[] verdict = new int[3];
        lib.winsim_jna_stack_forward(packet, packet.length, sourceIfIndex, destinationIfIndex, compartment, verdict);
        return verdict(verdict);
    }

    /** A socket operation and the ALE layer (IPv4) WFP classifies it at. */
    public enum SocketOp {
        /** bind: ALE_RESOURCE_ASSIGNMENT. */
        BIND,
        /** listen: ALE_AUTH_LISTEN. */
        LISTEN,
        /** connect: ALE_AUTH_CONNECT. */
        CONNECT,
        /** accept: ALE_AUTH_RECV_ACCEPT. */
        ACCEPT,
        /** close of a connected endpoint: ALE_ENDPOINT_CLOSURE. */
        CLOSE,
        /** release of a bound port: ALE_RESOURCE_RELEASE. */
        RELEASE
    }

    /**
     * A socket's (or flow's) IPv4 endpoint pair as WFP reports it.
     *
     * @param protocol the IP protocol
     * @param localAddr the local address (host order)
     * @param localPort the local port
     * @param remoteAddr the remote address (host order)
     * @param remotePort the remote port
     * @param processId the owning process
     * @param endpointHandle the transport endpoint handle
     * @param outbound the flow's direction (flows only)
     */
    public record Endpoint(int protocol, int localAddr, int localPort, int remoteAddr, int remotePort, int processId,
            long endpointHandle, boolean outbound) {
        private int[] values() {
            return new int[] { protocol, localAddr, localPort, remoteAddr, remotePort, processId, outbound ? 1 : 0 };
        }
    }

    /**
     * A socket operation is classified at its ALE layer.
     *
     * @param op the operation
     * @param socket the endpoints
     * @param flags the layer's FLAGS value (FWP_CONDITION_FLAG_*)
     * @return the verdict: blocked means the operation is refused
     */
    public Verdict socket(SocketOp op, Endpoint socket, int flags) {
        int[] verdict = new int[3];
        lib.winsim_jna_socket_event(op.ordinal(), socket.endpointHandle(), socket.values(), flags, verdict);
        return verdict(verdict);
    }

    /**
     * A flow is established: classified at ALE_FLOW_ESTABLISHED_V4 with its flow handle.
     *
     * @param id the flow handle
     * @param flow the endpoints and direction
     * @return the verdict
     */
    public Verdict flowEstablished(long id, Endpoint flow) {
        int[] verdict = new int[3];
        lib.winsim_jna_flow_established(id, flow.endpointHandle(), flow.values(), verdict);
        return verdict(verdict);
    }

    /**
     * The flow ends: WFP calls every callout's flowDeleteFn for its context.
     *
     * @param id the flow handle
     */
    public void flowEnd(long id) {
        lib.winsim_jna_flow_end(id);
    }

    private static Verdict verdict(int[] v) {
        return new Verdict(v[0] != 0, v[1] != 0, v[2]);
    }

    /** {@return how many packets the driver has injected since the process started} */
    public int injectionCount() {
        return lib.winsim_jna_injection_count();
    }

    /**
     * The packets the driver injected from {@code mark} on.
     *
     * @param mark an earlier {@link #injectionCount()}
     * @return them, in order
     */
    public List<Injection> injectionsSince(int mark) {
        List<Injection> out = new ArrayList<>();
        for (int i = mark, n = injectionCount(); i < n; i++) {
            int[] meta = new int[5];
            LongByReference context = new LongByReference();
            byte[] data = new byte[MAX_PACKET];
            lib.winsim_jna_injection_get(i, meta, context, data, data.length);
            out.add(new Injection(i, InjectKind.values()[meta[0]], meta[1], meta[2], meta[3], context.getValue(),
                    Arrays.copyOf(data, meta[4])));
        }
        return out;
    }

    /**
     * Waits until {@code count} requests are pended in the driver (a receive waiting for a
     * packet): a test's synchronisation with the thread that issued them, not a timing check.
     *
     * @param count how many
     * @param limit how long to wait at most before giving up
     * @return true if they are
     */
    public boolean awaitPending(int count, Duration limit) {
        return lib.winsim_jna_await_pending(count, (int) Math.min(Integer.MAX_VALUE, limit.toMillis()));
    }

    /** {@return how many requests are pended in the driver now} */
    public int pending() {
        return lib.winsim_jna_pending_count();
    }

    /** Runs the deferred work (DPCs, injection completions) queued so far. */
    public void runDeferred() {
        lib.winsim_jna_run_deferred();
    }

    /**
     * Moves the simulated clock on, firing due timers.
     *
     * @param by how far
     */
    public void advance(Duration by) {
        lib.winsim_jna_advance_ms(by.toMillis());
    }

    /**
     * Finishes deferred work and runs DriverUnload (every handle must be closed), then counts what
     * the driver left behind: pool bytes plus one per other object (MDL, NBL, engine, callout,
     * injection handle, timer, device, link); the simulation prints the details.
     *
     * @return 0 when nothing leaked
     * @throws IllegalStateException if a device handle is still open or it was unloaded already
     */
    public long unload() {
        if (!loaded) {
            throw new IllegalStateException("the driver is not loaded");
        }
        if (kernel32.openFiles() != 0) {
            throw new IllegalStateException(kernel32.openFiles() + " device handles still open");
        }
        loaded = false;
        long leaks = lib.winsim_jna_unload();
        DRIVER_LOADED.set(false);
        return leaks;
    }

    /** Unloads the driver if the test did not, ignoring the leak count (a failed test's cleanup). */
    @Override
    public void close() {
        if (loaded && kernel32.openFiles() == 0) {
            unload();
        }
    }
}
