package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The pydivert-style conveniences (addresses, ports, ICMP type/code, payload replacement,
 * checksum options, tcpdump-like toString) on the kernel's own packets of
 * tests/e2e/packet-capture.sh, with rewritten packets checked by {@link ReferenceChecksum}.
 */
class PacketConveniencesTest {

    private static List<byte[]> kernelPackets() throws IOException {
        return KernelCaptureChecksumTest.ipPackets(Files.readAllBytes(KernelCaptureChecksumTest.capture()));
    }

    /** tcpdump's own one-line decodes of the capture, in packet order. */
    private static List<String> tcpdumpLines(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("tcpdump", "-nn", "-S", "-t", "-r", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(0);
        return out.lines().toList();
    }

    @Test
    void toStringReadsLikeTcpdumpOnKernelPackets() throws Exception {
        List<byte[]> packets = kernelPackets();
        List<String> lines = tcpdumpLines(KernelCaptureChecksumTest.capture());
        assertThat(lines).hasSize(packets.size());
        int tcp = 0;
        int echo = 0;
        int udp = 0;
        for (int i = 0; i < packets.size(); i++) {
            Packet p = Packet.wrap(packets.get(i));
            // TCP options and the non-echo ICMPv6 messages are decoded by tcpdump only.
            String want = lines.get(i).replaceAll(", options \\[[^\\]]*\\]", "");
            if (p.tcp().isPresent()) {
                tcp++;
                assertThat(p.toString()).isEqualTo(want);
            } else if (want.contains("echo request") || want.contains("echo reply")) {
                echo++;
                assertThat(p.toString()).isEqualTo(want);
            } else if (p.udp().isPresent()) {
                // tcpdump decodes ports 7001/7002 as AFS; only the address part is comparable.
                String head = want.substring(0, want.indexOf(": ", want.indexOf(" > ")) + 1);
                assertThat(p.toString()).isEqualTo(head + " UDP, length " + p.payloadLength());
                udp++;
            }
        }
        assertThat(tcp).isAtLeast(10);
        assertThat(echo).isAtLeast(4);
        assertThat(udp).isAtLeast(2);
    }

    @Test
    void sampleToStrings() {
        assertThat(Packet.wrap(Hex.decode(SamplePackets.P1)).toString())
                .isEqualTo("IP 10.0.0.1 > 8.8.8.8: ICMP echo request, id 3414, seq 1, length 40");
        assertThat(Packet.wrap(Hex.decode(SamplePackets.P2)).toString()).isEqualTo(
                "IP 10.10.10.10.41754 > 93.184.216.119.80: Flags [P.], seq 1396231362:1396231380,"
                        + " ack 1446490965, win 115, length 18");
        assertThat(Packet.wrap(new byte[] {1, 2, 3}).toString()).isEqualTo("not IP, length 3: 010203");
    }

    @Test
    void addressesAndPortsRoundTripWithValidChecksums() throws Exception {
        InetAddress v4 = InetAddress.getByName("192.0.2.77");
        InetAddress v6 = InetAddress.getByName("2001:db8::77");
        int rewritten = 0;
        for (byte[] original : kernelPackets()) {
            Packet p = Packet.wrap(original.clone());
            boolean isV4 = p.ipv4().isPresent();
            InetAddress mine = isV4 ? v4 : v6;
            InetAddress other = isV4 ? v6 : v4;
            InetAddress oldDst = p.dstAddr().orElseThrow();
            assertThat(p.srcAddr().orElseThrow().getAddress()).isEqualTo(
                    Arrays.copyOfRange(original, isV4 ? 12 : 8, isV4 ? 16 : 24));

            p.setSrcAddr(mine);
            assertThat(p.srcAddr()).hasValue(mine);
            assertThat(p.dstAddr()).hasValue(oldDst);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.setDstAddr(other));
            assertThat(e).hasMessageThat().contains(isV4 ? "of an IPv4 packet" : "of an IPv6 packet");

            if (p.srcPort().isPresent()) {
                int oldDstPort = p.dstPort().getAsInt();
                p.setSrcPort(4242);
                assertThat(p.srcPort()).isEqualTo(OptionalInt.of(4242));
                assertThat(p.dstPort()).isEqualTo(OptionalInt.of(oldDstPort));
                assertThrows(IllegalArgumentException.class, () -> p.setDstPort(65536));
            } else {
                assertThrows(IllegalStateException.class, () -> p.setSrcPort(1));
            }
            assertThat(p.checksumsValid()).isFalse();
            recalculateAndCheck(p);
            rewritten++;
        }
        assertThat(rewritten).isGreaterThan(0);
    }

