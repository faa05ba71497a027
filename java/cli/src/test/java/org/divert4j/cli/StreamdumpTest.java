package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.util.Optional;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.TcpHeader;
import org.junit.jupiter.api.Test;

class StreamdumpTest {
    private static final int CLIENT = 0x0a000001;
    private static final int SERVER = 0x5db8d822;

    /** A TCP SYN from src:sport to dst:dport with valid checksums. */
    private static byte[] syn(int src, int sport, int dst, int dport) {
        byte[] p = new byte[40];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(p);
        b.put(0, (byte) 0x45).putShort(2, (short) 40).put(8, (byte) 64).put(9, (byte) 6).putInt(12, src).putInt(16, dst);
        b.putShort(20, (short) sport).putShort(22, (short) dport).put(32, (byte) 0x50).put(33, (byte) TcpHeader.SYN);
        Packet.wrap(p).recalculateChecksums(0);
        return p;
    }

    private static Address dir(boolean outbound) {
        return new Address(0, Layer.NETWORK, 0, false, outbound, false, false, false, true, true, true,
                new LayerData.Network(7, 0));
    }

    private static Packet rewrite(byte[] data, boolean outbound, boolean expectOutbound) {
        Optional<DivertPacket> out = StreamdumpCommand.rewrite(new DivertPacket(data, dir(outbound)), 80, 34010, 43010);
        DivertPacket p = out.orElseThrow();
        assertThat(p.address().outbound()).isEqualTo(expectOutbound);
        assertThat(p.address().network().ifIdx()).isEqualTo(7);
        Packet pkt = Packet.wrap(p.data());
        assertThat(pkt.checksumsValid()).isTrue();
        return pkt;
    }

    @Test
    void clientToServerIsReflectedIntoTheProxy() {
        Packet p = rewrite(syn(CLIENT, 5555, SERVER, 80), true, false);
        assertThat(p.ipv4().orElseThrow().srcAddr()).isEqualTo(SERVER);
        assertThat(p.ipv4().orElseThrow().dstAddr()).isEqualTo(CLIENT);
        assertThat(p.tcp().orElseThrow().srcPort()).isEqualTo(5555);
        assertThat(p.tcp().orElseThrow().dstPort()).isEqualTo(34010);
    }

    @Test
    void proxyToClientLooksLikeTheServer() {
        Packet p = rewrite(syn(CLIENT, 34010, SERVER, 5555), true, false);
        assertThat(p.ipv4().orElseThrow().srcAddr()).isEqualTo(SERVER);
        assertThat(p.ipv4().orElseThrow().dstAddr()).isEqualTo(CLIENT);
        assertThat(p.tcp().orElseThrow().srcPort()).isEqualTo(80);
        assertThat(p.tcp().orElseThrow().dstPort()).isEqualTo(5555);
    }

    @Test
    void proxyUpstreamUsesTheRealPortOnTheWire() {
        Packet up = rewrite(syn(CLIENT, 6000, SERVER, 43010), true, true);
        assertThat(up.tcp().orElseThrow().dstPort()).isEqualTo(80);
        assertThat(up.ipv4().orElseThrow().dstAddr()).isEqualTo(SERVER);
        Packet down = rewrite(syn(SERVER, 80, CLIENT, 6000), false, false);
        assertThat(down.tcp().orElseThrow().srcPort()).isEqualTo(43010);
    }

    @Test
    void otherPacketsAreLeftAlone() {
        assertThat(StreamdumpCommand.rewrite(new DivertPacket(syn(CLIENT, 1, SERVER, 443), dir(true)), 80, 34010, 43010))
                .isEmpty();
        assertThat(StreamdumpCommand.printable(new byte[] {'a', 0, '\n', (byte) 0xff}, 4)).isEqualTo("a.\n.");
    }
}
