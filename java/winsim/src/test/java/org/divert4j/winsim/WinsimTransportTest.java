package org.divert4j.winsim;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
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
}