    @Test
    void icmpTypeAndCodeRoundTrip() throws Exception {
        int seen = 0;
        for (byte[] original : kernelPackets()) {
            Packet p = Packet.wrap(original.clone());
            if (p.icmp().isEmpty() && p.icmpv6().isEmpty()) {
                assertThat(p.icmpType()).isEmpty();
                assertThrows(IllegalStateException.class, () -> p.setIcmpCode(0));
                continue;
            }
            int t = p.decomposition().orElseThrow().transportOffset();
            assertThat(p.icmpType()).isEqualTo(OptionalInt.of(original[t] & 0xFF));
            assertThat(p.icmpCode()).isEqualTo(OptionalInt.of(original[t + 1] & 0xFF));
            p.setIcmpType(3);
            p.setIcmpCode(1);
            assertThat(p.icmpType()).isEqualTo(OptionalInt.of(3));
            assertThat(p.icmpCode()).isEqualTo(OptionalInt.of(1));
            assertThrows(IllegalArgumentException.class, () -> p.setIcmpType(256));
            recalculateAndCheck(p);
            seen++;
        }
        assertThat(seen).isAtLeast(4);
    }

    /** Where the packet and its new payload live; each goes through its own setPayload overload. */
    enum Source {
        ARRAY, HEAP_BUFFER, DIRECT_BUFFER;

        Packet wrap(byte[] packet) {
            return this == DIRECT_BUFFER
                    ? Packet.wrap(ByteBuffer.allocateDirect(packet.length).put(packet).flip())
                    : Packet.wrap(packet.clone());
        }

        ChecksumResult setPayload(Packet p, byte[] payload) {
            if (this == ARRAY) {
                return p.setPayload(payload.clone());
            }
            // Positioned past bytes that must not be copied; setPayload must leave the position.
            ByteBuffer src = this == DIRECT_BUFFER
                    ? ByteBuffer.allocateDirect(payload.length + 3) : ByteBuffer.allocate(payload.length + 3);
            src.put(new byte[] {9, 9, 9}).put(payload).position(3);
            ChecksumResult r = p.setPayload(src);
            assertThat(src.position()).isEqualTo(3);
            return r;
        }
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void setPayloadGrowsAndShrinksThePacketAndFixesEveryChecksum(Source source) throws Exception {
        Set<String> done = new TreeSet<>();
        for (byte[] original : kernelPackets()) {
            Decomposition before = Packet.wrap(original).decomposition().orElseThrow();
            int old = before.payloadLength();
            for (int newLength : new int[] {0, 1, old - 1, old + 1, 777, 1501}) {
                if (newLength < 0) {
                    continue;
                }
                Packet p = source.wrap(original);
                byte[] payload = pattern(newLength);
                ChecksumResult r = source.setPayload(p, payload);
                Decomposition d = p.decomposition().orElseThrow();
                assertThat(r).isEqualTo(new ChecksumResult(true, d.isIpv4(), d.transport() == Transport.TCP,
                        d.transport() == Transport.UDP));
                byte[] b = p.toByteArray();
                assertThat(b.length).isEqualTo(before.headerLength() + newLength);
                assertThat(ipLength(b)).isEqualTo(b.length);
                if (d.transport() == Transport.UDP) {
                    assertThat(u16(b, d.transportOffset() + 4)).isEqualTo(8 + newLength);
                }
                assertThat(Arrays.copyOfRange(b, before.headerLength(), b.length)).isEqualTo(payload);
                assertThat(p.validate()).isEmpty();
                assertReferenceChecksums(p);
                done.add("v" + d.ipVersion() + "-" + d.transport() + (newLength < old ? " shrunk" : " grown"));
            }
        }
        List<String> want = new ArrayList<>();
        for (String kind : List.of("v4-ICMP", "v4-TCP", "v4-UDP", "v6-ICMPV6", "v6-TCP", "v6-UDP")) {
            want.add(kind + " grown");
            want.add(kind + " shrunk");
        }
        assertThat(done).containsAtLeastElementsIn(want);
    }

    /** The ways to name the checksums to skip; each must leave exactly the named one alone. */
    enum SkipForm {
        SET((p, o) -> p.recalculateChecksums(EnumSet.of(o))),
        VARARGS((p, o) -> p.recalculateChecksums(o)),
        FLAGS((p, o) -> p.recalculateChecksums(o.flag())),
        SET_PAYLOAD((p, o) -> p.setPayload(PacketViewsTest.bytes(p.payload()), o));

