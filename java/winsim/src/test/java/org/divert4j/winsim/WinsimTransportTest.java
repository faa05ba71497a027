package org.divert4j.winsim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.abi.U128;
import org.divert4j.api.DivertException;
import org.divert4j.api.DivertHandle;
import org.divert4j.api.DivertPacket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DivertHandle through the Windows transport into driver/windows on the simulated kernel: the
 * requests are the bytes the transport sends to the real driver; the packets come from and go
 * to the simulated network stack. Every test ends with the driver unloaded and nothing leaked.
 */
@ExtendWith(WinsimSummary.class)
class WinsimTransportTest {
    private static final Winsim.Interface ETH = new Winsim.Interface(7, 3, 1, false);
    /** Bounds a wait for another thread; never a timing assertion. */
    private static final Duration WAIT = Duration.ofSeconds(20);

    private Winsim sim;

    @BeforeEach
    void load() {
        String property = System.getProperty(Winsim.LIBRARY_PROPERTY);
        Path library = property == null ? null : Path.of(property);
        if (library == null || !Files.isRegularFile(library)) {
            String why = "libwinsim_jna.so not built (" + property + "): driver/winsim needs mingw-w64's DDK headers";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        sim = Winsim.load(library);
    }

    @AfterEach
    void unload() {
        if (sim != null) {
            try {
                assertThat(sim.unload()).isEqualTo(0L);
            } finally {
                sim.close();
            }
        }
    }

    private DivertHandle open(String filter, int priority, OpenFlag... flags) {
        return DivertHandle.builder().filter(filter).priority(priority).flags(flags).flags(OpenFlag.NO_INSTALL)
                .transport(sim.transport()).open();
    }

    /** A receive on another thread, returned once the driver has pended it. */
    private CompletableFuture<DivertPacket> pendedRecv(DivertHandle h, int alreadyPending) {
        CompletableFuture<DivertPacket> f = h.recvAsync();
        assertThat(sim.awaitPending(alreadyPending + 1, WAIT)).isTrue();
        return f;
    }

    private static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> get(f));
        return e.getCause();
    }

    @Test
    void divertsModifiesAndReinjects() throws Exception {
        byte[] udp = Packets.udp(53, "winsim");
        try (DivertHandle h = open("udp", 0)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            int mark = sim.injectionCount();

            // TCP does not match: it passes untouched, the receive stays pended.
            Winsim.Verdict tcp = sim.send(Packets.tcp(80, "tcp?"), ETH);
            assertThat(tcp).isEqualTo(new Winsim.Verdict(false, false, 1));
            assertThat(sim.pending()).isEqualTo(1);

            // UDP, split over two MDLs: diverted (blocked, absorbed) and delivered.
            Winsim.Verdict v = sim.stack(true, udp, ETH, 10);
            assertThat(v.blocked()).isTrue();
            assertThat(v.absorbed()).isTrue();
            DivertPacket p = get(recv);
            assertThat(p.data()).isEqualTo(udp);
            Address a = p.address();
            assertThat(a.layer()).isEqualTo(Layer.NETWORK);
            assertThat(a.event()).isEqualTo(Event.NETWORK_PACKET.value());
            assertThat(a.outbound()).isTrue();
            assertThat(a.loopback()).isFalse();
            assertThat(a.ipv6()).isFalse();
            assertThat(a.sniffed()).isFalse();
            assertThat(a.network().ifIdx()).isEqualTo(7);
            assertThat(a.network().subIfIdx()).isEqualTo(3);
            assertThat(a.timestamp()).isNotEqualTo(0L);
            assertThat(sim.injectionsSince(mark)).isEmpty();

            // One payload byte changed: the API recomputes the checksums, the driver re-injects it.
            p.data()[28] = 'W';
            assertThat(h.send(p)).isEqualTo(udp.length);
            List<Winsim.Injection> out = sim.injectionsSince(mark);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).kind()).isEqualTo(Winsim.InjectKind.SEND);
            assertThat(out.get(0).data()).isEqualTo(Packets.udp(53, "Winsim"));
            assertThat(out.get(0).context() >>> 16).isEqualTo(30000L);   // priority 0 on the wire
        }
    }

    @Test
    void sniffCopiesAndThePacketContinues() throws Exception {
        byte[] udp = Packets.udp(53, "sniffed");
        try (DivertHandle h = open("udp", 0, OpenFlag.SNIFF)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            int mark = sim.injectionCount();
            // Inbound: indicated after the IP header, split inside the UDP header.
            Winsim.Verdict v = sim.stack(false, udp, ETH, 24);
            assertThat(v).isEqualTo(new Winsim.Verdict(false, false, 1));
            DivertPacket p = get(recv);
            assertThat(p.data()).isEqualTo(udp);
            assertThat(p.address().sniffed()).isTrue();
            assertThat(p.address().outbound()).isFalse();
            assertThat(p.interfaceIndex()).isEqualTo(7);
            assertThat(sim.injectionsSince(mark)).isEmpty();
        }
    }

    @Test
    void dropBlocksAndQueuesNothing() {
        try (DivertHandle h = open("udp", 0, OpenFlag.DROP)) {
            int mark = sim.injectionCount();
            Winsim.Verdict v = sim.send(Packets.udp(53, "dropped"), ETH);
            assertThat(v.blocked()).isTrue();
            assertThat(sim.injectionsSince(mark)).isEmpty();
            // Nothing was queued: once receiving is shut down, a receive finds the queue empty.
            h.shutdown(Shutdown.RECV);
            assertThrows(DivertException.NoDataException.class, h::recv);
        }
    }

    @Test
    void shutdownRecvEndsAPendedRecv() throws Exception {
        try (DivertHandle h = open("udp", 0)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            h.shutdown(Shutdown.RECV);
            assertThat(failure(recv)).isInstanceOf(DivertException.NoDataException.class);
            // Shut down for receiving only: sending still works.
            int mark = sim.injectionCount();
            byte[] udp = Packets.udp(53, "still sent");
            h.send(udp, Address.network(true, false));
            assertThat(sim.injectionsSince(mark)).hasSize(1);
            assertThat(sim.injectionsSince(mark).get(0).data()).isEqualTo(udp);
        }
    }

    @Test
    void closeCancelsAPendedRecv() throws Exception {
        DivertHandle h = open("udp", 0);
        CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
        h.close();
        assertThat(failure(recv)).isInstanceOf(DivertException.AbortedException.class);
        assertThat(sim.pending()).isEqualTo(0);
    }

    @Test
    void batchRecvTakesEveryQueuedPacket() {
        byte[][] sent = { Packets.udp(53, "one"), Packets.udp(54, "two!"), Packets.udp(55, "three") };
        try (DivertHandle h = open("udp", 0)) {
            for (byte[] p : sent) {
                assertThat(sim.send(p, ETH).blocked()).isTrue();
            }
            List<DivertPacket> got = h.recv(8);
            assertThat(got).hasSize(sent.length);
            for (int i = 0; i < sent.length; i++) {
                assertThat(got.get(i).data()).isEqualTo(sent[i]);
                assertThat(got.get(i).isOutbound()).isTrue();
                assertThat(got.get(i).interfaceIndex()).isEqualTo(7);
            }
        }
    }

    @Test
    void theHigherPriorityHandleSeesThePacketFirst() throws Exception {
        byte[] udp = Packets.udp(53, "priority");
        try (DivertHandle low = open("udp", -5); DivertHandle high = open("udp", 100)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(high, 0);
            Winsim.Verdict v = sim.send(udp, ETH);
            assertThat(v.blocked()).isTrue();
            assertThat(v.callouts()).isEqualTo(1);   // the higher filter decided; the lower was not asked
            DivertPacket p = get(recv);
            assertThat(p.data()).isEqualTo(udp);
            low.shutdown(Shutdown.RECV);
            assertThrows(DivertException.NoDataException.class, low::recv);

            int mark = sim.injectionCount();
            high.send(p);
            low.send(udp, Address.network(true, false));
            List<Winsim.Injection> out = sim.injectionsSince(mark);
            assertThat(out).hasSize(2);
            // The injection context is the injector's internal priority (wire priority << 16 | counter).
            assertThat(out.get(0).context() >>> 16).isEqualTo(30100L);
            assertThat(out.get(1).context() >>> 16).isEqualTo(29995L);
        }
    }

    @Test
    void queuedPacketsExpireOnTheSimulatedClock() {
        byte[] old = Packets.udp(53, "old");
        byte[] fresh = Packets.udp(53, "fresh");
        try (DivertHandle h = open("udp", 0)) {
            h.setParam(Param.QUEUE_TIME, 100);
            assertThat(h.getParam(Param.QUEUE_TIME)).isEqualTo(100L);
            assertThat(sim.send(old, ETH).blocked()).isTrue();
            sim.advance(Duration.ofMillis(60));
            assertThat(sim.send(fresh, ETH).blocked()).isTrue();
            sim.advance(Duration.ofMillis(60));
            // 120 ms after it was queued the first packet is past QUEUE_TIME; the second is 60 ms old.
            h.shutdown(Shutdown.RECV);
            List<DivertPacket> got = h.recv(8);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).data()).isEqualTo(fresh);
            assertThrows(DivertException.NoDataException.class, h::recv);
        }
    }

    @Test
    void concurrentReceiversGetEveryPacketOnce() throws Exception {
        int threads = 4;
        List<String> sent = new ArrayList<>();
        List<String> got = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (DivertHandle h = open("udp", 0)) {
            List<Future<?>> receivers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                receivers.add(pool.submit(() -> {
                    try {
                        for (;;) {
                            byte[] p = h.recv().data();
                            got.add(new String(p, 28, p.length - 28, StandardCharsets.US_ASCII));
                        }
                    } catch (DivertException.NoDataException e) {
                        return null;   // shut down and drained
                    }
                }));
            }
            assertThat(sim.awaitPending(threads, WAIT)).isTrue();
            for (int i = 0; i < 64; i++) {
                String payload = "packet " + i;
                sent.add(payload);
                assertThat(sim.send(Packets.udp(53, payload), ETH).blocked()).isTrue();
            }
            h.shutdown(Shutdown.RECV);
            for (Future<?> r : receivers) {
                r.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(got).containsExactlyElementsIn(sent);
    }

    @Test
    void aReinjectedPacketIsSeenOnlyByLowerPriorities() throws Exception {
        byte[] udp = Packets.udp(53, "down the line");
        try (DivertHandle low = open("udp", -5); DivertHandle high = open("udp", 100)) {
            CompletableFuture<DivertPacket> first = pendedRecv(high, 0);
            CompletableFuture<DivertPacket> second = pendedRecv(low, 1);
            assertThat(sim.send(udp, ETH).blocked()).isTrue();
            DivertPacket p = get(first);
            int mark = sim.injectionCount();
            high.send(p);
            Winsim.Injection byHigh = sim.injectionsSince(mark).get(0);

            // Indicated again: the high handle lets its own injection pass, the low one diverts it.
            Winsim.Verdict v = sim.reinject(byHigh, ETH);
            assertThat(v.blocked()).isTrue();
            assertThat(v.callouts()).isEqualTo(2);
            DivertPacket q = get(second);
            assertThat(q.data()).isEqualTo(udp);
            assertThat(sim.pending()).isEqualTo(0);

            // The low handle's injection is indicated again too, and nobody takes it any more.
            mark = sim.injectionCount();
            low.send(q);
            Winsim.Injection byLow = sim.injectionsSince(mark).get(0);
            CompletableFuture<DivertPacket> third = pendedRecv(high, 0);
            assertThat(sim.reinject(byLow, ETH)).isEqualTo(new Winsim.Verdict(false, false, 2));
            assertThat(sim.pending()).isEqualTo(1);
            high.shutdown(Shutdown.RECV);   // nothing was queued for it: the receive ends empty
            assertThat(failure(third)).isInstanceOf(DivertException.NoDataException.class);
        }
    }

    @Test
    void batchSendInjectsEachPacketWhereItsAddressSays() {
        byte[] out = Packets.udp(53, "out");
        byte[] in = Packets.udp(54, "in, on 9.4");
        Address inbound = new Address(0, Layer.NETWORK, Event.NETWORK_PACKET.value(), false, false, false, false,
                false, false, false, false, new LayerData.Network(9, 4));
        try (DivertHandle h = open("false", 0)) {
            int mark = sim.injectionCount();
            int sent = h.send(List.of(new DivertPacket(out, Address.network(true, false)),
                    new DivertPacket(in, inbound)));
            assertThat(sent).isEqualTo(out.length + in.length);
            List<Winsim.Injection> got = sim.injectionsSince(mark);
            assertThat(got).hasSize(2);
            assertThat(got.get(0).kind()).isEqualTo(Winsim.InjectKind.SEND);
            assertThat(got.get(0).data()).isEqualTo(out);
            assertThat(got.get(1).kind()).isEqualTo(Winsim.InjectKind.RECEIVE);
            assertThat(got.get(1).data()).isEqualTo(in);
            assertThat(got.get(1).ifIndex()).isEqualTo(9);
            assertThat(got.get(1).subIfIndex()).isEqualTo(4);
        }
    }

    @Test
    void driverStatusesArriveAsTheirWindowsErrors() {
        byte[] udp = Packets.udp(53, "refused");
        try (DivertHandle recvOnly = open("udp", 0, OpenFlag.RECV_ONLY);
                DivertHandle sendOnly = open("udp", 0, OpenFlag.SEND_ONLY);
                DivertHandle h = open("udp", 0)) {
            // STATUS_INVALID_PARAMETER (87): SEND on a RECV_ONLY handle, RECV on a SEND_ONLY one.
            DivertException e = assertThrows(DivertException.class,
                    () -> recvOnly.send(udp, Address.network(true, false)));
            assertThat(e.errorCode()).isEqualTo(87);
            e = assertThrows(DivertException.class, sendOnly::recv);
            assertThat(e.errorCode()).isEqualTo(87);
            // STATUS_PIPE_EMPTY (232) after SHUTDOWN SEND, and nothing injected.
            int mark = sim.injectionCount();
            h.shutdown(Shutdown.SEND);
            assertThrows(DivertException.NoDataException.class, () -> h.send(udp, Address.network(true, false)));
            assertThat(sim.injectionsSince(mark)).isEmpty();
        }
    }

    @Test
    void closeReinjectsWhatIsQueuedUnlessSniffing() {
        byte[] outbound = Packets.udp(53, "queued out");
        byte[] inbound = Packets.udp(53, "queued in");
        DivertHandle h = open("udp", 0);
        DivertHandle sniff = open("udp", 10, OpenFlag.SNIFF);
        // The sniffer, higher, copies each packet and lets it on; the other handle diverts it.
        assertThat(sim.send(outbound, ETH)).isEqualTo(new Winsim.Verdict(true, true, 2));
        assertThat(sim.receive(inbound, ETH)).isEqualTo(new Winsim.Verdict(true, true, 2));
        int mark = sim.injectionCount();
        sniff.close();
        assertThat(sim.injectionsSince(mark)).isEmpty();   // its queue held copies: dropped
        h.close();
        // The diverted originals are put back where they were going.
        List<Winsim.Injection> back = sim.injectionsSince(mark);
        assertThat(back).hasSize(2);
        assertThat(back.get(0).kind()).isEqualTo(Winsim.InjectKind.SEND);
        assertThat(back.get(0).data()).isEqualTo(outbound);
        assertThat(back.get(1).kind()).isEqualTo(Winsim.InjectKind.RECEIVE);
        assertThat(back.get(1).data()).isEqualTo(inbound);
        assertThat(back.get(1).ifIndex()).isEqualTo(7);
    }

    private DivertHandle openAt(Layer layer, String filter, int priority, OpenFlag... flags) {
        return DivertHandle.builder().layer(layer).filter(filter).priority(priority).flags(flags)
                .flags(OpenFlag.NO_INSTALL).transport(sim.transport()).open();
    }

    /** FWP_CONDITION_FLAG_IS_REAUTHORIZE (fwpmu.h). */
    private static final int FLAG_REAUTHORIZE = 0x4;
    /** 10.0.0.1 and 10.0.0.2 in host order, as WFP gives IPv4 addresses. */
    private static final int HOST_A = 0x0A000001;
    private static final int HOST_B = 0x0A000002;

    @Test
    void ipv6PacketsAreDivertedInBothDirections() throws Exception {
        byte[] out = Packets.udp6(53, "v6 out");
        byte[] in = Packets.udp6(53, "v6 in, after the header");
        try (DivertHandle h = open("ipv6 and udp", 0)) {
            // "ipv6": the API's filter flags install no IPv4 filter, so an IPv4 packet meets no callout.
            assertThat(sim.send(Packets.udp(53, "v4"), ETH)).isEqualTo(new Winsim.Verdict(false, false, 0));
            assertThat(sim.stack(true, out, ETH, 44).blocked()).isTrue();
            // Inbound: WFP indicates it after the 40-byte IPv6 header; the driver retreats to it.
            assertThat(sim.receive(in, ETH).blocked()).isTrue();
            List<DivertPacket> got = h.recv(4);
            assertThat(got).hasSize(2);
            assertThat(got.get(0).data()).isEqualTo(out);
            assertThat(got.get(0).address().ipv6()).isTrue();
            assertThat(got.get(0).isOutbound()).isTrue();
            assertThat(got.get(1).data()).isEqualTo(in);
            assertThat(got.get(1).address().ipv6()).isTrue();
            assertThat(got.get(1).isOutbound()).isFalse();
            assertThat(got.get(1).interfaceIndex()).isEqualTo(7);

            int mark = sim.injectionCount();
            h.send(got);
            List<Winsim.Injection> back = sim.injectionsSince(mark);
            assertThat(back).hasSize(2);
            assertThat(back.get(0).kind()).isEqualTo(Winsim.InjectKind.SEND);
            assertThat(back.get(0).data()).isEqualTo(out);
            assertThat(back.get(1).kind()).isEqualTo(Winsim.InjectKind.RECEIVE);
            assertThat(back.get(1).data()).isEqualTo(in);
        }
    }

    @Test
    void loopbackPacketsAreCapturedOutboundWithTheLoopbackFlag() throws Exception {
        Winsim.Interface loopback = new Winsim.Interface(1, 0, 1, true);
        byte[] udp = Packets.udp(53, "over loopback");
        try (DivertHandle h = open("loopback and udp", 0)) {
            // Not loopback: the filter does not match.
            assertThat(sim.send(udp, ETH)).isEqualTo(new Winsim.Verdict(false, false, 1));
            // Inbound loopback is the same packet again: never a candidate (docs/spec/device-abi.md §12).
            assertThat(sim.receive(udp, loopback)).isEqualTo(new Winsim.Verdict(false, false, 1));
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            assertThat(sim.send(udp, loopback).blocked()).isTrue();
            DivertPacket p = get(recv);
            assertThat(p.data()).isEqualTo(udp);
            assertThat(p.isLoopback()).isTrue();
            assertThat(p.isOutbound()).isTrue();
            assertThat(p.interfaceIndex()).isEqualTo(1);
            // Re-injected and indicated again over loopback: the handle skips its own injection.
            int mark = sim.injectionCount();
            h.send(p);
            Winsim.Injection back = sim.injectionsSince(mark).get(0);
            assertThat(back.data()).isEqualTo(udp);
            assertThat(sim.reinject(back, loopback)).isEqualTo(new Winsim.Verdict(false, false, 1));
        }
    }

    @Test
    void forwardedPacketsAreDivertedReinjectedAndReindicatedToLowerPriorities() throws Exception {
        byte[] udp = Packets.udp(53, "routed through");
        try (DivertHandle low = openAt(Layer.NETWORK_FORWARD, "udp", -5);
                DivertHandle high = openAt(Layer.NETWORK_FORWARD, "udp", 100)) {
            // A packet sent by this host is not forwarded: the NETWORK_FORWARD handles do not see it.
            assertThat(sim.send(udp, ETH)).isEqualTo(new Winsim.Verdict(false, false, 0));
            assertThat(sim.forward(udp, 5, 9, 1).blocked()).isTrue();
            DivertPacket p = high.recv();
            assertThat(p.data()).isEqualTo(udp);
            assertThat(p.address().layer()).isEqualTo(Layer.NETWORK_FORWARD);
            assertThat(p.isOutbound()).isTrue();
            assertThat(p.interfaceIndex()).isEqualTo(9);

            int mark = sim.injectionCount();
            high.send(p);
            List<Winsim.Injection> out = sim.injectionsSince(mark);
            assertThat(out).hasSize(1);
            assertThat(out.get(0).kind()).isEqualTo(Winsim.InjectKind.FORWARD);
            assertThat(out.get(0).ifIndex()).isEqualTo(9);
            assertThat(out.get(0).data()).isEqualTo(udp);

            // Indicated again at the forward layer: the high handle skips its own, the low one takes it.
            assertThat(sim.reinject(out.get(0), new Winsim.Interface(5, 0, 1, false)).blocked()).isTrue();
            DivertPacket q = low.recv();
            assertThat(q.data()).isEqualTo(udp);
            assertThat(q.interfaceIndex()).isEqualTo(9);
        }
    }

    @Test
    void socketOperationsAreReportedAndBlockedUnlessSniffing() throws Exception {
        Winsim.Endpoint socket = new Winsim.Endpoint(Packets.TCP, HOST_A, 49152, HOST_B, 80, 4242, 77L, true);
        try (DivertHandle sniff = openAt(Layer.SOCKET, "true", 0, OpenFlag.SNIFF, OpenFlag.RECV_ONLY);
                DivertHandle block = openAt(Layer.SOCKET, "remotePort == 80", -10,
                        OpenFlag.RECV_ONLY)) {
            assertThat(sim.socket(Winsim.SocketOp.BIND, socket, 0).blocked()).isFalse();
            // CONNECT: the sniffer reports it, the other handle blocks the operation.
            assertThat(sim.socket(Winsim.SocketOp.CONNECT, socket, 0).blocked()).isTrue();
            // A re-authorization is not a new event: nobody reports or blocks it.
            assertThat(sim.socket(Winsim.SocketOp.CONNECT, socket, FLAG_REAUTHORIZE).blocked()).isFalse();
            // CLOSE is reported and never blocked.
            assertThat(sim.socket(Winsim.SocketOp.CLOSE, socket, 0).blocked()).isFalse();

            sniff.shutdown(Shutdown.RECV);
            List<DivertPacket> seen = sniff.recv(8);
            assertThat(seen.stream().map(e -> e.address().event()).toList()).containsExactly(
                    Event.SOCKET_BIND.value(), Event.SOCKET_CONNECT.value(), Event.SOCKET_CLOSE.value()).inOrder();
            Address connect = seen.get(1).address();
            assertThat(connect.layer()).isEqualTo(Layer.SOCKET);
            assertThat(connect.sniffed()).isTrue();
            LayerData.Endpoint e = connect.endpoint();
            assertThat(e.localAddr()).isEqualTo(U128.ipv4Mapped(HOST_A));
            assertThat(e.remoteAddr()).isEqualTo(U128.ipv4Mapped(HOST_B));
            assertThat(e.localPort()).isEqualTo(49152);
            assertThat(e.remotePort()).isEqualTo(80);
            assertThat(e.protocol()).isEqualTo(Packets.TCP);
            assertThat(e.processId()).isEqualTo(4242);
            assertThat(e.endpointId()).isEqualTo(77L);
            // BIND knows no remote end.
            assertThat(seen.get(0).address().endpoint().remotePort()).isEqualTo(0);

            block.shutdown(Shutdown.RECV);
            List<DivertPacket> blocked = block.recv(8);
            assertThat(blocked.stream().map(p -> p.address().event()).toList()).containsExactly(
                    Event.SOCKET_CONNECT.value(), Event.SOCKET_CLOSE.value()).inOrder();
            assertThat(blocked.get(0).address().sniffed()).isFalse();
        }
    }

    @Test
    void flowEstablishedAndDeletedEventsReachARecvOnAFlowHandle() throws Exception {
        Winsim.Endpoint flow = new Winsim.Endpoint(Packets.UDP, HOST_A, 5353, HOST_B, 53, 99, 12L, true);
        try (DivertHandle h = openAt(Layer.FLOW, "udp", 0, OpenFlag.SNIFF, OpenFlag.RECV_ONLY)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            // FLOW never blocks.
            assertThat(sim.flowEstablished(501, flow).blocked()).isFalse();
            DivertPacket established = get(recv);
            assertThat(established.address().event()).isEqualTo(Event.FLOW_ESTABLISHED.value());
            assertThat(established.address().outbound()).isTrue();
            assertThat(established.address().endpoint().remotePort()).isEqualTo(53);
            assertThat(established.address().endpoint().processId()).isEqualTo(99);
            assertThat(established.data()).isEmpty();

            // A TCP flow does not match "udp": no event, and none when it ends.
            sim.flowEstablished(502, new Winsim.Endpoint(Packets.TCP, HOST_A, 5000, HOST_B, 80, 99, 13L, true));
            sim.flowEnd(502);

            recv = pendedRecv(h, 0);
            sim.flowEnd(501);
            DivertPacket deleted = get(recv);
            assertThat(deleted.address().event()).isEqualTo(Event.FLOW_DELETED.value());
            assertThat(deleted.address().endpoint().localPort()).isEqualTo(5353);
            assertThat(deleted.address().endpoint().endpointId()).isEqualTo(12L);
            h.shutdown(Shutdown.RECV);
            assertThrows(DivertException.NoDataException.class, h::recv);
        }
    }

    @Test
    void reflectHandlesReportOpenAndCloseOfOtherHandles() {
        DivertHandle before = open("udp", 7);
        try (DivertHandle reflect = openAt(Layer.REFLECT, "true", 0, OpenFlag.SNIFF, OpenFlag.RECV_ONLY)) {
            DivertHandle after = openAt(Layer.NETWORK_FORWARD, "tcp", -3);
            after.close();
            before.close();
            reflect.shutdown(Shutdown.RECV);
            List<DivertPacket> events = reflect.recv(8);
            // The snapshot of the handle already open, then the later one's open and close, then the first's close.
            assertThat(events.stream().map(e -> e.address().event()).toList()).containsExactly(
                    Event.REFLECT_OPEN.value(), Event.REFLECT_OPEN.value(), Event.REFLECT_CLOSE.value(),
                    Event.REFLECT_CLOSE.value()).inOrder();
            assertThat(events.get(0).address().reflect().priority()).isEqualTo((short) 7);
            assertThat(events.get(0).address().reflect().layer()).isEqualTo(Layer.NETWORK);
            assertThat(events.get(1).address().reflect().layer()).isEqualTo(Layer.NETWORK_FORWARD);
            assertThat(events.get(1).address().reflect().priority()).isEqualTo((short) -3);
            assertThat(events.get(2).address().reflect().layer()).isEqualTo(Layer.NETWORK_FORWARD);
            assertThat(events.get(3).address().reflect().priority()).isEqualTo((short) 7);
            // Each event carries the reported handle's filter as an object string (NUL-terminated).
            assertThat(events.get(0).data().length).isGreaterThan(1);
            assertThat(events.get(0).data()[events.get(0).data().length - 1]).isEqualTo((byte) 0);
        } finally {
            before.close();
        }
    }

    @Test
    void concurrentThreadsReceiveAndSendEveryPacketOnce() throws Exception {
        int threads = 4;
        int packets = 64;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<String> sent = new ArrayList<>();
        CountDownLatch resent = new CountDownLatch(packets);
        try (DivertHandle h = open("udp", 0)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    try {
                        for (;;) {
                            DivertPacket p = h.recv();
                            p.data()[28] = (byte) Character.toUpperCase(p.data()[28]);
                            h.send(p);   // concurrently with the other threads' receives and sends
                            resent.countDown();
                        }
                    } catch (DivertException.NoDataException e) {
                        return null;   // shut down and drained
                    }
                }));
            }
            assertThat(sim.awaitPending(threads, WAIT)).isTrue();
            int mark = sim.injectionCount();
            for (int i = 0; i < packets; i++) {
                String payload = "concurrent " + i;
                sent.add("C" + payload.substring(1));
                assertThat(sim.send(Packets.udp(53, payload), ETH).blocked()).isTrue();
            }
            // Every packet is re-injected once: wait for the workers to send them all, then stop them.
            assertThat(resent.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            h.shutdown(Shutdown.RECV);
            for (Future<?> w : workers) {
                w.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            List<String> injected = sim.injectionsSince(mark).stream()
                    .map(i -> new String(i.data(), 28, i.data().length - 28, StandardCharsets.US_ASCII)).toList();
            assertThat(injected).containsExactlyElementsIn(sent);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void batchesOf255AreReceivedAndSentWhole() {
        int batch = 255;
        List<byte[]> sent = new ArrayList<>();
        try (DivertHandle h = open("udp", 0)) {
            for (int i = 0; i < batch; i++) {
                byte[] p = Packets.udp(1000 + i, "batch " + i);
                sent.add(p);
                assertThat(sim.send(p, ETH).blocked()).isTrue();
            }
            List<DivertPacket> got = h.recv(batch);
            assertThat(got).hasSize(batch);
            for (int i = 0; i < batch; i++) {
                assertThat(got.get(i).data()).isEqualTo(sent.get(i));
            }
            int mark = sim.injectionCount();
            int bytes = h.send(got);
            assertThat(bytes).isEqualTo(sent.stream().mapToInt(p -> p.length).sum());
            List<Winsim.Injection> out = sim.injectionsSince(mark);
            assertThat(out).hasSize(batch);
            for (int i = 0; i < batch; i++) {
                assertThat(out.get(i).kind()).isEqualTo(Winsim.InjectKind.SEND);
                assertThat(out.get(i).data()).isEqualTo(sent.get(i));
            }
        }
    }

    @Test
    void shutdownSendLeavesReceivingAndBothEndsEach() throws Exception {
        byte[] udp = Packets.udp(53, "shut");
        try (DivertHandle h = open("udp", 0)) {
            h.shutdown(Shutdown.SEND);
            int mark = sim.injectionCount();
            assertThrows(DivertException.NoDataException.class, () -> h.send(udp, Address.network(true, false)));
            // Receiving still works.
            assertThat(sim.send(udp, ETH).blocked()).isTrue();
            assertThat(h.recv().data()).isEqualTo(udp);
            assertThat(sim.injectionsSince(mark)).isEmpty();
        }
        try (DivertHandle h = open("udp", 0)) {
            CompletableFuture<DivertPacket> recv = pendedRecv(h, 0);
            h.shutdown(Shutdown.BOTH);
            assertThat(failure(recv)).isInstanceOf(DivertException.NoDataException.class);
            int mark = sim.injectionCount();
            assertThrows(DivertException.NoDataException.class, () -> h.send(udp, Address.network(true, false)));
            assertThat(sim.injectionsSince(mark)).isEmpty();
        }
    }

    @Test
    void queueLengthAndSizeLimitsDiscardTheOldest() {
        try (DivertHandle h = open("udp", 0)) {
            h.setParam(Param.QUEUE_LENGTH, 32);
            assertThat(h.getParam(Param.QUEUE_LENGTH)).isEqualTo(32L);
            for (int i = 0; i < 40; i++) {
                assertThat(sim.send(Packets.udp(2000 + i, "len"), ETH).blocked()).isTrue();
            }
            h.shutdown(Shutdown.RECV);
            List<DivertPacket> got = h.recv(64);
            // The 8 oldest made room: what is left is packets 8..39, in order.
            assertThat(got).hasSize(32);
            for (int i = 0; i < 32; i++) {
                assertThat(got.get(i).data()).isEqualTo(Packets.udp(2008 + i, "len"));
            }
        }
        try (DivertHandle h = open("udp", 0)) {
            h.setParam(Param.QUEUE_SIZE, 65535);
            byte[] payload = new byte[1400];
            Arrays.fill(payload, (byte) 'z');
            String big = new String(payload, StandardCharsets.US_ASCII);
            int sent = 60;
            for (int i = 0; i < sent; i++) {
                assertThat(sim.send(Packets.udp(3000 + i, big), ETH).blocked()).isTrue();
            }
            h.shutdown(Shutdown.RECV);
            List<DivertPacket> got = h.recv(64);
            // 60 x 1428 bytes do not fit in 65535: the oldest went, the newest are kept in order.
            assertThat(got.size()).isLessThan(sent);
            assertThat(got.size()).isAtLeast(1);
            assertThat(got.stream().mapToInt(p -> p.data().length).sum()).isAtMost(65535);
            int first = sent - got.size();
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i).data()).isEqualTo(Packets.udp(3000 + first + i, big));
            }
        }
    }

    @Test
    void aMultiMegabyteTcpStreamIsDivertedModifiedAndReinjectedSegmentBySegment() {
        int segments = 2000;
        int size = 1400;
        try (DivertHandle h = open("tcp.DstPort == 8080", 0)) {
            int mark = sim.injectionCount();
            for (int i = 0; i < segments; i++) {
                byte[] data = segmentPayload(i, size);
                assertThat(sim.send(Packets.tcpSegment(8080, i * size, data), ETH).blocked()).isTrue();
                DivertPacket p = h.recv();
                // The modification: one payload byte per segment, checksums recomputed by the API.
                p.data()[40 + i % size] ^= 0x5A;
                h.send(p);
                if (i % 256 == 255) {
                    sim.runDeferred();   // the completions free the injected NBLs as the stack would
                }
            }
            List<Winsim.Injection> out = sim.injectionsSince(mark);
            assertThat(out).hasSize(segments);
            long bytes = 0;
            for (int i = 0; i < segments; i++) {
                byte[] data = segmentPayload(i, size);
                data[i % size] ^= 0x5A;
                assertThat(out.get(i).kind()).isEqualTo(Winsim.InjectKind.SEND);
                assertThat(out.get(i).data()).isEqualTo(Packets.tcpSegment(8080, i * size, data));
                bytes += data.length;
            }
            assertThat(bytes).isEqualTo((long) segments * size);
        }
    }

    private static byte[] segmentPayload(int segment, int size) {
        byte[] data = new byte[size];
        for (int j = 0; j < size; j++) {
            data[j] = (byte) (segment * 31 + j);
        }
        return data;
    }
}
