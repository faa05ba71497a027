package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static org.divert4j.packet.SamplePackets.buf;

import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The verified hash values of docs/spec/helpers.md §7.5. */
class PacketHashTest {

    @ParameterizedTest(name = "{0} seed {1}")
    @CsvSource({
        "P1, 0, 9cfac93b7f937f62",
        "P1, 12345, d3e815f4b803071d",
        "P1, -1, a15ebc1fa61a4b98",
        "P2, 0, 2f08a88cdb95b5f8",
        "P2, 42, 5bbcbcff56224ef0",
        "P3, 1, be33014eab0179ba",
        "P4, 0, 1e7ec0a8090d15fb",
        "P4, -1, 763af7fa200bbe3a",
        "P4C, 0, 357b40a09d475ad4",
        "P5, 7, d29acd1f2affe728",
        "P6, 0, 6d3d450bc2a19bba",
        "P7, 0, 712838af48ca4dc1",
        "P8, 0, f1ed224e11fe58d2",
        "P9, 0, a2a1c47f67230c67",
        "P10, 0, 41d02e0313d717e6",
    })
    void reproducesTheReferenceHashes(String name, long seed, String expectedHex) throws Exception {
        String hex = (String) SamplePackets.class.getDeclaredField(name).get(null);
        ByteBuffer b = buf(hex);
        long h = PacketHash.hashPacket(b, 0, b.remaining(), seed);
        assertThat(Long.toHexString(h)).isEqualTo(expectedHex);
    }

    @Test
    void truncatedPacketHashesToZeroAndTrailingBytesAreIgnored() {
        ByteBuffer p1 = buf(SamplePackets.P1);
        assertThat(PacketHash.hashPacket(p1, 0, 50, 0)).isEqualTo(0L);
        ByteBuffer p3x = buf(SamplePackets.P3 + "010203");
        assertThat(PacketHash.hashPacket(p3x, 0, p3x.remaining(), 1)).isEqualTo(0xbe33014eab0179baL);
    }

    @Test
    void randomFieldsDeriveFromTheHash() {
        ByteBuffer p1 = buf(SamplePackets.P1);
        long h0 = PacketHash.hashPacket(p1, 0, p1.remaining(), 0);
        assertThat(PacketHash.random8(h0)).isEqualTo(250);
        assertThat(PacketHash.random16(h0)).isEqualTo(51515);
        assertThat(PacketHash.random32(h0)).isEqualTo(2140372834L);
        long h1 = PacketHash.hashPacket(p1, 0, p1.remaining(), 12345);
        assertThat(PacketHash.random8(h1)).isEqualTo(232);
        assertThat(PacketHash.random16(h1)).isEqualTo(5620);
        assertThat(PacketHash.random32(h1)).isEqualTo(3087206173L);
    }
}
