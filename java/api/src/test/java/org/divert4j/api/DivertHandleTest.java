package org.divert4j.api;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Ioctl;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.OpenFlag;
import org.divert4j.abi.Param;
import org.divert4j.abi.Shutdown;
import org.divert4j.abi.U128;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a scripted driver: every IOCTL, its exact buffers, and every error. */
class DivertHandleTest {
    private static final HexFormat HEX = HexFormat.of();

    private final FakeTransport fake = new FakeTransport();

    private static byte[] hex(String s) {
        return HEX.parseHex(s.replace(" ", ""));
    }

    /** An IPv4 packet of {@code length} bytes (only the header fields framing needs). */
    static byte[] ipv4(int length, int fill) {
        byte[] p = new byte[length];
        Arrays.fill(p, (byte) fill);
        p[0] = 0x45;
        p[2] = (byte) (length >> 8);
        p[3] = (byte) length;
        return p;
    }

    static byte[] ipv6(int payload, int fill) {
        byte[] p = new byte[40 + payload];
        Arrays.fill(p, (byte) fill);
        p[0] = 0x60;
        p[4] = (byte) (payload >> 8);
        p[5] = (byte) payload;
        return p;
    }

    static Address net(boolean outbound, int ifIdx) {
        return new Address(1234, Layer.NETWORK, 0, false, outbound, false, false, false, true, true, true,
                new LayerData.Network(ifIdx, 0));
    }

    private static FilterProgram tcpProgram() {
        // Two instructions with non-trivial labels and constants: the wire checks need no real filter.
        return new FilterProgram(List.of(
                new Instruction(5, 1, 1, Instruction.REJECT, false, 0, 0, 0, 0),
                new Instruction(9, 0, Instruction.ACCEPT, Instruction.REJECT, false, 80, 0, 0, 0)), 0xF0, "tcp");
    }

    private DivertHandle openNetwork(int priority, OpenFlag... flags) {
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        return DivertHandle.builder().transport(fake).filter(tcpProgram()).priority(priority).flags(flags).open();
    }

    @Test
    void openPerformsHandshakeThenStartupWithExactBuffers() {
        try (DivertHandle h = openNetwork(5, OpenFlag.SNIFF)) {
            assertThat(fake.opened).containsExactly(Device.DIVERT4J_PATH);
            assertThat(h.devicePath()).isEqualTo("\\\\.\\Divert4j");
            FakeTransport.Call init = fake.calls.get(0);
            assertThat(init.code).isEqualTo(0x0012E486);
            // layer 0, priority 5 + 30000 = 0x7535, flags SNIFF.
            assertThat(init.header).isEqualTo(hex("00000000 35750000 0100000000000000"));
            assertThat(init.dataIn).isEqualTo(hex("2457646976444C4C 02000000 02000000 40000000" + "00".repeat(44)));
            FakeTransport.Call startup = fake.calls.get(1);
            assertThat(startup.code).isEqualTo(0x0012E489);
            assertThat(startup.header).isEqualTo(hex("F000000000000000 0000000000000000"));
            assertThat(startup.dataIn).isEqualTo(Instruction.encodeProgram(tcpProgram().instructions()));
            assertThat(startup.dataIn.length).isEqualTo(48);
            assertThat(h.flags()).containsExactly(OpenFlag.SNIFF);
        }
        assertThat(fake.closed).isTrue();
    }

    @Test
    void handshakeMagicBytesAreDollarWdivDll() {
        try (DivertHandle h = openNetwork(-30000)) {
            byte[] v = fake.calls.get(0).dataIn;
            assertThat(new String(v, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("$WdivDLL");
            assertThat(Arrays.copyOfRange(fake.calls.get(0).header, 4, 8)).isEqualTo(hex("00000000"));
        }
    }

    @Test
    void incompatibleDriverRepliesFailWith654AndClose() {
        fake.then(FakeTransport.handshake(Abi.MAGIC_DLL, 2));
        DivertException e = assertThrows(DivertException.DriverUnavailableException.class,
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).open());
        assertThat(e.errorCode()).isEqualTo(654);
        assertThat(e.getMessage()).contains("incompatible");
        assertThat(e.remedy()).contains("uninstall");
        assertThat(fake.closed).isTrue();

        FakeTransport old = new FakeTransport();
        old.then(FakeTransport.handshake(Abi.MAGIC_SYS, 1));
        assertThat(assertThrows(DivertException.class,
                () -> DivertHandle.builder().transport(old).filter(tcpProgram()).open()).errorCode()).isEqualTo(654);
        assertThat(old.calls).hasSize(1);
    }

    @Test
    void initializeAndStartupErrorsCloseTheDevice() {
        fake.then(FakeTransport.error(87));
        DivertException e = assertThrows(DivertException.InvalidRequestException.class,
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).open());
        assertThat(e.errorCode()).isEqualTo(87);
        assertThat(fake.closed).isTrue();

        FakeTransport f2 = new FakeTransport();
        f2.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.error(87));
        DivertException e2 = assertThrows(DivertException.InvalidFilterException.class,
                () -> DivertHandle.builder().transport(f2).filter(tcpProgram()).open());
        assertThat(e2.getMessage()).contains("'tcp'");
        assertThat(f2.closed).isTrue();

