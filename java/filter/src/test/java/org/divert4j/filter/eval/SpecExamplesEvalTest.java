package org.divert4j.filter.eval;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Map;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.packet.Hex;
import org.junit.jupiter.api.Test;

/**
 * docs/spec/filter-language.md §11.2, examples 1–67, through the public text entry point (compiler +
 * evaluator): {@code # ; layer ; packet ; address flags ; filter ; result}.
 */
class SpecExamplesEvalTest {
    private static final Map<String, String> PACKETS = Map.ofEntries(
            Map.entry("P1", "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"),
            Map.entry("P2", "45000046482d40004006a8410a0a0a0a5db8d877a31a00505338ccc25637b35580180073000000000101080a002c851b1b7f3a71474554202f20485454502f312e310d0a0d0a"),
            Map.entry("P3", "450000392090000049113b180a00000108080404e045003500250000170801000001000000000000076578616d706c6503636f6d0000010001"),
            Map.entry("P4", "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaa000000000204ffc40402080affff91860000000001030307"),
            Map.entry("P5", "6000000000183a1f00000000000000000000000000000001000000000000000000000000000000018100000010720003000102030405060708090a0b0c0d0e0f"),
            Map.entry("P6", "600000000025004000000000000000000000000000000001fe8000000000000000000000000000023c0000000000000011000000000000001234aaaa0015000048656c6c6f20576f726c642101"),
            Map.entry("P7", "4500001c1234200040012e9d0a00000108080808080000000d560001"),
            Map.entry("P8", "450000341234000140014e840a00000108080808404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"),
            Map.entry("P9", "6000000000182c4000000000000000000000000000000001000000000000000000000000000000013a000001c7f6ce5381000000107200030000000000000000"),
            Map.entry("P10", "6000000000202c4000000000000000000000000000000001000000000000000000000000000000013a000018c7f6ce53000102030405060708090a0b0c0d0e0f1011121314151617"),
            Map.entry("P11", "60000005000006400000000000000000000000000000000000000000000000000000000000000000"));

