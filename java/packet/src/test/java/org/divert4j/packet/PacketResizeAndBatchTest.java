package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Payload replacement with length fixes (IPv4, IPv6, UDP) and batch iteration (docs/spec/helpers.md §3.3). */
class PacketResizeAndBatchTest {

    private static Packet packet(String hex) {
        return Packet.wrap(Hex.decode(hex));
    }

    @Test
    void growingAUdpPayloadFixesTheLengths() {
        Packet p = packet(SamplePackets.P3);
        ChecksumResult lengthsOnly = p.setPayload(
                "a somewhat longer payload than the DNS query".getBytes(StandardCharsets.US_ASCII),
                ChecksumOption.values());
        assertThat(lengthsOnly).isEqualTo(new ChecksumResult(true, false, false, false));
        assertThat(p.length()).isEqualTo(28 + 44);
        assertThat(p.ipv4().orElseThrow().totalLength()).isEqualTo(72);
        assertThat(p.udp().orElseThrow().length()).isEqualTo(52);
        assertThat(new String(PacketViewsTest.bytes(p.payload()), StandardCharsets.US_ASCII))
                .isEqualTo("a somewhat longer payload than the DNS query");
        assertThat(p.validate()).isEmpty();
        // Every checksum skipped: only the length fields changed.
        assertThat(p.toHex().substring(0, 56)).isEqualTo("450000482090000049113b180a00000108080404e045003500340000");
        assertThat(p.checksumsValid()).isFalse();
        assertThat(p.recalculateChecksums()).isEqualTo(new ChecksumResult(true, true, false, true));
        assertThat(p.checksumsValid()).isTrue();
    }

    @Test
    void aPayloadCutFromThePacketsOwnPayloadIsCopiedIntact() {
        for (boolean direct : new boolean[] {false, true}) {
            byte[] raw = Hex.decode(SamplePackets.P6);
            Packet p = Packet.wrap(direct ? ByteBuffer.allocateDirect(raw.length).put(raw).flip() : ByteBuffer.wrap(raw));
            assertThat(p.setPayload(p.payload().position(6)).ok()).isTrue();
            assertThat(new String(PacketViewsTest.bytes(p.payload()), StandardCharsets.US_ASCII)).isEqualTo("World!\u0001");
            assertThat(p.checksumsValid()).isTrue();
        }
    }

    @Test
    void shrinkingKeepsThePrefixAndDropsTrailingBytes() {
        Packet p = packet(SamplePackets.P6 + "eeee");
        assertThat(p.resizePayload(5)).isEqualTo(64);
        assertThat(p.length()).isEqualTo(69);
        assertThat(p.ipv6().orElseThrow().payloadLength()).isEqualTo(29);
        assertThat(p.udp().orElseThrow().length()).isEqualTo(13);
        assertThat(new String(PacketViewsTest.bytes(p.payload()), StandardCharsets.US_ASCII)).isEqualTo("Hello");
        assertThat(p.validate()).isEmpty();
        p.resizePayload(7);
        assertThat(Hex.encode(PacketViewsTest.bytes(p.payload()))).isEqualTo("48656c6c6f0000");
        p.resizePayload(0);
        assertThat(p.payload().remaining()).isEqualTo(0);
        assertThat(p.udp().orElseThrow().length()).isEqualTo(8);
    }

    @Test
    void outgrowingTheRoomMovesToANewBufferOfTheSameKind() {
        byte[] raw = Hex.decode(SamplePackets.P2);
        ByteBuffer direct = ByteBuffer.allocateDirect(raw.length).put(raw).flip();
        Packet p = Packet.wrap(direct);
        p.resizePayload(1000);
        assertThat(p.buffer().isDirect()).isTrue();
        assertThat(p.length()).isEqualTo(52 + 1000);
        assertThat(p.ipv4().orElseThrow().totalLength()).isEqualTo(1052);
        assertThat(p.tcp().orElseThrow().srcPort()).isEqualTo(41754);
        assertThat(p.payload().get(0)).isEqualTo((byte) 'G');
        assertThat(p.payload().get(999)).isEqualTo((byte) 0);
        assertThat(direct.get(3)).isEqualTo((byte) 0x46);
        // Shrinking stays in the (new) buffer; growing back within its room too.
        p.resizePayload(1);
        p.resizePayload(900);
        assertThat(p.payload().get(1)).isEqualTo((byte) 0);
    }

