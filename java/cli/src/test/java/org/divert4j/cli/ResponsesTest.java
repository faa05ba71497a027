package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.api.DivertPacket;
import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;
import org.divert4j.packet.header.TcpHeader;
import org.junit.jupiter.api.Test;

class ResponsesTest {
    /** 10.0.0.1:1234 -> 93.184.216.34:80, seq 1, ACK 0x11223344, flags ACK|PSH, 5 payload bytes. */
    static byte[] tcpWithPayload(String payload) {
        byte[] body = payload.getBytes(StandardCharsets.ISO_8859_1);
        byte[] p = Arrays.copyOf(Hex.decode("45000028000040004006000a0a0000015db8d82204d2005000000001112233445018200000000000"), 40 + body.length);
        p[3] = (byte) (40 + body.length);
        System.arraycopy(body, 0, p, 40, body.length);
        Packet.wrap(p).recalculateChecksums(0);
        return p;
    }

    static Address addr(boolean outbound, boolean loopback) {
        return new Address(5, Layer.NETWORK, 0, false, outbound, loopback, false, false, true, true, true,
                new LayerData.Network(9, 2));
    }

    @Test
    void tcpResetGoesBackToTheSenderWithTheRightNumbers() {
        DivertPacket orig = new DivertPacket(tcpWithPayload("hello"), addr(true, false));
        DivertPacket rst = Responses.tcpReset(orig).orElseThrow();
        Packet p = Packet.wrap(rst.data());
        assertThat(p.checksumsValid()).isTrue();
        assertThat(p.ipv4().orElseThrow().srcAddr()).isEqualTo(0x5db8d822);
        assertThat(p.ipv4().orElseThrow().dstAddr()).isEqualTo(0x0a000001);
        TcpHeader t = p.tcp().orElseThrow();
        assertThat(t.srcPort()).isEqualTo(80);
        assertThat(t.dstPort()).isEqualTo(1234);
        assertThat(t.flags()).isEqualTo(TcpHeader.RST | TcpHeader.ACK);
        assertThat(t.seqNum()).isEqualTo(0x11223344L);
        assertThat(t.ackNum()).isEqualTo(1 + 5);
        assertThat(rst.address().outbound()).isFalse();
        assertThat(rst.address().network().ifIdx()).isEqualTo(9);
        assertThat(rst.address().ipChecksum()).isTrue();
        assertThat(rst.address().tcpChecksum()).isTrue();
        // Loopback answers stay outbound; resets are never answered.
        assertThat(Responses.tcpReset(new DivertPacket(orig.data(), addr(true, true))).orElseThrow().address().outbound()).isTrue();
        assertThat(Responses.tcpReset(rst)).isEmpty();
    }

    @Test
    void icmpUnreachableQuotesTheOriginal() {
        byte[] udp = Hex.decode("4500001d000000004011000a0a00000108080808303900350009000041");
        Packet.wrap(udp).recalculateChecksums(0);
        DivertPacket orig = new DivertPacket(udp, addr(true, false));
        DivertPacket icmp = Responses.icmpUnreachable(orig).orElseThrow();
        Packet p = Packet.wrap(icmp.data());
        assertThat(p.checksumsValid()).isTrue();
        assertThat(p.icmp().orElseThrow().type()).isEqualTo(3);
        assertThat(p.icmp().orElseThrow().code()).isEqualTo(3);
        assertThat(Arrays.copyOfRange(icmp.data(), 28, 28 + 28)).isEqualTo(Arrays.copyOf(udp, 28));
        assertThat(p.ipv4().orElseThrow().dstAddr()).isEqualTo(0x0a000001);
        assertThat(Responses.icmpUnreachable(icmp)).isEmpty();
    }

    @Test
    void blockPageContinuesTheServersSequence() {
        DivertPacket orig = new DivertPacket(tcpWithPayload("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), addr(true, false));
        byte[] page = Responses.blockPage("x");
        DivertPacket reply = Responses.tcpReply(orig, page, TcpHeader.ACK | TcpHeader.FIN).orElseThrow();
        Packet p = Packet.wrap(reply.data());
        assertThat(p.checksumsValid()).isTrue();
        assertThat(p.tcp().orElseThrow().seqNum()).isEqualTo(0x11223344L);
        assertThat(p.tcp().orElseThrow().ackNum()).isEqualTo(1 + 27);
        assertThat(p.payloadLength()).isEqualTo(page.length);
        assertThat(new String(page, StandardCharsets.UTF_8)).startsWith("HTTP/1.1 403 Forbidden\r\n");
        DivertPacket fwd = Responses.tcpResetForward(orig).orElseThrow();
        assertThat(Packet.wrap(fwd.data()).tcp().orElseThrow().dstPort()).isEqualTo(80);
        assertThat(fwd.address().outbound()).isTrue();
    }
}