        FakeTransport f3 = new FakeTransport();
        f3.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.error(1753));
        DivertException e3 = assertThrows(DivertException.DriverUnavailableException.class,
                () -> DivertHandle.builder().transport(f3).filter(tcpProgram()).open());
        assertThat(e3.getMessage()).contains("Base Filtering Engine");
        assertThat(e3.getMessage()).contains("sc start BFE");
    }

    @Test
    void invalidArgumentsFailWith87BeforeTouchingTheDevice() {
        List<Runnable> bad = List.of(
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).flags(OpenFlag.SNIFF, OpenFlag.DROP).open(),
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).flags(OpenFlag.RECV_ONLY, OpenFlag.SEND_ONLY).open(),
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).priority(30001).open(),
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).priority(-30001).open(),
                () -> DivertHandle.builder().transport(fake).filter(FilterProgram.acceptAll(Layer.FLOW)).layer(Layer.FLOW).open(),
                () -> DivertHandle.builder().transport(fake).filter(new FilterProgram(tcpProgram().instructions(), 0x4000, null)).open(),
                () -> DivertHandle.builder().transport(fake).filter(new FilterProgram(
                        java.util.Collections.nCopies(256, tcpProgram().instructions().get(1)), 0xF0, null)).open());
        for (Runnable r : bad) {
            DivertException e = assertThrows(DivertException.InvalidRequestException.class, r::run);
            assertThat(e.errorCode()).isEqualTo(87);
        }
        assertThat(fake.opened).isEmpty();
    }

    private DivertException refused(DivertHandle.Builder b) {
        DivertException e = assertThrows(DivertException.InvalidRequestException.class, b::open);
        assertThat(e.errorCode()).isEqualTo(87);
        return e;
    }

    @Test
    void eachInvalidArgumentNamesItsCauseAndItsOwnRemedy() {
        DivertException priority = refused(DivertHandle.builder().transport(fake).filter(tcpProgram()).priority(40000));
        assertThat(priority).hasMessageThat().contains("priority 40000 outside -30000..30000");
        assertThat(priority.remedy()).contains("from -30000 (lowest) to 30000 (highest)");
        DivertException sniffDrop = refused(DivertHandle.builder().transport(fake).filter(tcpProgram())
                .flags(OpenFlag.SNIFF, OpenFlag.DROP));
        assertThat(sniffDrop).hasMessageThat().contains("SNIFF and DROP cannot be combined");
        assertThat(sniffDrop.remedy()).contains("SNIFF to copy packets and let them pass, or DROP");
        DivertException flowFlags = refused(DivertHandle.builder().transport(fake)
                .filter(FilterProgram.acceptAll(Layer.FLOW)).layer(Layer.FLOW));
        assertThat(flowFlags.remedy()).contains("SNIFF and RECV_ONLY");
        fake.name = "linux";
        DivertException flow = refused(DivertHandle.builder().transport(fake).filter(FilterProgram.acceptAll(Layer.FLOW))
                .layer(Layer.FLOW).flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY));
        assertThat(flow).hasMessageThat().contains("the FLOW layer is not supported on Linux");
        assertThat(flow.remedy()).contains("on Linux use the NETWORK layer");
        assertThat(flow.remedy()).doesNotContain("flags");
        DivertException fragments = refused(DivertHandle.builder().transport(fake).filter(tcpProgram())
                .flags(OpenFlag.FRAGMENTS));
        assertThat(fragments).hasMessageThat().contains("FRAGMENTS flag is not supported on Linux");
        assertThat(fragments.remedy()).contains("open without FRAGMENTS");
        assertThat(java.util.Set.of(priority.remedy(), sniffDrop.remedy(), flowFlags.remedy(), flow.remedy(),
                fragments.remedy())).hasSize(5);
        assertThat(fake.opened).isEmpty();
    }

    @Test
    void notRootOnLinuxSaysRootAndNamesNoDevicePath() {
        fake.name = "linux";
        fake.openErrors.put(Device.DIVERT4J_PATH, 5);
        DivertException e = assertThrows(DivertException.AccessDeniedException.class,
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).open());
        assertThat(e).hasMessageThat().startsWith("open failed: permission denied: diverting packets on Linux needs root");
        assertThat(e).hasMessageThat().contains("CAP_NET_ADMIN");
        assertThat(e.remedy()).contains("sudo");
        assertThat(e.operation()).isEqualTo("open");
        assertThat(e).hasMessageThat().doesNotContain("Administrator");
        assertThat(e).hasMessageThat().doesNotContain("elevated");
    }

    @Test
    void layerAndFlagsGoIntoInitialize() {
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(fake).filter(FilterProgram.acceptAll(Layer.REFLECT))
                .layer(Layer.REFLECT).priority(-1).flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY, OpenFlag.NO_INSTALL).open()) {
            assertThat(fake.calls.get(0).header).isEqualTo(hex("04000000 2F750000 1500000000000000"));
            assertThat(fake.calls.get(1).header).isEqualTo(hex("00".repeat(16)));
            assertThat(fake.calls.get(1).dataIn).isEqualTo(hex("0000FE7FFE7F0000" + "00".repeat(16)));
            assertThat(h.layer()).isEqualTo(Layer.REFLECT);
        }
    }

    @Test
    void driverNotLoaded_noInstallFailsWith1060() {
        fake.openErrors.put(Device.DIVERT4J_PATH, 2);
        fake.openErrors.put(Device.WINDIVERT_PATH, 2);
        DivertException e = assertThrows(DivertException.DriverUnavailableException.class, () -> DivertHandle.builder()
                .transport(fake).filter(tcpProgram()).flags(OpenFlag.NO_INSTALL).open());
        assertThat(e.errorCode()).isEqualTo(1060);
        assertThat(e.getMessage()).contains("divert4j driver install");
        assertThat(fake.installs).isEmpty();
        assertThat(fake.opened).containsExactly(Device.DIVERT4J_PATH, Device.WINDIVERT_PATH);
    }

    @Test
    void driverNotLoaded_installsOnDemandAndRetriesOnce(@TempDir Path dir) throws IOException {
        Path sys = Files.writeString(dir.resolve("divert4j.sys"), "MZ");
        fake.openErrors.put(Device.DIVERT4J_PATH, 3);
        fake.openErrors.put(Device.WINDIVERT_PATH, 2);
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(fake).filter(tcpProgram()).driverFile(sys).open()) {
            assertThat(fake.installs).containsExactly(sys.toAbsolutePath());
            assertThat(fake.opened).containsExactly(Device.DIVERT4J_PATH, Device.WINDIVERT_PATH, Device.DIVERT4J_PATH);
            assertThat(h.devicePath()).isEqualTo(Device.DIVERT4J_PATH);
        }
    }

    @Test
    void driverFileMissingIsReportedWithItsPath(@TempDir Path dir) {
        fake.openErrors.put(Device.DIVERT4J_PATH, 2);
        DivertException e = assertThrows(DivertException.DriverUnavailableException.class, () -> DivertHandle.builder()
                .transport(fake).device(Device.DIVERT4J).filter(tcpProgram()).driverFile(dir.resolve("nope.sys")).open());
        assertThat(e.errorCode()).isEqualTo(2);
        assertThat(e.getMessage()).contains("nope.sys");
        assertThat(fake.opened).containsExactly(Device.DIVERT4J_PATH);
    }

    @Test
    void onlyWinDivertPresent_autoUsesIt_andWinDivertOnRequest() {
        fake.openErrors.put(Device.DIVERT4J_PATH, 2);
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(fake).filter(tcpProgram()).open()) {
            assertThat(h.devicePath()).isEqualTo("\\\\.\\WinDivert");
        }
        FakeTransport f2 = new FakeTransport();
        f2.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(f2).device(Device.WINDIVERT).filter(tcpProgram()).open()) {
            assertThat(f2.opened).containsExactly(Device.WINDIVERT_PATH);
        }
    }

    @Test
    void openErrorsPassThrough() {
        fake.openErrors.put(Device.DIVERT4J_PATH, 5);
        DivertException e = assertThrows(DivertException.AccessDeniedException.class,
                () -> DivertHandle.builder().transport(fake).filter(tcpProgram()).open());
        assertThat(e.getMessage()).contains("Administrator");
        assertThat(fake.opened).containsExactly(Device.DIVERT4J_PATH);

        FakeTransport noManager = new FakeTransport();
        noManager.canInstall = false;
        noManager.openErrors.put(Device.DIVERT4J_PATH, 2);
        noManager.openErrors.put(Device.WINDIVERT_PATH, 2);
        assertThat(assertThrows(DivertException.class, () -> DivertHandle.builder().transport(noManager)
                .filter(tcpProgram()).open()).errorCode()).isEqualTo(2);
    }

    @Test
    void recvOnePacket_headerHasAddressPointerAndNoLengthPointer() {
        byte[] pkt = ipv4(60, 0xAB);
        Address a = net(true, 7);
        AtomicReference<FakeTransport.Call> seen = new AtomicReference<>();
        try (DivertHandle h = openNetwork(0)) {
            fake.then(call -> {
                seen.set(call);
                return call.deliver(List.of(pkt), List.of(a));
            });
            DivertPacket p = h.recv();
            assertThat(p.data()).isEqualTo(pkt);
            assertThat(p.address()).isEqualTo(a);
            FakeTransport.Call c = seen.get();
            assertThat(c.code).isEqualTo(Ioctl.RECV.code());
            assertThat(c.headerLong(0)).isNotEqualTo(0L);
            assertThat(c.headerLong(8)).isEqualTo(0L);
            assertThat(c.data.limit()).isAtLeast(Abi.MTU_MAX);
        }
    }

    @Test
    void recvBatch_passesLengthPointerAndFramesPacketsFromIpHeaders() {
        List<byte[]> pkts = List.of(ipv4(40, 1), ipv6(100, 2), ipv4(1500, 3), ipv6(0, 4));
        List<Address> addrs = List.of(net(true, 1), net(false, 2), net(true, 3), net(false, 4));
        AtomicReference<Integer> lengthIn = new AtomicReference<>();
        try (DivertHandle h = openNetwork(0)) {
            fake.then(call -> {
                lengthIn.set(call.addressLengthIn());
                return call.deliver(pkts, addrs);
            });
            List<DivertPacket> got = h.recv(10);
            assertThat(lengthIn.get()).isEqualTo(800);
            assertThat(got).hasSize(4);
            for (int i = 0; i < 4; i++) {
                assertThat(got.get(i).data()).isEqualTo(pkts.get(i));
                assertThat(got.get(i).address()).isEqualTo(addrs.get(i));
            }
            fake.then(call -> {
                lengthIn.set(call.addressLengthIn());
                return call.deliver(List.of(pkts.get(0)), List.of(addrs.get(0)));
            });
            assertThat(h.recv(255)).hasSize(1);
            assertThat(lengthIn.get()).isEqualTo(20400);
            assertThrows(IllegalArgumentException.class, () -> h.recv(256));
            assertThrows(IllegalArgumentException.class, () -> h.recv(0));
        }
    }

    @Test
    void recvBatch_malformedFramingIsReported() {
        try (DivertHandle h = openNetwork(0)) {
            byte[] lying = ipv4(40, 1);
            lying[3] = (byte) 200;
            fake.then(call -> call.deliver(List.of(lying, ipv4(40, 2)), List.of(net(true, 1), net(true, 2))));
            DivertException e = assertThrows(DivertException.class, () -> h.recv(2));
            assertThat(e.errorCode()).isEqualTo(13);
        }
    }

    @Test
    void recvBatch_flowEventsCarryNoData_reflectEventsCarryNulTerminatedObjects() {
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        Address flow = new Address(5, Layer.FLOW, 1, true, true, false, false, false, false, false, false,
                new LayerData.Endpoint(1, 2, 3, U128.ipv4Mapped(0x0A000001), U128.ipv4Mapped(0x0A000002), 1000, 80, 6));
        try (DivertHandle h = DivertHandle.builder().transport(fake).layer(Layer.FLOW)
                .filter(FilterProgram.acceptAll(Layer.FLOW)).flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open()) {
            assertThat(fake.calls.get(1).header).isEqualTo(hex("C001000000000000 0000000000000000"));
            fake.then(call -> call.deliver(List.of(), List.of(flow, flow)));
            List<DivertPacket> got = h.recv(5);
            assertThat(got).hasSize(2);
            assertThat(got.get(1).length()).isEqualTo(0);
            assertThat(got.get(1).address()).isEqualTo(flow);
        }
        FakeTransport r = new FakeTransport();
        r.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        Address refl = new Address(5, Layer.REFLECT, 8, true, false, false, false, false, false, false, false,
                new LayerData.Reflect(9, 100, Layer.NETWORK, 1, (short) -5));
        byte[] o1 = "@WinDiv_WX_WWWWAA\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] o2 = "@WinDiv_WX_WWWWXX\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (DivertHandle h = DivertHandle.builder().transport(r).layer(Layer.REFLECT)
                .filter(FilterProgram.acceptAll(Layer.REFLECT)).flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY).open()) {
            r.then(call -> call.deliver(List.of(o1, o2), List.of(refl, refl)));
            List<DivertPacket> got = h.recv(2);
            assertThat(got.get(0).data()).isEqualTo(o1);
            assertThat(got.get(1).data()).isEqualTo(o2);
        }
    }

    @Test
    void recvErrorsMapToTheirExceptions() {
        try (DivertHandle h = openNetwork(0)) {
            fake.then(call -> new org.divert4j.api.spi.IoResult(122, 65575));
            DivertException e = assertThrows(DivertException.BufferTooSmallException.class, h::recv);
            assertThat(e.getMessage()).contains("65575 bytes delivered");
            fake.then(FakeTransport.error(87));
            assertThrows(DivertException.InvalidRequestException.class, h::recv);
            fake.then(FakeTransport.error(22));
            assertThat(assertThrows(DivertException.InvalidRequestException.class, h::recv).errorCode()).isEqualTo(22);
            fake.then(FakeTransport.error(1450));
            assertThat(assertThrows(DivertException.class, () -> h.recv(3)).getMessage()).contains("out of memory");
            fake.then(FakeTransport.error(232));
            assertThrows(DivertException.NoDataException.class, h::recv);
        }
    }

    @Test
    void iterationEndsAfterShutdownDrainsTheQueue() {
        try (DivertHandle h = openNetwork(0)) {
            fake.then(FakeTransport.ok(0));
            h.shutdown(Shutdown.RECV);
            FakeTransport.Call sd = fake.calls.get(2);
            assertThat(sd.code).isEqualTo(0x0012E49D);
            assertThat(sd.header).isEqualTo(hex("01000000" + "00".repeat(12)));
            assertThat(sd.data).isNull();
            fake.then(call -> call.deliver(List.of(ipv4(20, 1)), List.of(net(true, 1))))
                    .then(call -> call.deliver(List.of(ipv4(28, 2)), List.of(net(true, 1))))
                    .then(FakeTransport.error(232));
            List<Integer> lengths = new ArrayList<>();
            for (DivertPacket p : h) {
                lengths.add(p.length());
            }
            assertThat(lengths).containsExactly(20, 28).inOrder();
            fake.then(FakeTransport.ok(0));
            h.shutdown(Shutdown.BOTH);
            assertThat(fake.calls.get(fake.calls.size() - 1).header).isEqualTo(hex("03000000" + "00".repeat(12)));
        }
    }

    @Test
    void sendOne_headerPointsAtOneAddressRecord() {
        byte[] pkt = ipv4(52, 7);
        Address a = net(false, 12);
        try (DivertHandle h = openNetwork(0)) {
            AtomicReference<byte[]> sentAddr = new AtomicReference<>();
            fake.then(call -> {
                sentAddr.set(call.sentAddresses());
                return IoResult(call.dataIn.length);
            });
            assertThat(h.send(pkt, a, DivertHandle.SendOption.NO_RECOMPUTE)).isEqualTo(52);
            FakeTransport.Call c = fake.calls.get(2);
            assertThat(c.code).isEqualTo(0x0012E491);
            assertThat(c.headerLong(8)).isEqualTo(80L);
            assertThat(c.dataIn).isEqualTo(pkt);
            assertThat(sentAddr.get()).isEqualTo(AddressCodec.encode(a));

            fake.then(call -> {
                sentAddr.set(call.sentAddresses());
                return IoResult(call.dataIn.length);
            });
            // A TCP packet with wrong checksums and an address claiming nothing is valid.
            byte[] tcp = hex("45000028abcd40004006ffff0a0000015db8d82204d200500000000100000000500220001234000000");
            tcp = Arrays.copyOf(tcp, 40);
            byte[] original = tcp.clone();
            Address none = new Address(0, Layer.NETWORK, 0, false, true, false, false, false, false, false, false,
                    LayerData.Network.NONE);
            h.send(tcp, none, DivertHandle.SendOption.RECOMPUTE_CHECKSUMS);
            int bits = ByteBuffer.wrap(sentAddr.get()).order(ByteOrder.LITTLE_ENDIAN).getInt(8);
            assertThat(bits & 0x00E00000).isEqualTo(0x00600000); // IPChecksum and TCPChecksum now valid
            assertThat(bits & 0x00020000).isEqualTo(0x00020000); // still outbound
            byte[] sent = fake.calls.get(3).dataIn;
            assertThat(org.divert4j.packet.Packet.wrap(sent).checksumsValid()).isTrue();
            assertThat(org.divert4j.packet.Packet.wrap(original).checksumsValid()).isFalse();
            assertThat(tcp).isEqualTo(original);
        }
    }

    /** A UDP/IPv4 packet 10.0.0.1:1000 -> 10.0.0.2:53 with {@code payload} and valid checksums. */
    private static byte[] udp(String payload) {
        byte[] text = payload.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] p = new byte[28 + text.length];
        p[0] = 0x45;
        p[2] = (byte) (p.length >> 8);
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = 17;
        p[12] = 10;
        p[15] = 1;
        p[16] = 10;
        p[19] = 2;
        p[20] = (byte) (1000 >> 8);
        p[21] = (byte) 1000;
        p[23] = 53;
        p[25] = (byte) (8 + text.length);
        System.arraycopy(text, 0, p, 28, text.length);
        org.divert4j.packet.Packet.wrap(p).recalculateChecksums(0);
        return p;
    }

    private static String text(byte[] udp) {
        return new String(udp, 28, udp.length - 28, java.nio.charset.StandardCharsets.US_ASCII);
    }

    private byte[] sentBy(DivertHandle h, DivertPacket p, DivertHandle.SendOption... options) {
        fake.then(call -> IoResult(call.dataIn.length));
        h.send(p, options);
        return fake.calls.get(fake.calls.size() - 1).dataIn;
    }

    @Test
    void plainSendOfAModifiedPacketRecomputesTheChecksumsItsFlagsClaimValid() {
        try (DivertHandle h = openNetwork(0)) {
            DivertPacket p = new DivertPacket(udp("qwerty"), net(true, 1)); // flags: all valid
            org.divert4j.packet.Packet.wrap(p.data()).payload().put(0, (byte) 'X');
            assertThat(org.divert4j.packet.Packet.wrap(p.data()).checksumsValid()).isFalse();
            byte[] sent = sentBy(h, p);
            assertThat(org.divert4j.packet.Packet.wrap(sent).checksumsValid()).isTrue();
            assertThat(org.divert4j.packet.Packet.wrap(sent).payload().get(0)).isEqualTo((byte) 'X');
            assertThat(sentBy(h, p, DivertHandle.SendOption.RECOMPUTE_CHECKSUMS)).isEqualTo(sent);
            // Asked for: the stale checksum goes out as it is.
            assertThat(sentBy(h, p, DivertHandle.SendOption.NO_RECOMPUTE)).isEqualTo(p.data());
            // An unchanged packet is sent byte for byte.
            byte[] clean = udp("abc");
            assertThat(sentBy(h, new DivertPacket(clean.clone(), net(true, 1)))).isEqualTo(clean);
            assertThrows(IllegalArgumentException.class, () -> h.send(p,
                    DivertHandle.SendOption.NO_RECOMPUTE, DivertHandle.SendOption.RECOMPUTE_CHECKSUMS));
        }
    }

    @Test
    void sendUsesTheBytesThePacketViewNowHolds() {
        try (DivertHandle h = openNetwork(0)) {
            DivertPacket p = new DivertPacket(udp("q"), net(true, 1));
            assertThat(p.packet()).isSameInstanceAs(p.packet());
            p.packet().setPayload(ByteBuffer.wrap("hello world".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            byte[] grown = sentBy(h, p);
            assertThat(text(grown)).isEqualTo("hello world");
            assertThat(org.divert4j.packet.Packet.wrap(grown).checksumsValid()).isTrue();
            assertThat(p.length()).isEqualTo(39);
            assertThat(text(p.data())).isEqualTo("hello world");   // the view's new array
            p.data()[28] = 'H';                                     // ... shared with the view
            assertThat(p.packet().payload().get(0)).isEqualTo((byte) 'H');

            p.packet().setPayload(ByteBuffer.wrap("hi".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            byte[] shrunk = sentBy(h, p);
            assertThat(text(shrunk)).isEqualTo("hi");
            assertThat(shrunk.length).isEqualTo(30);
            assertThat(p.length()).isEqualTo(30);
            IllegalStateException e = assertThrows(IllegalStateException.class, p::data);
            assertThat(e).hasMessageThat().contains("packet().toByteArray()");
            // Batches frame by the view's length too.
            fake.then(call -> IoResult(call.dataIn.length));
            assertThat(h.send(List.of(p, new DivertPacket(udp("abc"), net(true, 1))))).isEqualTo(30 + 31);
        }
    }

    @Test
    void shutdownAfterCloseIsANoOp() {
        DivertHandle h = openNetwork(0);
        h.close();
        int calls = fake.calls.size();
        h.shutdown(Shutdown.RECV);
        h.shutdown(Shutdown.BOTH);
        h.close();
        assertThat(fake.calls).hasSize(calls);
        assertThrows(IllegalStateException.class, h::shutdownOnSignal);
    }

    @Test
    void theSignalHookEndsABlockedReceiveLoopThatThenClosesTheHandle() throws Exception {
        DivertHandle h = openNetwork(0).shutdownOnSignal();
        assertThat(h.shutdownOnSignal()).isSameInstanceAs(h);
        java.util.concurrent.CountDownLatch recvPending = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch shutdownArrived = new java.util.concurrent.CountDownLatch(1);
        // The driver wakes a receive pending on an empty queue with 232 once SHUTDOWN(RECV) arrives.
        fake.then(call -> {
            recvPending.countDown();
            shutdownArrived.await();
            return org.divert4j.api.spi.IoResult.failure(232);
        });
        fake.then(call -> {
            shutdownArrived.countDown();
            return IoResult(0);
        });
        AtomicReference<String> loopEnd = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            try (h) {
                int n = 0;
                for (DivertPacket p : h) {
                    n++;
                }
                loopEnd.set("loop ended after " + n);
            }
        });
        loop.start();
        recvPending.await();
        Thread hook = new Thread(() -> h.onSignal(java.util.concurrent.TimeUnit.MINUTES.toNanos(5)));
        hook.start();
        hook.join();
        loop.join();
        assertThat(loopEnd.get()).isEqualTo("loop ended after 0");
        assertThat(fake.calls.get(3).code).isEqualTo(Ioctl.SHUTDOWN.code());
        assertThat(fake.calls.get(3).header).isEqualTo(hex("01000000" + "00".repeat(12))); // RECV
        assertThat(h.isClosed()).isTrue();
        assertThat(fake.closed).isTrue();
        h.onSignal(0); // a signal after close: nothing to do
    }

    private static org.divert4j.api.spi.IoResult IoResult(int bytes) {
        return org.divert4j.api.spi.IoResult.success(bytes);
    }

    @Test
    void sendBatch_packetsBackToBackWithOneAddressEach() {
        List<DivertPacket> batch = List.of(new DivertPacket(ipv4(40, 1), net(true, 1)),
                new DivertPacket(ipv6(8, 2), net(false, 2)), new DivertPacket(ipv4(576, 3), net(true, 3)));
        try (DivertHandle h = openNetwork(0)) {
            AtomicReference<byte[]> sentAddr = new AtomicReference<>();
            fake.then(call -> {
                sentAddr.set(call.sentAddresses());
                return IoResult(call.dataIn.length);
            });
            assertThat(h.send(batch, DivertHandle.SendOption.NO_RECOMPUTE)).isEqualTo(40 + 48 + 576);
            FakeTransport.Call c = fake.calls.get(2);
            assertThat(c.headerLong(8)).isEqualTo(240L);
            ByteBuffer expect = ByteBuffer.allocate(664);
            ByteBuffer expectAddr = ByteBuffer.allocate(240);
            for (DivertPacket p : batch) {
                expect.put(p.data());
                AddressCodec.encode(p.address(), expectAddr);
            }
            assertThat(c.dataIn).isEqualTo(expect.array());
            assertThat(sentAddr.get()).isEqualTo(expectAddr.array());

            byte[] wrong = ipv4(40, 1);
            assertThrows(IllegalArgumentException.class, () -> h.send(List.of(
                    new DivertPacket(Arrays.copyOf(wrong, 41), net(true, 1)), batch.get(0))));
            assertThrows(IllegalArgumentException.class, () -> h.send(List.of()));
            assertThrows(IllegalArgumentException.class, () -> h.send(java.util.Collections.nCopies(256, batch.get(0))));
        }
    }

    @Test
    void sendErrorsMapToTheirExceptions() {
        try (DivertHandle h = openNetwork(0)) {
            fake.then(FakeTransport.error(1232));
            DivertException e = assertThrows(DivertException.HostUnreachableException.class, () -> h.send(ipv4(20, 0), net(true, 1)));
            assertThat(e.getMessage()).contains("TTL");
            fake.then(FakeTransport.error(232));
            assertThrows(DivertException.NoDataException.class, () -> h.send(ipv4(20, 0), net(true, 1)));
            fake.then(FakeTransport.error(122));
            assertThrows(DivertException.BufferTooSmallException.class, () -> h.send(ipv4(20, 0), net(true, 1)));
            fake.then(FakeTransport.error(87));
            assertThrows(DivertException.InvalidRequestException.class, () -> h.send(ipv4(20, 0), net(true, 1)));
        }
    }

    @Test
    void paramsUseTheirHeadersAndAnEightByteBuffer() {
        try (DivertHandle h = openNetwork(0)) {
            fake.then(call -> {
                assertThat(call.data.limit()).isEqualTo(8);
                call.data.order(ByteOrder.LITTLE_ENDIAN).putLong(0, 16384);
                return IoResult(8);
            });
            assertThat(h.getParam(Param.QUEUE_LENGTH)).isEqualTo(16384);
            FakeTransport.Call get = fake.calls.get(2);
            assertThat(get.code).isEqualTo(0x0012649A);
            assertThat(get.header).isEqualTo(hex("00000000" + "00".repeat(12)));

            fake.then(call -> {
                call.data.order(ByteOrder.LITTLE_ENDIAN).putLong(0, 2);
                return IoResult(8);
            });
            assertThat(h.getParam(Param.VERSION_MINOR)).isEqualTo(2);
            assertThat(fake.calls.get(3).header).isEqualTo(hex("04000000" + "00".repeat(12)));

            fake.then(FakeTransport.ok(0));
            h.setParam(Param.QUEUE_TIME, 16000);
            FakeTransport.Call set = fake.calls.get(4);
            assertThat(set.code).isEqualTo(0x0012E495);
            assertThat(set.header).isEqualTo(hex("803E000000000000 01000000 00000000"));
            assertThat(set.data).isNull();

            int before = fake.calls.size();
            assertThat(assertThrows(DivertException.class, () -> h.setParam(Param.QUEUE_SIZE, 65534)).errorCode()).isEqualTo(87);
            assertThrows(DivertException.InvalidRequestException.class, () -> h.setParam(Param.VERSION_MAJOR, 2));
            assertThat(fake.calls).hasSize(before);

            fake.then(FakeTransport.error(22));
            assertThat(assertThrows(DivertException.class, () -> h.getParam(Param.QUEUE_SIZE)).errorCode()).isEqualTo(22);
        }
    }

    @Test
    void closeUnblocksAPendingRecv() throws Exception {
        DivertHandle h = openNetwork(0);
        fake.then(fake.blockUntilCancelled());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread receiver = new Thread(() -> {
            try {
                h.recv();
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        receiver.start();
        fake.blocking.await();
        assertThat(fake.closed).isFalse();
        h.close();
        receiver.join();
        assertThat(thrown.get()).isInstanceOf(DivertException.AbortedException.class);
        assertThat(thrown.get().getMessage()).contains("closed");
        assertThat(fake.closed).isTrue();
        assertThrows(IllegalStateException.class, h::recv);
        h.close();
    }

    @Test
    void closeEndsIterationAndFailsPendingFutures() throws Exception {
        DivertHandle h = openNetwork(0);
        fake.then(fake.blockUntilCancelled());
        CompletableFuture<DivertPacket> f = h.recvAsync();
        fake.blocking.await();
        h.close();
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertThat(e.getCause()).isInstanceOf(DivertException.AbortedException.class);
        assertThat(h.iterator().hasNext()).isFalse();
        assertThat(h.stream().count()).isEqualTo(0);
    }

    @Test
    void asyncSendAndRecvComplete() throws Exception {
        try (DivertHandle h = openNetwork(0)) {
            fake.then(call -> call.deliver(List.of(ipv4(20, 1)), List.of(net(true, 3))));
            assertThat(h.recvAsync().get().address().network().ifIdx()).isEqualTo(3);
            fake.then(call -> IoResult(call.dataIn.length));
            assertThat(h.sendAsync(ipv4(30, 1), net(true, 1)).get()).isEqualTo(30);
        }
    }

    @Test
    void everySpecErrorHasAMessageAndRemedy() {
        int[] codes = {1, 2, 3, 5, 13, 22, 50, 87, 110, 122, 161, 232, 577, 654, 995, 1060, 1072, 1232, 1275, 1450, 1753};
        for (int code : codes) {
            DivertException e = DivertException.of(code, "op", null);
            assertThat(e.errorCode()).isEqualTo(code);
            assertThat(e.remedy()).isNotEmpty();
            assertThat(e.getMessage()).startsWith("op failed: ");
            assertThat(e.getMessage()).contains("(error " + code + " ");
            assertThat(e.getMessage()).contains("\nRemedy: " + e.remedy());
        }
        assertThat(DivertException.of(2, "op", null)).isInstanceOf(DivertException.DriverUnavailableException.class);
        assertThat(DivertException.of(1060, "op", null)).isInstanceOf(DivertException.DriverUnavailableException.class);
        assertThat(DivertException.of(577, "op", null).getMessage()).contains("signature");
        assertThat(DivertException.of(1275, "op", null).getMessage()).contains("blocked");
        assertThat(DivertException.of(5, "op", null)).isInstanceOf(DivertException.AccessDeniedException.class);
        assertThat(DivertException.of(995, "op", null)).isInstanceOf(DivertException.AbortedException.class);
        DivertException unknown = DivertException.of(4242, "op", "x");
        assertThat(unknown.getClass()).isEqualTo(DivertException.class);
        assertThat(unknown.remedy()).isNull();
        assertThat(unknown.getMessage()).isEqualTo("op failed: Windows error 4242: x");
    }

    @Test
    void filterTextIsCompiledForTheLayerWithItsFlags() {
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(fake).filter("tcp.DstPort == 80 and outbound").open()) {
            FakeTransport.Call startup = fake.calls.get(1);
            // docs/spec/filter-object.md (c): outbound and tcp at layer 0 -> OUTBOUND|IP|IPV6.
            assertThat(startup.header).isEqualTo(hex("E000000000000000 0000000000000000"));
            assertThat(startup.dataIn.length).isEqualTo(48);
            assertThat(h.filter().text()).isEqualTo("tcp.DstPort == 80 and outbound");
        }
        FakeTransport f2 = new FakeTransport();
        f2.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0));
        try (DivertHandle h = DivertHandle.builder().transport(f2).layer(Layer.SOCKET).flags(OpenFlag.RECV_ONLY)
                .filter("event == CONNECT").open()) {
            assertThat(f2.calls.get(1).header).isEqualTo(hex("C004000000000000 0000000000000000"));
        }
    }

    @Test
    void invalidFilterCarriesTheCompilerDiagnosticAndOpensNothing() {
        DivertException e = assertThrows(DivertException.InvalidFilterException.class,
                () -> DivertHandle.builder().transport(fake).filter("tcp.DstPort == ").open());
        assertThat(e.errorCode()).isEqualTo(87);
        assertThat(e.getMessage()).contains("position");
        assertThat(e.getMessage()).contains("^");
        assertThat(e.getCause()).isInstanceOf(org.divert4j.filter.FilterException.class);
        DivertException wrongLayer = assertThrows(DivertException.InvalidFilterException.class,
                () -> DivertHandle.builder().transport(fake).layer(Layer.FLOW).flags(OpenFlag.SNIFF, OpenFlag.RECV_ONLY)
                        .filter("tcp.PayloadLength > 0").open());
        assertThat(wrongLayer.getMessage()).contains("FLOW");
        assertThat(fake.opened).isEmpty();
    }

    @Test
    void constantProgramsAgreeWithTheCompiler() {
        for (Layer l : Layer.values()) {
            FilterProgram t = FilterProgram.compile("true", l);
            assertThat(FilterProgram.acceptAll(l).instructions()).isEqualTo(t.instructions());
            assertThat(FilterProgram.acceptAll(l).filterFlags()).isEqualTo(t.filterFlags());
            FilterProgram f = FilterProgram.compile("false", l);
            assertThat(FilterProgram.rejectAll().instructions()).isEqualTo(f.instructions());
            assertThat(f.filterFlags()).isEqualTo(0);
        }
    }

    @Test
    void timestampsConvertWithTheTransportsCounterFrequency() {
        try (DivertHandle h = openNetwork(0)) {
            long base = h.toEpochNanos(fake.counter);
            assertThat(h.toEpochNanos(fake.counter + 10_000_000L) - base).isEqualTo(1_000_000_000L);
            assertThat(h.toEpochNanos(fake.counter + 7) - base).isEqualTo(700L);
            assertThat(h.toEpochNanos(fake.counter - 10_000_000L) - base).isEqualTo(-1_000_000_000L);
        }
    }

    @Test
    void platformTransportMatchesTheOs() {
        String os = System.getProperty("os.name");
        if (os.startsWith("Windows")) {
            assertThat(Transports.platform().name()).isEqualTo("windows");
        } else if (os.startsWith("Linux")) {
            assertThat(Transports.platform().name()).isEqualTo("linux");
        } else {
            DivertException e = assertThrows(DivertException.DriverUnavailableException.class,
                    () -> DivertHandle.builder().filter(tcpProgram()).open());
            assertThat(e.errorCode()).isEqualTo(50);
            assertThat(e.getMessage()).contains("no divert transport");
        }
    }
}
