package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.divert4j.packet.header.IcmpMessage;
import org.divert4j.packet.header.Ipv4Header;
import org.divert4j.packet.header.Ipv6ExtensionHeader;
import org.divert4j.packet.header.Ipv6FragmentHeader;
import org.divert4j.packet.header.Ipv6Header;
import org.divert4j.packet.header.TcpHeader;
import org.divert4j.packet.header.UdpHeader;
import org.junit.jupiter.api.Test;

/** Random and mutated bytes never make any accessor throw. */
class PacketPropertyTest {
    private static final String[] SEEDS = {SamplePackets.P1, SamplePackets.P2, SamplePackets.P3, SamplePackets.P4,
        SamplePackets.P5, SamplePackets.P6, SamplePackets.P7, SamplePackets.P8, SamplePackets.P9, SamplePackets.P10};

    @Test
    void randomBytesNeverThrow() {
        Random rnd = new Random(0x5eed);
        for (int n = 0; n < 20000; n++) {
            byte[] b;
            if (n % 3 == 0) {
                b = new byte[rnd.nextInt(100)];
                rnd.nextBytes(b);
                if (b.length > 0) {
                    b[0] = (byte) ((rnd.nextBoolean() ? 0x40 : 0x60) | (b[0] & 0x0F));
                }
            } else {
                b = mutate(Hex.decode(SEEDS[rnd.nextInt(SEEDS.length)]), rnd);
            }
            exercise(b, rnd);
        }
    }

    private static byte[] mutate(byte[] b, Random rnd) {
        int flips = 1 + rnd.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = rnd.nextInt(Math.min(b.length, 64));
            b[at] = (byte) (rnd.nextBoolean() ? rnd.nextInt(256) : b[at] ^ (1 << rnd.nextInt(8)));
        }
        int len = rnd.nextInt(4) == 0 ? rnd.nextInt(b.length + 1) : b.length;
        byte[] out = new byte[len + (rnd.nextInt(4) == 0 ? rnd.nextInt(8) : 0)];
        System.arraycopy(b, 0, out, 0, len);
        return out;
    }

    private static void exercise(byte[] b, Random rnd) {
        ByteBuffer buf = ByteBuffer.wrap(b.clone());
        Packet p = Packet.wrap(buf);
        List<String> problems = p.validate();
        assertThat(p.isIp() || !problems.isEmpty()).isTrue();
        p.ipv4().ifPresent(PacketPropertyTest::readAll);
        p.ipv6().ifPresent(PacketPropertyTest::readAll);
        for (Ipv6ExtensionHeader h : p.ipv6ExtensionHeaders()) {
            h.type();
            h.nextHeader();
            assertThat(h.bytes().remaining()).isEqualTo(h.length());
        }
        p.ipv6Fragment().ifPresent(PacketPropertyTest::readAll);
        p.icmp().ifPresent(PacketPropertyTest::readAll);
        p.icmpv6().ifPresent(PacketPropertyTest::readAll);
        p.tcp().ifPresent(PacketPropertyTest::readAll);
        p.udp().ifPresent(PacketPropertyTest::readAll);
        ByteBuffer payload = p.payload();
        assertThat(payload.remaining()).isEqualTo(p.payloadLength());
        p.decomposition().ifPresent(d -> assertThat(d.payloadOffset() + d.payloadLength()).isAtMost(b.length));
        p.hash(rnd.nextLong());
        p.checksumsValid();
        ChecksumResult r = p.recalculateChecksums(rnd.nextInt(32));
        if (r.ok() && !p.decomposition().orElseThrow().truncated()
                && p.recalculateChecksums(0).ok()) {
            assertThat(p.checksumsValid()).isTrue();
        }
        p.decrementTtl();
        Packet.batch(ByteBuffer.wrap(b));
        if (p.isIp() && !p.decomposition().orElseThrow().truncated()) {
            p.resizePayload(rnd.nextInt(64));
            p.validate();
        }
        // Setters with in-range values, then everything again.
        p.ipv4().ifPresent(ip -> ip.setIhl(rnd.nextInt(16)));
        p.ipv6().ifPresent(ip -> ip.setNextHeader(new int[] {0, 6, 17, 43, 44, 51, 58, 60, 135}[rnd.nextInt(9)]));
        p.tcp().ifPresent(t -> t.setDataOffset(rnd.nextInt(16)));
        p.validate();
        p.ipv6ExtensionHeaders();
        p.tcp().ifPresent(t -> t.options().remaining());
        p.ipv4().ifPresent(ip -> ip.options().remaining());
        p.payload();
        p.recalculateChecksums(0);
    }

    private static void readAll(Ipv4Header h) {
        long unused = h.version() + h.ihl() + h.tos() + h.totalLength() + h.id() + h.fragmentOffset() + h.ttl()
                + h.protocol() + h.checksum() + h.srcAddr() + h.dstAddr() + h.options().remaining()
                + (h.dontFragment() ? 1 : 0) + (h.moreFragments() ? 1 : 0) + (h.reservedFlag() ? 1 : 0);
    }

    private static void readAll(Ipv6Header h) {
        long unused = h.version() + h.trafficClass() + h.flowLabel() + h.payloadLength() + h.nextHeader()
                + h.hopLimit() + h.srcAddr().lo() + h.dstAddr().hi();
    }

    private static void readAll(Ipv6FragmentHeader h) {
        long unused = h.nextHeader() + h.reserved() + h.fragmentOffset() + h.reservedBits() + h.identification()
                + (h.moreFragments() ? 1 : 0);
    }

    private static void readAll(IcmpMessage h) {
        long unused = h.type() + h.code() + h.checksum() + h.body();
    }

    private static void readAll(TcpHeader h) {
        long unused = h.srcPort() + h.dstPort() + h.seqNum() + h.ackNum() + h.dataOffset() + h.reserved1()
                + h.reserved2() + h.flags() + h.window() + h.checksum() + h.urgPtr() + h.options().remaining()
                + (h.fin() || h.syn() || h.rst() || h.psh() || h.ack() || h.urg() ? 1 : 0);
    }

    private static void readAll(UdpHeader h) {
        long unused = h.srcPort() + h.dstPort() + h.length() + h.checksum();
    }
}
