package org.divert4j.packet;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.divert4j.abi.U128;
import org.divert4j.packet.header.IcmpHeader;
import org.divert4j.packet.header.Icmpv6Header;
import org.divert4j.packet.header.Ipv4Header;
import org.divert4j.packet.header.Ipv6ExtensionHeader;
import org.divert4j.packet.header.Ipv6FragmentHeader;
import org.divert4j.packet.header.Ipv6Header;
import org.divert4j.packet.header.TcpHeader;
import org.divert4j.packet.header.UdpHeader;
import org.junit.jupiter.api.Test;

/** Every header field getter and setter, on the spec's sample packets and WinDivert's suite. */
class PacketViewsTest {

    private static Packet packet(String hex) {
        return Packet.wrap(Hex.decode(hex));
    }

    /** {@code hex} with the bytes at {@code at} replaced by {@code bytes}. */
    private static String splice(String hex, int at, String bytes) {
        return hex.substring(0, 2 * at) + bytes + hex.substring(2 * at + bytes.length());
    }

    /** Applies {@code op} and checks that exactly {@code bytes} at {@code at} were written. */
    private static Packet writes(String hex, Consumer<Packet> op, int at, String bytes) {
        Packet p = packet(hex);
        op.accept(p);
        assertThat(p.toHex()).isEqualTo(splice(hex, at, bytes));
        return p;
    }

    @Test
    void ipv4GettersP1() {
        Packet p = packet(SamplePackets.P1);
        Ipv4Header ip = p.ipv4().orElseThrow();
        assertThat(ip.version()).isEqualTo(4);
        assertThat(ip.ihl()).isEqualTo(5);
        assertThat(ip.headerLength()).isEqualTo(20);
        assertThat(ip.tos()).isEqualTo(0);
        assertThat(ip.totalLength()).isEqualTo(60);
        assertThat(ip.id()).isEqualTo(0x1234);
        assertThat(ip.reservedFlag()).isFalse();
        assertThat(ip.dontFragment()).isTrue();
        assertThat(ip.moreFragments()).isFalse();
        assertThat(ip.fragmentOffset()).isEqualTo(0);
        assertThat(ip.ttl()).isEqualTo(64);
        assertThat(ip.protocol()).isEqualTo(1);
        assertThat(ip.checksum()).isEqualTo(0x0e7d);
        assertThat(IpAddresses.formatIpv4(ip.srcAddr())).isEqualTo("10.0.0.1");
        assertThat(IpAddresses.formatIpv4(ip.dstAddr())).isEqualTo("8.8.8.8");
        assertThat(ip.options().remaining()).isEqualTo(0);
        assertThat(p.ipv6()).isEmpty();
        assertThat(p.ipv6ExtensionHeaders()).isEmpty();
        IcmpHeader icmp = p.icmp().orElseThrow();
        assertThat(icmp.offset()).isEqualTo(20);
        assertThat(icmp.type()).isEqualTo(8);
        assertThat(icmp.code()).isEqualTo(0);
        assertThat(icmp.checksum()).isEqualTo(0);
        assertThat(icmp.body()).isEqualTo(0x0d560001L);
        assertThat(p.tcp()).isEmpty();
        assertThat(p.udp()).isEmpty();
        assertThat(p.icmpv6()).isEmpty();
        assertThat(p.payloadLength()).isEqualTo(32);
        assertThat(p.payload().get(0)).isEqualTo((byte) 0x20);
        assertThat(p.payload().get(31)).isEqualTo((byte) 0x3f);
        assertThat(p.validate()).isEmpty();
    }

