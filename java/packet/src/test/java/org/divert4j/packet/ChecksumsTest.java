package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.divert4j.abi.Address;
import org.junit.jupiter.api.Test;

/** docs/spec/helpers.md §4 and §5: checksum recalculation and the TTL decrement. */
class ChecksumsTest {

    private static Packet packet(String hex) {
        return Packet.wrap(Hex.decode(hex));
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xFF) << 8 | (b[i + 1] & 0xFF);
    }

    @Test
    void reproducesTheSpecChecksums() {
        Packet p4 = packet(SamplePackets.P4);
        assertThat(p4.checksumsValid()).isFalse();
        assertThat(p4.recalculateChecksums(0)).isEqualTo(new ChecksumResult(true, false, true, false));
        assertThat(p4.toHex()).isEqualTo(SamplePackets.P4C);
        assertThat(p4.checksumsValid()).isTrue();
        assertThat(packet(SamplePackets.P4C).checksumsValid()).isTrue();
        // The IPv4 header checksums of the sample packets, with transport checksums untouched.
        for (String hex : new String[] {SamplePackets.P1, SamplePackets.P2, SamplePackets.P3, SamplePackets.P7,
            SamplePackets.P8}) {
            Packet p = packet(hex);
            p.recalculateChecksums(Checksums.NO_ICMP_CHECKSUM | Checksums.NO_TCP_CHECKSUM | Checksums.NO_UDP_CHECKSUM);
            assertThat(p.toHex()).isEqualTo(hex);
        }
    }

    /** WinDivert's own test packets carry transport checksums computed by the reference library. */
    @Test
    void reproducesTheSuiteTransportChecksums() {
        int checked = 0;
        for (Map.Entry<String, String> e : SuitePackets.distinct().entrySet()) {
            Packet p = packet(e.getValue());
            Decomposition d = p.decomposition().orElseThrow();
            ChecksumResult r = p.recalculateChecksums(Checksums.NO_IP_CHECKSUM);
            if (d.transport() != Transport.NONE && !d.fragment()) {
                assertWithMessage(e.getKey()).that(p.toHex()).isEqualTo(e.getValue());
                assertWithMessage(e.getKey()).that(r.ok()).isTrue();
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6);
    }

    @Test
    void agreesWithAnIndependentImplementation() {
        java.util.Random rnd = new java.util.Random(7);
        String[] samples = {SamplePackets.P1, SamplePackets.P2, SamplePackets.P3, SamplePackets.P4, SamplePackets.P5,
            SamplePackets.P6};
        for (int n = 0; n < 3000; n++) {
            byte[] b = Hex.decode(samples[n % samples.length]);
            Packet p = Packet.wrap(b);
            Decomposition d = p.decomposition().orElseThrow();
            // Random header fields and payload; the structure (lengths, protocols) stays.
            for (int i = d.payloadOffset(); i < b.length; i++) {
                b[i] = (byte) rnd.nextInt(256);
            }
            int t = d.transportOffset();
            for (int i = t; i < t + 4; i++) {
                b[i] = (byte) rnd.nextInt(256);
            }
            int ipStart = d.isIpv4() ? 12 : 8;
            for (int i = ipStart; i < ipStart + (d.isIpv4() ? 8 : 32); i++) {
                b[i] = (byte) rnd.nextInt(256);
            }
            if (rnd.nextBoolean()) {
                // An odd payload length exercises the padding byte.
                p.resizePayload(d.payloadLength() + 1 + rnd.nextInt(8) * 2);
                b = p.toByteArray();
                p = Packet.wrap(b);
                d = p.decomposition().orElseThrow();
            }
            assertThat(p.recalculateChecksums(0).ok()).isTrue();
            if (d.isIpv4()) {
                assertThat(u16(b, 10)).isEqualTo(ReferenceChecksum.ipv4Header(b));
            }
            int field = switch (d.transport()) {
                case TCP -> 16;
                case UDP -> 6;
                default -> 2;
            };
            int proto = switch (d.transport()) {
                case TCP -> 6;
                case UDP -> 17;
                case ICMP -> 1;
                default -> 58;
            };
            int expected = ReferenceChecksum.transport(b, t, b.length, proto, field);
            if (proto == 17 && expected == 0) {
                expected = 0xFFFF;
            }
            assertThat(u16(b, t + field)).isEqualTo(expected);
            assertThat(p.checksumsValid()).isTrue();
        }
    }

    @Test
    void flagsSkipChecksums() {
        Packet p = packet(SamplePackets.P2);
        assertThat(p.recalculateChecksums(Checksums.NO_TCP_CHECKSUM)).isEqualTo(new ChecksumResult(true, true, false, false));
        assertThat(p.toHex()).isEqualTo(SamplePackets.P2);
        assertThat(p.recalculateChecksums(Checksums.NO_IP_CHECKSUM)).isEqualTo(new ChecksumResult(true, false, true, false));
        assertThat(p.toHex().substring(0, 40)).isEqualTo(SamplePackets.P2.substring(0, 40));
        assertThat(p.toHex()).isNotEqualTo(SamplePackets.P2);
        Packet icmp = packet(SamplePackets.P1);
        assertThat(icmp.recalculateChecksums(Checksums.NO_ICMP_CHECKSUM)).isEqualTo(new ChecksumResult(true, true, false, false));
        assertThat(icmp.toHex()).isEqualTo(SamplePackets.P1);
        Packet v6 = packet(SamplePackets.P5);
        assertThat(v6.recalculateChecksums(Checksums.NO_ICMPV6_CHECKSUM)).isEqualTo(new ChecksumResult(true, false, false, false));
        assertThat(v6.toHex()).isEqualTo(SamplePackets.P5);
        Packet udp = packet(SamplePackets.P6);
        assertThat(udp.recalculateChecksums(Checksums.NO_UDP_CHECKSUM)).isEqualTo(new ChecksumResult(true, false, false, false));
        assertThat(udp.toHex()).isEqualTo(SamplePackets.P6);
        assertThat(udp.recalculateChecksums(0)).isEqualTo(new ChecksumResult(true, false, false, true));
        assertThrows(IllegalArgumentException.class, () -> udp.recalculateChecksums(0x20));
    }

    /** The option names map to the flag bits of docs/spec/helpers.md §4. */
    @Test
    void optionsAreTheSpecFlagBits() {
        assertThat(Arrays.stream(ChecksumOption.values()).mapToInt(ChecksumOption::flag).toArray())
                .isEqualTo(new int[] {1, 2, 4, 8, 16});
        assertThat(ChecksumOption.flags(List.of())).isEqualTo(0);
        assertThat(ChecksumOption.flags(List.of(ChecksumOption.NO_UDP, ChecksumOption.NO_TCP, ChecksumOption.NO_UDP)))
                .isEqualTo(Checksums.NO_TCP_CHECKSUM | Checksums.NO_UDP_CHECKSUM);
        assertThat(ChecksumOption.flags(EnumSet.allOf(ChecksumOption.class))).isEqualTo(Checksums.ALL_FLAGS);
        Packet p = packet(SamplePackets.P2);
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> p.recalculateChecksums(ChecksumOption.NO_IP, null));
        assertThat(e).hasMessageThat().contains("null checksum option");
        assertThrows(NullPointerException.class, () -> p.recalculateChecksums((Set<ChecksumOption>) null));
        assertThat(p.toHex()).isEqualTo(SamplePackets.P2);
    }

    @Test
    void fragmentsAndTruncatedPacketsOnlyGetTheIpChecksum() {
        // P7 with a wrong IP checksum: the IP checksum is fixed, the ICMP one is not computed.
        String broken = SamplePackets.P7.substring(0, 20) + "0000" + SamplePackets.P7.substring(24);
        Packet first = packet(broken);
        assertThat(first.recalculateChecksums(0)).isEqualTo(new ChecksumResult(false, true, false, false));
        assertThat(first.toHex()).isEqualTo(SamplePackets.P7);
        assertThat(first.checksumsValid()).isFalse();
        Packet later = packet(SamplePackets.P8);
        assertThat(later.recalculateChecksums(0)).isEqualTo(new ChecksumResult(true, true, false, false));
        assertThat(later.checksumsValid()).isTrue();
        Packet v6first = packet(SamplePackets.P9);
        assertThat(v6first.recalculateChecksums(0).ok()).isFalse();
        assertThat(v6first.toHex()).isEqualTo(SamplePackets.P9);
        assertThat(packet(SamplePackets.P10).recalculateChecksums(0).ok()).isTrue();
        Packet cut = packet(SamplePackets.P2.substring(0, 2 * 60));
        assertThat(cut.recalculateChecksums(0)).isEqualTo(new ChecksumResult(false, true, false, false));
        assertThat(cut.toHex().substring(20, 24)).isEqualTo("a841");
        assertThat(packet("00".repeat(20)).recalculateChecksums(0)).isEqualTo(new ChecksumResult(false, false, false, false));
        assertThat(packet("00".repeat(20)).checksumsValid()).isFalse();
        // Trailing bytes are ignored.
        Packet padded = packet(SamplePackets.P4 + "ffff");
        assertThat(padded.recalculateChecksums(0).ok()).isTrue();
        assertThat(padded.toHex()).isEqualTo(SamplePackets.P4C + "ffff");
    }

    @Test
    void tcpDataOffsetBeyondThePacketFails() {
        // P4 with data offset 15 (60 bytes) but only 40 bytes of TCP: the header is clamped.
        Packet p = packet(SamplePackets.P4.substring(0, 2 * 52) + "f0" + SamplePackets.P4.substring(2 * 53));
        assertThat(p.tcp()).isPresent();
        assertThat(p.recalculateChecksums(0).ok()).isFalse();
        assertThat(p.tcp().orElseThrow().checksum()).isEqualTo(0);
    }

    @Test
    void udpZeroIsStoredAsFfff() {
        byte[] b = Hex.decode(SamplePackets.P3);
        int last = b.length - 2;
        for (int w = 0; w < 0x10000; w++) {
            b[last] = (byte) (w >>> 8);
            b[last + 1] = (byte) w;
            if (ReferenceChecksum.transport(b, 20, b.length, 17, 6) == 0) {
                break;
            }
        }
        assertThat(ReferenceChecksum.transport(b, 20, b.length, 17, 6)).isEqualTo(0);
        Packet p = Packet.wrap(b);
        assertThat(p.recalculateChecksums(0).udpChecksum()).isTrue();
        assertThat(p.udp().orElseThrow().checksum()).isEqualTo(0xFFFF);
        assertThat(p.checksumsValid()).isTrue();
        p.udp().orElseThrow().setChecksum(0);
        assertThat(p.checksumsValid()).isFalse();
    }

    @Test
    void addressBitsAreOnlySet() {
        Address a = Address.network(true, false);
        ChecksumResult r = packet(SamplePackets.P2).recalculateChecksums(0);
        Address b = r.applyTo(a);
        assertThat(b.ipChecksum()).isTrue();
        assertThat(b.tcpChecksum()).isTrue();
        assertThat(b.udpChecksum()).isFalse();
        assertThat(b.outbound()).isTrue();
        Address c = new ChecksumResult(true, false, false, false).applyTo(b);
        assertThat(c).isEqualTo(b);
        // ICMP sets no bit.
        assertThat(packet(SamplePackets.P5).recalculateChecksums(0).applyTo(a)).isEqualTo(a);
    }

    @Test
    void corruptionIsDetected() {
        Packet p = packet(SamplePackets.P4C);
        p.tcp().orElseThrow().setWindow(1);
        assertThat(p.checksumsValid()).isFalse();
        Packet q = packet(SamplePackets.P2);
        q.recalculateChecksums(0);
        assertThat(q.checksumsValid()).isTrue();
        q.ipv4().orElseThrow().setId(0);
        assertThat(q.checksumsValid()).isFalse();
    }

    @Test
    void decrementTtlUpdatesTheChecksumIncrementally() {
        java.util.Random rnd = new java.util.Random(3);
        for (int n = 0; n < 5000; n++) {
            byte[] b = Hex.decode(SamplePackets.P2);
            b[8] = (byte) (2 + rnd.nextInt(254));
            b[4] = (byte) rnd.nextInt(256);
            b[5] = (byte) rnd.nextInt(256);
            Packet p = Packet.wrap(b);
            p.recalculateChecksums(0);
            int before = u16(b, 10);
            int ttl = b[8] & 0xFF;
            assertThat(p.decrementTtl()).isTrue();
            assertThat(b[8] & 0xFF).isEqualTo(ttl - 1);
            int little = before >>> 8 | (before & 0xFF) << 8;
            if (little < 0xFFFE) {
                // Away from the wrap-around the incremental result is the true checksum.
                assertThat(u16(b, 10)).isEqualTo(ReferenceChecksum.ipv4Header(b));
            }
        }
    }

    @Test
    void decrementTtlWrapAroundAndRefusals() {
        String h = SamplePackets.P1;
        Packet a = packet(h.substring(0, 20) + "feff" + h.substring(24));
        assertThat(a.decrementTtl()).isTrue();
        assertThat(a.toHex().substring(16, 24)).isEqualTo("3f010000");
        Packet b = packet(h.substring(0, 20) + "ffff" + h.substring(24));
        assertThat(b.decrementTtl()).isTrue();
        assertThat(b.toHex().substring(16, 24)).isEqualTo("3f010100");
        Packet c = packet(h.substring(0, 20) + "fffe" + h.substring(24));
        assertThat(c.decrementTtl()).isTrue();
        assertThat(c.toHex().substring(16, 24)).isEqualTo("3f0100ff");
        Packet ttl1 = packet(h.substring(0, 16) + "01" + h.substring(18));
        assertThat(ttl1.decrementTtl()).isFalse();
        assertThat(ttl1.toHex()).isEqualTo(h.substring(0, 16) + "01" + h.substring(18));
        assertThat(packet(h.substring(0, 16) + "00" + h.substring(18)).decrementTtl()).isFalse();
        assertThat(packet(h.substring(0, 38)).decrementTtl()).isFalse();
        // No IHL/length validation (docs/spec/helpers.md §5): a malformed IPv4 header is still decremented.
        assertThat(packet("41" + h.substring(2, 40)).decrementTtl()).isTrue();
        assertThat(packet("70" + h.substring(2)).decrementTtl()).isFalse();
        Packet v6 = packet(SamplePackets.P5);
        assertThat(v6.decrementTtl()).isTrue();
        assertThat(v6.ipv6().orElseThrow().hopLimit()).isEqualTo(30);
        assertThat(v6.toHex().substring(16)).isEqualTo(SamplePackets.P5.substring(16));
        assertThat(packet(SamplePackets.P5.substring(0, 14) + "01" + SamplePackets.P5.substring(16)).decrementTtl()).isFalse();
        assertThat(packet(SamplePackets.P5.substring(0, 78)).decrementTtl()).isFalse();
    }
}