        final BiFunction<Packet, ChecksumOption, ChecksumResult> recalculate;

        SkipForm(BiFunction<Packet, ChecksumOption, ChecksumResult> recalculate) {
            this.recalculate = recalculate;
        }
    }

    @ParameterizedTest
    @EnumSource(SkipForm.class)
    void eachOptionLeavesExactlyItsChecksumAlone(SkipForm form) throws Exception {
        Set<ChecksumOption> skippedSomewhere = EnumSet.noneOf(ChecksumOption.class);
        for (byte[] original : kernelPackets()) {
            for (ChecksumOption skip : ChecksumOption.values()) {
                Packet p = Packet.wrap(original.clone());
                Map<ChecksumOption, Integer> kernel = storedChecksums(p);
                // Lengths only: the kernel's checksums stay, now stale.
                assertThat(p.setPayload(pattern(p.payloadLength() + 3), ChecksumOption.values()))
                        .isEqualTo(new ChecksumResult(true, false, false, false));
                assertThat(storedChecksums(p)).isEqualTo(kernel);
                Map<ChecksumOption, Integer> reference = referenceChecksums(p);

                ChecksumResult r = form.recalculate.apply(p, skip);
                Map<ChecksumOption, Integer> want = new EnumMap<>(reference);
                if (kernel.containsKey(skip)) {
                    // Else leaving it alone would be indistinguishable from recomputing it.
                    assertThat(reference.get(skip)).isNotEqualTo(kernel.get(skip));
                    want.put(skip, kernel.get(skip));
                    skippedSomewhere.add(skip);
                }
                assertWithMessage("%s skipping %s", p, skip).that(storedChecksums(p)).isEqualTo(want);
                assertThat(r).isEqualTo(new ChecksumResult(true, computed(kernel, skip, ChecksumOption.NO_IP),
                        computed(kernel, skip, ChecksumOption.NO_TCP), computed(kernel, skip, ChecksumOption.NO_UDP)));
            }
        }
        assertThat(skippedSomewhere).containsExactlyElementsIn(ChecksumOption.values());
    }

    private static boolean computed(Map<ChecksumOption, Integer> present, ChecksumOption skip, ChecksumOption which) {
        return present.containsKey(which) && skip != which;
    }

    /**
     * A fragment cannot have its transport checksum computed (it covers bytes elsewhere): the
     * IPv4 header checksum and IP length are fixed, the transport checksum and UDP length are
     * left, and a first fragment (the one with the transport header) reports not ok. An IPv6
     * atomic fragment (offset 0, M clear) holds its whole datagram and gets everything fixed.
     */
    @ParameterizedTest
    @CsvSource({"true, 0", "false, 185", "true, 185", "false, 0"})
    void setPayloadOnFragments(boolean more, int offset) throws Exception {
        boolean whole = !more && offset == 0;
        int seen = 0;
        for (byte[] original : kernelPackets()) {
            boolean v4 = (original[0] & 0xF0) == 0x40;
            if (v4 && whole) {
                continue;   // not a fragment at all
            }
            Packet p = Packet.wrap(fragment(original, more, offset));
            Decomposition d = p.decomposition().orElseThrow();
            assertThat(d.fragment()).isTrue();
            assertThat(d.transport() == Transport.NONE).isEqualTo(offset != 0);
            Map<ChecksumOption, Integer> before = storedChecksums(p);
            int udpLength = d.transport() == Transport.UDP ? p.udp().orElseThrow().length() : -1;
            byte[] payload = pattern(d.payloadLength() + 5);

            ChecksumResult r = p.setPayload(payload);
            byte[] b = p.toByteArray();
            assertThat(b.length).isEqualTo(d.headerLength() + payload.length);
            assertThat(ipLength(b)).isEqualTo(b.length);
            Map<ChecksumOption, Integer> want = new EnumMap<>(referenceChecksums(p));
            if (!whole) {
                transportField(p).ifPresent(f -> want.put(f.option(), before.get(f.option())));
            }
            assertWithMessage("%s", p).that(storedChecksums(p)).isEqualTo(want);
            if (udpLength >= 0) {
                assertThat(p.udp().orElseThrow().length()).isEqualTo(whole ? 8 + payload.length : udpLength);
            }
            boolean tcp = d.transport() == Transport.TCP;
            boolean udp = d.transport() == Transport.UDP;
            assertThat(r).isEqualTo(new ChecksumResult(whole || d.transport() == Transport.NONE, v4, whole && tcp,
                    whole && udp));
            seen++;
        }
        assertThat(seen).isAtLeast(10);
    }