    @Test
    void ipv4Setters() {
        String h = SamplePackets.P1;
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setVersion(6), 0, "65").ipv4()).isEmpty();
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setIhl(6), 0, "46").ipv4().orElseThrow().ihl()).isEqualTo(6);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setTos(0xb8), 1, "b8").ipv4().orElseThrow().tos()).isEqualTo(0xb8);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setTotalLength(0x1234), 2, "1234").ipv4().orElseThrow().totalLength())
                .isEqualTo(0x1234);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setId(0xbeef), 4, "beef").ipv4().orElseThrow().id()).isEqualTo(0xbeef);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setReservedFlag(true), 6, "c0").ipv4().orElseThrow().reservedFlag()).isTrue();
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setDontFragment(false), 6, "00").ipv4().orElseThrow().dontFragment()).isFalse();
        Packet mf = writes(h, p -> p.ipv4().orElseThrow().setMoreFragments(true), 6, "60");
        assertThat(mf.ipv4().orElseThrow().moreFragments()).isTrue();
        assertThat(mf.decomposition().orElseThrow().fragment()).isTrue();
        Packet off = writes(h, p -> p.ipv4().orElseThrow().setFragmentOffset(0x1abc), 6, "5abc");
        assertThat(off.ipv4().orElseThrow().fragmentOffset()).isEqualTo(0x1abc);
        assertThat(off.ipv4().orElseThrow().dontFragment()).isTrue();
        assertThat(off.icmp()).isEmpty();
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setTtl(1), 8, "01").ipv4().orElseThrow().ttl()).isEqualTo(1);
        Packet proto = writes(h, p -> p.ipv4().orElseThrow().setProtocol(17), 9, "11");
        assertThat(proto.udp()).isPresent();
        assertThat(proto.icmp()).isEmpty();
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setChecksum(0xffff), 10, "ffff").ipv4().orElseThrow().checksum())
                .isEqualTo(0xffff);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setSrcAddr(0xc0a80001), 12, "c0a80001").ipv4().orElseThrow().srcAddr())
                .isEqualTo(0xc0a80001);
        assertThat(writes(h, p -> p.ipv4().orElseThrow().setDstAddr(0xffffffff), 16, "ffffffff").ipv4().orElseThrow().dstAddr())
                .isEqualTo(0xffffffff);
        Ipv4Header ip = packet(h).ipv4().orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> ip.setTtl(256));
        assertThrows(IllegalArgumentException.class, () -> ip.setTotalLength(-1));
        assertThrows(IllegalArgumentException.class, () -> ip.setFragmentOffset(0x2000));
        assertThrows(IllegalArgumentException.class, () -> ip.setIhl(16));
    }

    @Test
    void ipv4OptionsAreASharedSlice() {
        // P1 with IHL 6 and a 4-byte option (NOP NOP NOP EOL), total length 64.
        String h = "4600004012344000400100000a00000108080808" + "01010100" + SamplePackets.P1.substring(40);
        Packet p = packet(h);
        assertThat(p.validate()).isEmpty();
        Ipv4Header ip = p.ipv4().orElseThrow();
        ByteBuffer opts = ip.options();
        assertThat(opts.remaining()).isEqualTo(4);
        assertThat(Hex.encode(bytes(opts))).isEqualTo("01010100");
        assertThat(p.icmp().orElseThrow().offset()).isEqualTo(24);
        opts.put(3, (byte) 1);
        assertThat(p.toHex().substring(40, 48)).isEqualTo("01010101");
        // IHL beyond the bytes present: the options are clamped, the packet is not IP.
        Packet bad = packet("4f" + SamplePackets.P1.substring(2, 40));
        assertThat(bad.ipv4().orElseThrow().options().remaining()).isEqualTo(0);
        assertThat(bad.isIp()).isFalse();
        assertThat(bad.validate()).containsExactly("not an IPv4 or IPv6 packet: the IPv4 header length 60 exceeds the 20 bytes present");
    }

    @Test
    void tcpGettersAndSettersP2() {
        String h = SamplePackets.P2;
        Packet p = packet(h);
        TcpHeader t = p.tcp().orElseThrow();
        assertThat(t.offset()).isEqualTo(20);
        assertThat(t.srcPort()).isEqualTo(41754);
        assertThat(t.dstPort()).isEqualTo(80);
        assertThat(t.seqNum()).isEqualTo(0x5338ccc2L);
        assertThat(t.ackNum()).isEqualTo(0x5637b355L);
        assertThat(t.dataOffset()).isEqualTo(8);
        assertThat(t.headerLength()).isEqualTo(32);
        assertThat(t.reserved1()).isEqualTo(0);
        assertThat(t.reserved2()).isEqualTo(0);
        assertThat(t.flags()).isEqualTo(TcpHeader.PSH | TcpHeader.ACK);
        assertThat(List.of(t.fin(), t.syn(), t.rst(), t.psh(), t.ack(), t.urg()))
                .containsExactly(false, false, false, true, true, false).inOrder();
        assertThat(t.window()).isEqualTo(0x73);
        assertThat(t.checksum()).isEqualTo(0);
        assertThat(t.urgPtr()).isEqualTo(0);
        assertThat(Hex.encode(bytes(t.options()))).isEqualTo("0101080a002c851b1b7f3a71");
        assertThat(new String(bytes(p.payload()), java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("GET / HTTP/1.1\r\n\r\n");
        assertThat(p.ipv4().orElseThrow().dstAddr()).isEqualTo(IpAddresses.parseIpv4("93.184.216.119").getAsInt());

        writes(h, x -> x.tcp().orElseThrow().setSrcPort(1), 20, "0001");
        writes(h, x -> x.tcp().orElseThrow().setDstPort(0xffff), 22, "ffff");
        writes(h, x -> x.tcp().orElseThrow().setSeqNum(0xfedcba98L), 24, "fedcba98");
        writes(h, x -> x.tcp().orElseThrow().setAckNum(1), 28, "00000001");
        Packet shorter = writes(h, x -> x.tcp().orElseThrow().setDataOffset(5), 32, "50");
        assertThat(shorter.payloadLength()).isEqualTo(30);
        assertThat(shorter.tcp().orElseThrow().options().remaining()).isEqualTo(0);
        writes(h, x -> x.tcp().orElseThrow().setReserved1(0xf), 32, "8f");
        writes(h, x -> x.tcp().orElseThrow().setReserved2(3), 33, "d8");
        writes(h, x -> x.tcp().orElseThrow().setFlags(0xff), 33, "ff");
        writes(h, x -> x.tcp().orElseThrow().setFin(true), 33, "19");
        writes(h, x -> x.tcp().orElseThrow().setSyn(true), 33, "1a");
        writes(h, x -> x.tcp().orElseThrow().setRst(true), 33, "1c");
        writes(h, x -> x.tcp().orElseThrow().setPsh(false), 33, "10");
        writes(h, x -> x.tcp().orElseThrow().setAck(false), 33, "08");
        Packet urg = writes(h, x -> x.tcp().orElseThrow().setUrg(true), 33, "38");
        assertThat(urg.tcp().orElseThrow().urg()).isTrue();
        writes(h, x -> x.tcp().orElseThrow().setWindow(0xabcd), 34, "abcd");
        writes(h, x -> x.tcp().orElseThrow().setChecksum(0x1234), 36, "1234");
        writes(h, x -> x.tcp().orElseThrow().setUrgPtr(7), 38, "0007");
        assertThrows(IllegalArgumentException.class, () -> t.setSeqNum(-1));
        assertThrows(IllegalArgumentException.class, () -> t.setSeqNum(0x100000000L));
        assertThrows(IllegalArgumentException.class, () -> t.setDataOffset(16));
        assertThrows(IllegalArgumentException.class, () -> t.setSrcPort(65536));
    }

    @Test
    void udpGettersAndSettersP3() {
        String h = SamplePackets.P3;
        Packet p = packet(h);
        UdpHeader u = p.udp().orElseThrow();
        assertThat(u.srcPort()).isEqualTo(57413);
        assertThat(u.dstPort()).isEqualTo(53);
        assertThat(u.length()).isEqualTo(37);
        assertThat(u.checksum()).isEqualTo(0);
        assertThat(p.payloadLength()).isEqualTo(29);
        assertThat(p.ipv4().orElseThrow().ttl()).isEqualTo(73);
        assertThat(p.validate()).isEmpty();
        writes(h, x -> x.udp().orElseThrow().setSrcPort(0), 20, "0000");
        writes(h, x -> x.udp().orElseThrow().setDstPort(0x1bb), 22, "01bb");
        Packet len = writes(h, x -> x.udp().orElseThrow().setLength(9), 24, "0009");
        assertThat(len.validate()).containsExactly("the UDP length field is 9 but the datagram has 37 bytes");
        writes(h, x -> x.udp().orElseThrow().setChecksum(0xffff), 26, "ffff");
    }

    @Test
    void ipv6AndTcpGettersP4() {
        String h = SamplePackets.P4;
        Packet p = packet(h);
        Ipv6Header ip = p.ipv6().orElseThrow();
        assertThat(ip.version()).isEqualTo(6);
        assertThat(ip.trafficClass()).isEqualTo(0);
        assertThat(ip.flowLabel()).isEqualTo(0x12345);
        assertThat(ip.payloadLength()).isEqualTo(40);
        assertThat(ip.nextHeader()).isEqualTo(6);
        assertThat(ip.hopLimit()).isEqualTo(64);
        assertThat(IpAddresses.formatIpv6(ip.srcAddr())).isEqualTo("2001:db8::aabb:ccdd");
        assertThat(ip.dstAddr()).isEqualTo(U128.of(1));
        assertThat(p.ipv4()).isEmpty();
        assertThat(p.ipv6ExtensionHeaders()).isEmpty();
        assertThat(p.ipv6Fragment()).isEmpty();
        TcpHeader t = p.tcp().orElseThrow();
        assertThat(t.offset()).isEqualTo(40);
        assertThat(t.srcPort()).isEqualTo(50046);
        assertThat(t.dstPort()).isEqualTo(23);
        assertThat(t.seqNum()).isEqualTo(0xe1d7c8aaL);
        assertThat(t.dataOffset()).isEqualTo(10);
        assertThat(t.syn()).isTrue();
        assertThat(t.ack()).isFalse();
        assertThat(t.window()).isEqualTo(0xaaaa);
        assertThat(t.options().remaining()).isEqualTo(20);
        assertThat(p.payloadLength()).isEqualTo(0);
        assertThat(p.payload().remaining()).isEqualTo(0);
    }

    @Test
    void ipv6Setters() {
        String h = SamplePackets.P4;
        assertThat(writes(h, p -> p.ipv6().orElseThrow().setVersion(4), 0, "40").ipv6()).isEmpty();
        Packet tc = writes(h, p -> p.ipv6().orElseThrow().setTrafficClass(0xab), 0, "6ab1");
        assertThat(tc.ipv6().orElseThrow().trafficClass()).isEqualTo(0xab);
        assertThat(tc.ipv6().orElseThrow().flowLabel()).isEqualTo(0x12345);
        Packet fl = writes(h, p -> p.ipv6().orElseThrow().setFlowLabel(0xfedcb), 1, "0fedcb");
        assertThat(fl.ipv6().orElseThrow().flowLabel()).isEqualTo(0xfedcb);
        assertThat(fl.ipv6().orElseThrow().trafficClass()).isEqualTo(0);
        writes(h, p -> p.ipv6().orElseThrow().setPayloadLength(0x100), 4, "0100");
        Packet nh = writes(h, p -> p.ipv6().orElseThrow().setNextHeader(59), 6, "3b");
        assertThat(nh.tcp()).isEmpty();
        assertThat(nh.decomposition().orElseThrow().protocol()).isEqualTo(59);
        writes(h, p -> p.ipv6().orElseThrow().setHopLimit(255), 7, "ff");
        U128 a = IpAddresses.parseIpv6("fe80::1:2:3:4").orElseThrow();
        assertThat(writes(h, p -> p.ipv6().orElseThrow().setSrcAddr(a), 8, "fe800000000000000001000200030004")
                .ipv6().orElseThrow().srcAddr()).isEqualTo(a);
        assertThat(writes(h, p -> p.ipv6().orElseThrow().setDstAddr(a), 24, "fe800000000000000001000200030004")
                .ipv6().orElseThrow().dstAddr()).isEqualTo(a);
        Ipv6Header ip = packet(h).ipv6().orElseThrow();
        assertThrows(IllegalArgumentException.class, () -> ip.setFlowLabel(0x100000));
        assertThrows(IllegalArgumentException.class, () -> ip.setTrafficClass(256));
    }

    @Test
    void icmpv6GettersAndSettersP5() {
        String h = SamplePackets.P5;
        Packet p = packet(h);
        Icmpv6Header i = p.icmpv6().orElseThrow();
        assertThat(i.type()).isEqualTo(129);
        assertThat(i.code()).isEqualTo(0);
        assertThat(i.checksum()).isEqualTo(0);
        assertThat(i.body()).isEqualTo(0x10720003L);
        assertThat(p.ipv6().orElseThrow().hopLimit()).isEqualTo(31);
        assertThat(p.payloadLength()).isEqualTo(16);
        assertThat(p.icmp()).isEmpty();
        writes(h, x -> x.icmpv6().orElseThrow().setType(128), 40, "80");
        writes(h, x -> x.icmpv6().orElseThrow().setCode(3), 41, "03");
        writes(h, x -> x.icmpv6().orElseThrow().setChecksum(0xabcd), 42, "abcd");
        writes(h, x -> x.icmpv6().orElseThrow().setBody(0xffffffffL), 44, "ffffffff");
        String h1 = SamplePackets.P1;
        writes(h1, x -> x.icmp().orElseThrow().setType(0), 20, "00");
        writes(h1, x -> x.icmp().orElseThrow().setCode(255), 21, "ff");
        writes(h1, x -> x.icmp().orElseThrow().setChecksum(0x0102), 22, "0102");
        writes(h1, x -> x.icmp().orElseThrow().setBody(0x01020304L), 24, "01020304");
        assertThrows(IllegalArgumentException.class, () -> p.icmpv6().orElseThrow().setBody(1L << 32));
    }

    @Test
    void ipv6ExtensionHeaderChainP6() {
        String h = SamplePackets.P6;
        Packet p = packet(h);
        List<Ipv6ExtensionHeader> ext = p.ipv6ExtensionHeaders();
        assertThat(ext).hasSize(2);
        assertThat(ext.get(0).type()).isEqualTo(0);
        assertThat(ext.get(0).offset()).isEqualTo(40);
        assertThat(ext.get(0).nextHeader()).isEqualTo(60);
        assertThat(ext.get(0).length()).isEqualTo(8);
        assertThat(ext.get(1).type()).isEqualTo(60);
        assertThat(ext.get(1).offset()).isEqualTo(48);
        assertThat(ext.get(1).nextHeader()).isEqualTo(17);
        assertThat(ext.get(1).bytes().remaining()).isEqualTo(8);
        UdpHeader u = p.udp().orElseThrow();
        assertThat(u.offset()).isEqualTo(56);
        assertThat(u.srcPort()).isEqualTo(4660);
        assertThat(u.dstPort()).isEqualTo(43690);
        assertThat(u.length()).isEqualTo(21);
        assertThat(new String(bytes(p.payload()), java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("Hello World!\u0001");
        assertThat(IpAddresses.formatIpv6(p.ipv6().orElseThrow().dstAddr())).isEqualTo("fe80::2");
        assertThat(p.validate()).isEmpty();
        // Re-pointing the destination-options header at TCP: not enough bytes for a TCP header.
        Packet tcp = writes(h, x -> x.ipv6ExtensionHeaders().get(1).setNextHeader(6), 48, "06");
        assertThat(tcp.udp()).isEmpty();
        assertThat(tcp.tcp().orElseThrow().dataOffset()).isEqualTo(6);
        assertThat(tcp.validate()).containsExactly("the TCP data offset 6 (24 bytes) exceeds the 21 bytes present");
        // A hop-by-hop header claiming 16 bytes swallows the next one.
        Packet longer = writes(h, x -> x.ipv6().orElseThrow().setNextHeader(0), 6, "00");
        assertThat(longer.ipv6ExtensionHeaders()).hasSize(2);
        Packet big = writes(h, x -> x.buffer().put(41, (byte) 0x10), 41, "10");
        big.refresh();
        assertThat(big.ipv6ExtensionHeaders()).isEmpty();
        assertThat(big.validate()).containsExactly("IPv6 extension header 0 at offset 40 needs 136 bytes, 37 present");
    }

    @Test
    void ipv6FragmentHeaders() {
        Packet first = packet(SamplePackets.P9);
        Ipv6FragmentHeader f = first.ipv6Fragment().orElseThrow();
        assertThat(f.offset()).isEqualTo(40);
        assertThat(f.nextHeader()).isEqualTo(58);
        assertThat(f.reserved()).isEqualTo(0);
        assertThat(f.fragmentOffset()).isEqualTo(0);
        assertThat(f.reservedBits()).isEqualTo(0);
        assertThat(f.moreFragments()).isTrue();
        assertThat(f.identification()).isEqualTo(0xc7f6ce53L);
        assertThat(first.icmpv6().orElseThrow().offset()).isEqualTo(48);
        assertThat(first.decomposition().orElseThrow().fragment()).isTrue();
        assertThat(first.validate()).isEmpty();

        Packet later = packet(SamplePackets.P10);
        assertThat(later.ipv6Fragment().orElseThrow().fragmentOffset()).isEqualTo(3);
        assertThat(later.ipv6Fragment().orElseThrow().moreFragments()).isFalse();
        assertThat(later.icmpv6()).isEmpty();
        assertThat(later.payloadLength()).isEqualTo(24);
        assertThat(later.validate()).isEmpty();

        String h = SamplePackets.P9;
        writes(h, x -> x.ipv6Fragment().orElseThrow().setNextHeader(17), 40, "11");
        writes(h, x -> x.ipv6Fragment().orElseThrow().setReserved(0xff), 41, "ff");
        Packet off = writes(h, x -> x.ipv6Fragment().orElseThrow().setFragmentOffset(0x1fff), 42, "fff9");
        assertThat(off.icmpv6()).isEmpty();
        assertThat(off.ipv6Fragment().orElseThrow().fragmentOffset()).isEqualTo(0x1fff);
        assertThat(off.decomposition().orElseThrow().fragmentOffset()).isEqualTo(0x1fff);
        writes(h, x -> x.ipv6Fragment().orElseThrow().setReservedBits(3), 43, "07");
        writes(h, x -> x.ipv6Fragment().orElseThrow().setMoreFragments(false), 43, "00");
        writes(h, x -> x.ipv6Fragment().orElseThrow().setIdentification(0xffffffffL), 44, "ffffffff");

        // A second fragment header stops the walk.
        Packet twice = writes(h, x -> x.ipv6Fragment().orElseThrow().setNextHeader(44), 40, "2c");
        assertThat(twice.ipv6ExtensionHeaders()).hasSize(1);
        assertThat(twice.icmpv6()).isEmpty();
        assertThat(twice.validate()).containsExactly("a second IPv6 fragment header at offset 48 is not decoded");
    }

    @Test
    void ipv4Fragments() {
        Packet first = packet(SamplePackets.P7);
        assertThat(first.ipv4().orElseThrow().moreFragments()).isTrue();
        assertThat(first.icmp()).isPresent();
        assertThat(first.payloadLength()).isEqualTo(0);
        Packet later = packet(SamplePackets.P8);
        assertThat(later.ipv4().orElseThrow().fragmentOffset()).isEqualTo(1);
        assertThat(later.icmp()).isEmpty();
        assertThat(later.payloadLength()).isEqualTo(32);
        assertThat(later.validate()).isEmpty();
    }

    @Test
    void suitePacketsDecode() {
        var suite = SuitePackets.distinct();
        assertThat(suite).hasSize(10);
        for (var e : suite.entrySet()) {
            Packet p = packet(e.getValue());
            Decomposition d = p.decomposition().orElseThrow();
            assertThat(p.ipv4().isPresent()).isEqualTo(d.isIpv4());
            assertThat(p.ipv6().isPresent()).isEqualTo(d.isIpv6());
        }
        Packet http = packet(suite.get("windivert-test-064"));
        assertThat(http.length()).isEqualTo(521);
        assertThat(http.tcp().orElseThrow().checksum()).isEqualTo(0x02a4);
        assertThat(http.payloadLength()).isEqualTo(521 - 52);
        Packet ext = packet(suite.get("windivert-test-184"));
        assertThat(ext.ipv6ExtensionHeaders().stream().map(Ipv6ExtensionHeader::type).toList())
                .containsExactly(0, 60, 60).inOrder();
        assertThat(ext.udp().orElseThrow().checksum()).isEqualTo(0xeff4);
        assertThat(ext.ipv6().orElseThrow().hopLimit()).isEqualTo(0x64);
        Packet frag = packet(suite.get("windivert-test-233"));
        assertThat(frag.ipv6Fragment().orElseThrow().moreFragments()).isTrue();
        assertThat(frag.icmpv6().orElseThrow().type()).isEqualTo(0x81);
        Packet v4frag = packet(suite.get("windivert-test-227"));
        assertThat(v4frag.ipv4().orElseThrow().fragmentOffset()).isEqualTo(1);
        assertThat(v4frag.icmp()).isEmpty();
        Packet tiny = packet(suite.get("windivert-test-221"));
        assertThat(tiny.icmp().orElseThrow().checksum()).isEqualTo(0x3cd2);
    }

    @Test
    void headerOnlyAndTooShort() {
        Packet p11 = packet("6000000500000640" + "00".repeat(32));
        assertThat(p11.ipv6().orElseThrow().flowLabel()).isEqualTo(5);
        assertThat(p11.tcp()).isEmpty();
        assertThat(p11.validate()).containsExactly("the TCP header needs 20 bytes, 0 present");
        assertThat(packet("45").validate()).containsExactly("not an IPv4 or IPv6 packet: 1 bytes, at least 20 are needed");
        assertThat(packet("").ipv4()).isEmpty();
        assertThat(packet("").payload().remaining()).isEqualTo(0);
        assertThat(packet("70" + "00".repeat(39)).validate()).containsExactly("not an IPv4 or IPv6 packet: version 7 is neither 4 nor 6");
        assertThat(packet("60" + "00".repeat(30)).validate()).containsExactly("not an IPv4 or IPv6 packet: 31 bytes, an IPv6 header needs 40");
        assertThat(packet("44" + SamplePackets.P1.substring(2)).validate()).containsExactly("not an IPv4 or IPv6 packet: the IPv4 IHL 4 is below 5");
        assertThat(packet("45000010" + SamplePackets.P1.substring(8)).validate())
                .containsExactly("not an IPv4 or IPv6 packet: the IPv4 total length 16 is below the header length 20");
    }

    @Test
    void truncatedAndPadded() {
        Packet cut = packet(SamplePackets.P2.substring(0, 2 * 45));
        assertThat(cut.isIp()).isTrue();
        assertThat(cut.tcp()).isPresent();
        assertThat(cut.payloadLength()).isEqualTo(45 - 52 < 0 ? 0 : 45 - 52);
        assertThat(cut.validate()).containsExactly("truncated: the IP length is 70 bytes but only 45 are present",
                "the TCP data offset 8 (32 bytes) exceeds the 25 bytes present").inOrder();
        Packet tcpShort = packet(SamplePackets.P2.substring(0, 2 * 30));
        assertThat(tcpShort.tcp()).isEmpty();
        assertThat(tcpShort.validate()).contains("the TCP header needs 20 bytes, 10 present");
        Packet padded = packet(SamplePackets.P3 + "010203");
        assertThat(padded.validate()).containsExactly("3 bytes follow the IP length of 57");
        assertThat(padded.payloadLength()).isEqualTo(29);
        Packet icmpShort = packet(SamplePackets.P1.substring(0, 2 * 24));
        assertThat(icmpShort.icmp()).isEmpty();
        assertThat(icmpShort.validate()).contains("the ICMP header needs 8 bytes, 4 present");
        Packet icmpInV6 = packet(SamplePackets.P5.substring(0, 12) + "01" + SamplePackets.P5.substring(14));
        assertThat(icmpInV6.validate()).containsExactly("ICMP (protocol 1) inside IPv6 is not decoded");
    }

    @Test
    void viewsOverDirectBuffersWriteThrough() {
        byte[] raw = Hex.decode(SamplePackets.P2);
        ByteBuffer direct = ByteBuffer.allocateDirect(raw.length + 10);
        direct.position(5);
        direct.put(raw);
        Packet p = Packet.wrap(direct, 5, raw.length);
        p.tcp().orElseThrow().setDstPort(8080);
        assertThat(direct.get(5 + 22) & 0xFF).isEqualTo(0x1f);
        assertThat(direct.get(5 + 23) & 0xFF).isEqualTo(0x90);
        assertThat(p.tcp().orElseThrow().dstPort()).isEqualTo(8080);
        assertThrows(IndexOutOfBoundsException.class, () -> Packet.wrap(direct, 5, direct.capacity()));
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
