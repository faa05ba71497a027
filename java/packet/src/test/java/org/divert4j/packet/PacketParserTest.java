package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static org.divert4j.packet.SamplePackets.buf;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Decomposition of the spec's sample packets (docs/spec/filter-language.md §8.2, §11). */
class PacketParserTest {

    private static Decomposition parse(String hex) {
        return PacketParser.decompose(buf(hex)).orElseThrow();
    }

    @Test
    void ipv4Tcp() {
        Decomposition d = parse(SamplePackets.P2);
        assertThat(d.ipVersion()).isEqualTo(4);
        assertThat(d.transport()).isEqualTo(Transport.TCP);
        assertThat(d.transportOffset()).isEqualTo(20);
        assertThat(d.headerLength()).isEqualTo(52);
        assertThat(d.payloadLength()).isEqualTo(18);
        assertThat(d.fragment()).isFalse();
        assertThat(d.truncated()).isFalse();
    }

    @Test
    void ipv6ExtensionHeadersAreWalked() {
        Decomposition d = parse(SamplePackets.P6);
        assertThat(d.protocol()).isEqualTo(17);
        assertThat(d.transport()).isEqualTo(Transport.UDP);
        assertThat(d.transportOffset()).isEqualTo(56);
        assertThat(d.payloadLength()).isEqualTo(13);
    }

    @Test
    void fragments() {
        Decomposition first = parse(SamplePackets.P7);
        assertThat(first.fragment()).isTrue();
        assertThat(first.moreFragments()).isTrue();
        assertThat(first.transport()).isEqualTo(Transport.ICMP);

        Decomposition later = parse(SamplePackets.P8);
        assertThat(later.fragment()).isTrue();
        assertThat(later.fragmentOffset()).isEqualTo(1);
        assertThat(later.transport()).isEqualTo(Transport.NONE);
        assertThat(later.protocol()).isEqualTo(1);

        Decomposition v6first = parse(SamplePackets.P9);
        assertThat(v6first.fragment()).isTrue();
        assertThat(v6first.transport()).isEqualTo(Transport.ICMPV6);

        Decomposition v6later = parse(SamplePackets.P10);
        assertThat(v6later.fragmentOffset()).isEqualTo(3);
        assertThat(v6later.transport()).isEqualTo(Transport.NONE);
        assertThat(v6later.protocol()).isEqualTo(58);
    }

    @Test
    void truncatedAndExtendedPackets() {
        ByteBuffer p1 = buf(SamplePackets.P1);
        Decomposition t = PacketParser.decompose(p1, 0, 50).orElseThrow();
        assertThat(t.truncated()).isTrue();
        assertThat(t.payloadLength()).isEqualTo(22);
        Decomposition x = parse(SamplePackets.P3 + "010203");
        assertThat(x.extended()).isTrue();
        assertThat(x.payloadLength()).isEqualTo(29);
    }

    @Test
    void invalidInputIsEmptyNotAnException() {
        assertThat(PacketParser.decompose(ByteBuffer.wrap(new byte[19]))).isEmpty();
        assertThat(PacketParser.decompose(buf("5500001c" + "00".repeat(16)))).isEmpty();
        assertThat(PacketParser.decompose(buf("4400001c" + "00".repeat(16)))).isEmpty();
        assertThat(PacketParser.decompose(buf("45000010" + "00".repeat(16)))).isEmpty();
        assertThat(PacketParser.decompose(buf("60" + "00".repeat(30)))).isEmpty();
    }

    @Test
    void randomBytesNeverThrow() {
        Random r = new Random(42);
        for (int i = 0; i < 20000; i++) {
            byte[] b = new byte[r.nextInt(120)];
            r.nextBytes(b);
            if (b.length > 0) {
                b[0] = (byte) ((r.nextBoolean() ? 0x40 : 0x60) | (b[0] & 0x0F));
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            PacketParser.decompose(bb).ifPresent(d -> PacketHash.hash(bb, 0, d, 7));
        }
    }
}