    /**
     * The packet made a fragment by hand: IPv4 MF and fragment offset written into the header,
     * or an IPv6 fragment header inserted after the fixed header.
     */
    private static byte[] fragment(byte[] packet, boolean more, int offset) {
        if ((packet[0] & 0xF0) == 0x40) {
            byte[] b = packet.clone();
            int flagsOffset = (more ? 0x2000 : 0) | offset;
            b[6] = (byte) (flagsOffset >>> 8);
            b[7] = (byte) flagsOffset;
            return b;
        }
        byte[] b = new byte[packet.length + 8];
        System.arraycopy(packet, 0, b, 0, 40);
        System.arraycopy(packet, 40, b, 48, packet.length - 40);
        b[6] = 44;
        int payloadLength = u16(packet, 4) + 8;
        b[4] = (byte) (payloadLength >>> 8);
        b[5] = (byte) payloadLength;
        b[40] = packet[6];
        int offsetM = offset << 3 | (more ? 1 : 0);
        b[42] = (byte) (offsetM >>> 8);
        b[43] = (byte) offsetM;
        b[47] = 0x16;   // identification
        return b;
    }

    /** {@code n} bytes that differ from position to position. */
    private static byte[] pattern(int n) {
        byte[] payload = new byte[n];
        for (int i = 0; i < n; i++) {
            payload[i] = (byte) (i * 31 + 7);
        }
        return payload;
    }

    /** Recomputes every checksum and checks them with {@link ReferenceChecksum}. */
    private static void recalculateAndCheck(Packet p) {
        assertThat(p.recalculateChecksums().ok()).isTrue();
        assertReferenceChecksums(p);
    }

    /** The IPv4 header and transport checksums are those {@link ReferenceChecksum} computes. */
    private static void assertReferenceChecksums(Packet p) {
        assertWithMessage("%s", p).that(storedChecksums(p)).isEqualTo(referenceChecksums(p));
    }

    /** Where a packet's transport checksum is, and the option that skips it. */
    private record TransportField(ChecksumOption option, int protocol, int offset, int field) {
    }

    /** Only where the transport header starts comes from the library (IPv6 extension headers). */
    private static Optional<TransportField> transportField(Packet p) {
        Decomposition d = p.decomposition().orElseThrow();
        int t = d.transportOffset();
        return switch (d.transport()) {
            case TCP -> Optional.of(new TransportField(ChecksumOption.NO_TCP, 6, t, 16));
            case UDP -> Optional.of(new TransportField(ChecksumOption.NO_UDP, 17, t, 6));
            case ICMP -> Optional.of(new TransportField(ChecksumOption.NO_ICMP, 1, t, 2));
            case ICMPV6 -> Optional.of(new TransportField(ChecksumOption.NO_ICMPV6, 58, t, 2));
            case NONE -> Optional.empty();
        };
    }

    /** The checksum fields the packet holds, by the option that skips each. */
    private static Map<ChecksumOption, Integer> storedChecksums(Packet p) {
        byte[] b = p.toByteArray();
        return checksums(p, () -> u16(b, 10), f -> u16(b, f.offset() + f.field()));
    }

    /** What {@link ReferenceChecksum} says each of those fields should hold. */
    private static Map<ChecksumOption, Integer> referenceChecksums(Packet p) {
        byte[] b = p.toByteArray();
        return checksums(p, () -> ReferenceChecksum.ipv4Header(b),
                f -> ReferenceChecksum.transport(b, f.offset(), ipLength(b), f.protocol(), f.field()));
    }

    private static Map<ChecksumOption, Integer> checksums(Packet p, IntSupplier ip,
            ToIntFunction<TransportField> transport) {
        Map<ChecksumOption, Integer> m = new EnumMap<>(ChecksumOption.class);
        if (p.ipv4().isPresent()) {
            m.put(ChecksumOption.NO_IP, ip.getAsInt());
        }
        transportField(p).ifPresent(f -> m.put(f.option(), transport.applyAsInt(f)));
        return m;
    }

    /** The IP length as the header says: IPv4 total length, or IPv6 payload length + 40. */
    private static int ipLength(byte[] b) {
        return (b[0] & 0xF0) == 0x40 ? u16(b, 2) : u16(b, 4) + 40;
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }
}