    @Test
    void resizeRefusals() {
        assertThrows(IllegalStateException.class, () -> packet("00".repeat(20)).resizePayload(1));
        IllegalStateException cut = assertThrows(IllegalStateException.class,
                () -> packet(SamplePackets.P3.substring(0, 80)).resizePayload(1));
        assertThat(cut).hasMessageThat().contains("truncated");
        Packet truncated = packet(SamplePackets.P3.substring(0, 80));
        assertThrows(IllegalStateException.class, () -> truncated.setPayload(new byte[1]));
        assertThat(truncated.toHex()).isEqualTo(SamplePackets.P3.substring(0, 80));
        Packet tooLong = packet(SamplePackets.P3);
        assertThrows(IllegalArgumentException.class, () -> tooLong.setPayload(new byte[65535 - 27]));
        assertThat(tooLong.toHex()).isEqualTo(SamplePackets.P3);
        assertThrows(IllegalArgumentException.class, () -> packet(SamplePackets.P3).resizePayload(65535 - 27));
        assertThrows(IllegalArgumentException.class, () -> packet(SamplePackets.P3).resizePayload(-1));
        Packet max = packet(SamplePackets.P3);
        max.resizePayload(65535 - 28);
        assertThat(max.ipv4().orElseThrow().totalLength()).isEqualTo(65535);
        // A fragment's UDP length describes the whole datagram: it is left alone.
        Packet frag = packet(SamplePackets.P3);
        frag.ipv4().orElseThrow().setMoreFragments(true);
        frag.resizePayload(3);
        assertThat(frag.udp().orElseThrow().length()).isEqualTo(37);
        assertThat(frag.ipv4().orElseThrow().totalLength()).isEqualTo(31);
    }

    @Test
    void batchIteration() {
        String three = SamplePackets.P1 + SamplePackets.P3 + SamplePackets.P5;
        ByteBuffer b = ByteBuffer.wrap(Hex.decode(three));
        Packet.Batch batch = Packet.batch(b);
        assertThat(batch.packets()).hasSize(3);
        assertThat(batch.packets().get(0).toHex()).isEqualTo(SamplePackets.P1);
        assertThat(batch.packets().get(1).toHex()).isEqualTo(SamplePackets.P3);
        assertThat(batch.packets().get(2).toHex()).isEqualTo(SamplePackets.P5);
        assertThat(batch.unparsedOffset()).isEqualTo(-1);
        // Views write into the batch buffer.
        batch.packets().get(1).udp().orElseThrow().setDstPort(0x1234);
        assertThat(b.get(60 + 22)).isEqualTo((byte) 0x12);

        Packet.Parsed first = Packet.parse(b, 0, b.limit()).orElseThrow();
        assertThat(first.nextOffset()).isEqualTo(60);
        assertThat(first.nextLength()).isEqualTo(57 + 64);
        Packet.Parsed last = Packet.parse(b, 117, 64).orElseThrow();
        assertThat(last.nextOffset()).isEqualTo(-1);
        assertThat(last.nextLength()).isEqualTo(0);
        assertThat(Packet.parse(b, 0, 59)).isEqualTo(Optional.empty());

        ByteBuffer tail = ByteBuffer.wrap(Hex.decode(SamplePackets.P1 + SamplePackets.P3 + "4500ffff01"));
        Packet.Batch partial = Packet.batch(tail);
        assertThat(partial.packets()).hasSize(2);
        assertThat(partial.unparsedOffset()).isEqualTo(117);
        assertThat(partial.unparsedLength()).isEqualTo(5);
        ByteBuffer truncatedLast = ByteBuffer.wrap(Hex.decode(SamplePackets.P1 + SamplePackets.P3.substring(0, 100)));
        assertThat(Packet.batch(truncatedLast).packets()).hasSize(1);
        assertThat(Packet.batch(ByteBuffer.allocate(0)).packets()).isEmpty();
        ByteBuffer positioned = ByteBuffer.wrap(Hex.decode("ffff" + SamplePackets.P5));
        positioned.position(2);
        assertThat(Packet.batch(positioned).packets().get(0).toHex()).isEqualTo(SamplePackets.P5);
    }

    @Test
    void hashIsThePacketHash() {
        assertThat(packet(SamplePackets.P1).hash(0)).isEqualTo(0x9cfac93b7f937f62L);
        assertThat(packet(SamplePackets.P4C).hash(0)).isEqualTo(0x357b40a09d475ad4L);
        assertThat(packet(SamplePackets.P1.substring(0, 100)).hash(0)).isEqualTo(0);
    }
}
