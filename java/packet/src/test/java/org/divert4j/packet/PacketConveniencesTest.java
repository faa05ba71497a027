package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pydivert-style conveniences (addresses, ports, ICMP type/code, tcpdump-like toString) on
 * the kernel's own packets of tests/e2e/packet-capture.sh, with rewritten packets checked by
 * {@link ReferenceChecksum}.
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
                    java.util.Arrays.copyOfRange(original, isV4 ? 12 : 8, isV4 ? 16 : 24));

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
            assertThat(p.recalculateChecksums(0).ok()).isTrue();
            assertReferenceChecksums(p);
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
            assertThat(p.recalculateChecksums(0).ok()).isTrue();
            assertReferenceChecksums(p);
            seen++;
        }
        assertThat(seen).isAtLeast(4);
    }

    @Test
    void payloadGrowsAndShrinksWithValidChecksums() throws Exception {
        int resized = 0;
        for (byte[] original : kernelPackets()) {
            for (int newLength : new int[] {0, 1, 777}) {
                Packet p = Packet.wrap(original.clone());
                if (p.tcp().isEmpty() && p.udp().isEmpty()) {
                    continue;
                }
                byte[] payload = new byte[newLength];
                for (int i = 0; i < newLength; i++) {
                    payload[i] = (byte) (i * 31 + 7);
                }
                int headers = p.decomposition().orElseThrow().headerLength();
                p.setPayload(java.nio.ByteBuffer.wrap(payload));
                assertThat(p.length()).isEqualTo(headers + newLength);
                assertThat(p.payloadLength()).isEqualTo(newLength);
                byte[] b = p.toByteArray();
                int ipLength = p.ipv4().isPresent() ? u16(b, 2) : u16(b, 4) + 40;
                assertThat(ipLength).isEqualTo(b.length);
                p.udp().ifPresent(u -> assertThat(u.length()).isEqualTo(8 + newLength));
                assertThat(java.util.Arrays.copyOfRange(b, headers, b.length)).isEqualTo(payload);
                assertThat(p.recalculateChecksums(0).ok()).isTrue();
                assertReferenceChecksums(p);
                resized++;
            }
        }
        assertThat(resized).isAtLeast(30);
    }

    /** The IPv4 header and transport checksums as {@link ReferenceChecksum} computes them. */
    private static void assertReferenceChecksums(Packet p) {
        byte[] b = p.toByteArray();
        boolean v4 = (b[0] & 0xF0) == 0x40;
        // Only where the transport header starts comes from the library (IPv6 extension headers).
        int t = p.decomposition().orElseThrow().transportOffset();
        int proto = p.decomposition().orElseThrow().protocol();
        if (v4) {
            assertThat(u16(b, 10)).isEqualTo(ReferenceChecksum.ipv4Header(b));
        }
        int field = switch (proto) {
            case 6 -> 16;
            case 17 -> 6;
            case 1, 58 -> 2;
            default -> -1;
        };
        if (field >= 0) {
            assertWithMessage("protocol %s", proto).that(u16(b, t + field))
                    .isEqualTo(ReferenceChecksum.transport(b, t, b.length, proto, field));
        }
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }
}