    private static final String EXAMPLES = """
            1;0;P2;Outbound;tcp;MATCH
            2;0;P2;Outbound;outbound and tcp.DstPort == 80;MATCH
            3;0;P2;-;outbound and tcp.DstPort == 80;NOMATCH
            4;0;P2;Outbound;tcp.DstPort = 80 && tcp.PayloadLength > 0;MATCH
            5;0;P1;Outbound;tcp.DstPort == 80;NOMATCH
            6;0;P1;Outbound;not tcp.DstPort == 80;NOMATCH
            7;0;P1;Outbound;tcp.DstPort != 80;NOMATCH
            8;0;P1;Outbound;not tcp;MATCH
            9;0;P1;Outbound;!tcp.Syn;NOMATCH
            10;0;P1;Outbound;(tcp? tcp.DstPort == 80: true);MATCH
            11;0;P1;Outbound;tcp.DstPort > 65535;MATCH
            12;0;P2;Outbound;tcp.DstPort > 65535;NOMATCH
            13;0;P4;Outbound;ip.TTL > 300;MATCH
            14;0;P2;Outbound;tcp.SeqNum < 0x100000000;NOMATCH
            15;0;P2;Outbound;tcp.SeqNum == 0x15338ccc2;MATCH
            16;0;P2;Outbound;tcp.SeqNum > -5;MATCH
            17;0;P3;Outbound;ip.DstAddr == 8.8.4.4;MATCH
            18;0;P3;Outbound;ip.DstAddr == ::ffff:8.8.4.4;MATCH
            19;0;P3;Outbound;ip.DstAddr == 0xffff08080404;MATCH
            20;0;P3;Outbound;ip.DstAddr == 134743044;NOMATCH
            21;0;P3;Outbound;ip.DstAddr >= 8.8.0.0 and ip.DstAddr <= 8.8.255.255;MATCH
            22;0;P3;Outbound;ip.SrcAddr == 4294967306.0.0.1;MATCH
            23;0;P3;Outbound;remoteAddr == 8.8.4.4 and remotePort == 53;MATCH
            24;0;P3;-;remoteAddr == 8.8.4.4;NOMATCH
            25;0;P1;Outbound;localPort == 8 and remotePort == 0;MATCH
            26;0;P1;-;localPort == 0 and remotePort == 8;MATCH
            27;0;P1;Outbound;packet[-1] == 0x3f;MATCH
            28;0;P1;Outbound;packet32[-5b] == 0x3b3c3d3e;MATCH
            29;0;P1;Outbound;packet16[1] == 0x003c;MATCH
            30;0;P1;Outbound;packet16[1b] == 0x003c;NOMATCH
            31;0;P1;Outbound;packet16[1 b] == 0x003c;MATCH
            32;0;P1;Outbound;packet[60] == 0 or not packet[60] == 0;NOMATCH
            33;0;P1;Outbound;packet[0] != 256;MATCH
            34;0;P1;Outbound;icmp.Body == 0x0d560001 and icmp.Type == 8;MATCH
            35;0;P3;Outbound;udp.Payload16[-1] == 0x0001 and udp.PayloadLength == 29;MATCH
            36;0;P2;Outbound;tcp.Payload32[0] == 0x47455420;MATCH
            37;0;P2;Outbound;tcp.Payload[-1] == 0x0a and tcp.HdrLength == 8;MATCH
            38;0;P1;Outbound;length == 60 and ip.Length == 60;MATCH
            39;0;P7;Outbound;fragment and icmp and ip.MF;MATCH
            40;0;P8;Outbound;fragment and icmp;NOMATCH
            41;0;P8;Outbound;ip.FragOff == 1 and protocol == ICMP;MATCH
            42;0;P9;Outbound;fragment and icmpv6;MATCH
            43;0;P10;Outbound;fragment and not icmpv6 and protocol == 58;MATCH
            44;0;P6;Outbound;udp.DstPort == 43690 and protocol == UDP and ipv6.NextHdr == 0;MATCH
            45;0;P6;Outbound;localAddr == ::1 and remoteAddr == fe80::2;MATCH
            46;0;P4;Outbound;ipv6.SrcAddr == 2001:db8::aabb:ccdd;MATCH
            47;0;P4;Outbound;tcp.Syn and not tcp.Ack and tcp.DstPort == 23;MATCH
            48;0;P4;Outbound;ipv6.FlowLabel == 0x12345;NOMATCH
            49;0;P11;-;ipv6.FlowLabel == 5;NOMATCH
            50;0;P11;-;ipv6.FlowLabel == 0x50000;MATCH
            51;0;P5;-;icmpv6.Type == 129 and ipv6.HopLimit == 31;MATCH
            52;0;P1;Outbound, Timestamp=-5;timestamp == -5;MATCH
            53;0;P1;Outbound, Timestamp=9;timestamp > 0x7fffffffffffffff;NOMATCH
            54;0;P1;Outbound, Loopback, Impostor;loopback and impostor and outbound;MATCH
            55;0;P1;-;inbound;MATCH
            56;0;P1;-;ifIdx == 0 and subIfIdx == 0 and event == PACKET;MATCH
            57;1;P2;-;tcp.DstPort == 80;MATCH
            58;2;-;-;ip or ipv6;NOMATCH
            59;3;-;-;not ip and not ipv6;MATCH
            60;2;-;-;protocol == 0 and localPort == 0 and processId == 0;MATCH
            61;3;-;-;endpointId == 0 and not tcp;MATCH
            62;4;-;-;layer == NETWORK and priority == 0 and event == 0;MATCH
            63;2;-;-;true;MATCH
            64;2;-;-;packet[0] == 0x45;ERROR
            65;0;P1;-;random8 == 250 and random16 == 51515 and random32 == 2140372834;MATCH
            66;0;P1;Timestamp=12345;random8 == 232 and random16 == 5620 and random32 == 3087206173;MATCH
            67;0;P1;Timestamp=-1;random8 == 94 and random16 == 48159 and random32 == 2786741144;MATCH
            """;

    @Test
    void examples1To67() {
        int n = 0;
        for (String row : EXAMPLES.strip().split("\n")) {
            String[] c = row.strip().split(";", -1);
            Layer layer = Layer.of(Integer.parseInt(c[1]));
            byte[] packet = c[2].equals("-") ? null : Hex.decode(PACKETS.get(c[2]));
            Verdict v = new JavaEngine().evaluate(c[4], packet, address(layer, packet, c[3]));
            assertWithMessage("example #%s: %s -> %s", c[0], c[4], v).that(v.outcome().name()).isEqualTo(c[5]);
            n++;
        }
        assertWithMessage("examples").that(n).isEqualTo(67);
    }

    private static Address address(Layer layer, byte[] packet, String flags) {
        long timestamp = 0;
        boolean outbound = false;
        boolean loopback = false;
        boolean impostor = false;
        for (String f : flags.split(",\\s*")) {
            if (f.startsWith("Timestamp=")) {
                timestamp = Long.parseLong(f.substring("Timestamp=".length()));
            } else if (f.equals("Outbound")) {
                outbound = true;
            } else if (f.equals("Loopback")) {
                loopback = true;
            } else if (f.equals("Impostor")) {
                impostor = true;
            } else if (!f.equals("-")) {
                throw new IllegalArgumentException("unknown flag " + f);
            }
        }
        LayerData data = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> LayerData.Network.NONE;
            case FLOW, SOCKET -> LayerData.Endpoint.NONE;
            case REFLECT -> new LayerData.Reflect(0, 0, Layer.NETWORK, 0, (short) 0);
        };
        boolean ipv6 = packet != null && (packet[0] & 0xF0) == 0x60;
        return new Address(timestamp, layer, 0, false, outbound, loopback, impostor, ipv6, false, false, false, data);
    }
}
