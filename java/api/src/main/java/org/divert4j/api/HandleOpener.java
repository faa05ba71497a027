package org.divert4j.api;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import org.divert4j.abi.Abi;
import org.divert4j.abi.FilterFlag;
import org.divert4j.abi.Ioctl;
import org.divert4j.abi.Layer;
import org.divert4j.abi.OpenFlag;
import org.divert4j.api.codec.RequestHeader;
import org.divert4j.api.codec.VersionRecord;
import org.divert4j.api.spi.DeviceTransport;
import org.divert4j.api.spi.IoResult;

/**
 * The open sequence of a handle (docs/spec/device-abi.md §4.1), in its order: validate the arguments
 * without touching the device, open the device (installing the driver on demand), the version
 * handshake (INITIALIZE), then the filter (STARTUP). A handle that fails after the device
 * opened is closed before the failure is thrown.
 */
final class HandleOpener {
    private HandleOpener() {
    }

    /**
     * Opens a handle; see {@link DivertHandle.Builder#open()} for what is thrown.
     *
     * @param filter the compiled filter, or null to compile {@code filterText}
     * @param filterText the filter text, or null when {@code filter} is given
     * @param layer the layer
     * @param priority the priority
     * @param flags the open flag bits
     * @param device which driver to open
     * @param transport the transport, or null for the platform's
     * @param driverFile the driver file to install on demand, or null for the default
     */
    static DivertHandle open(FilterProgram filter, String filterText, Layer layer, int priority, long flags,
            Device device, DeviceTransport transport, Path driverFile) {
        String op = "open";
        if (filter == null && filterText == null) {
            throw new IllegalStateException("no filter given");
        }
        String problem = OpenFlag.problem(flags, layer);
        if (problem != null) {
            throw invalid(op, problem, flagRemedy(flags));
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
            if ((flags & OpenFlag.FRAGMENTS.bit()) != 0) {
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
        DeviceOpener.Opened opened = DeviceOpener.open(t, device, (flags & OpenFlag.NO_INSTALL.bit()) != 0, driverFile);
        DivertHandle h = new DivertHandle(opened.channel(), opened.path(), layer, priority, flags, program);
        h.anchorClock(t.counterFrequency(), t.counterNow(), Instant.now());
        try {
            start(h);
        } catch (RuntimeException e) {
            h.close();
            throw e;
        }
        return h;
    }

    /** INITIALIZE (handshake) then STARTUP (the filter program). */
    private static void start(DivertHandle h) {
        FilterProgram filter = h.filter();
        RequestPool.Request r = h.requests().acquire();
        try {
            r.header.put(0, RequestHeader.initialize(h.layer(), h.priority(), h.flagBits()));
            ByteBuffer version = r.data.clear().limit(Abi.VERSION_SIZE).slice();
            version.put(0, VersionRecord.request(NativeBuffers.pointerBits()).encode());
            IoResult res = r.issue(Ioctl.INITIALIZE, version);
            if (!res.ok()) {
                throw h.failure(res, "open (handshake)");
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
                throw h.failure(res, "open (start filter)");
            }
        } finally {
            h.requests().release(r);
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
}
