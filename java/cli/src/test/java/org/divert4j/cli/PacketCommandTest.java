package org.divert4j.cli;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import java.util.Map;
import org.divert4j.vectors.JsonLine;
import org.junit.jupiter.api.Test;

class PacketCommandTest {
    private static final String P1 = "4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
    private static final String P4 = "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaa000000000204ffc40402080affff91860000000001030307";
    private static final String P4C = "600123450028064020010db80000000000000000aabbccdd00000000000000000000000000000001c37e0017e1d7c8aa00000000a002aaaafe5200000204ffc40402080affff91860000000001030307";
    private static final String P6 = "600000000025004000000000000000000000000000000001fe8000000000000000000000000000023c0000000000000011000000000000001234aaaa0015000048656c6c6f20576f726c642101";
    private static final String P7 = "4500001c1234200040012e9d0a00000108080808080000000d560001";


    private static CliRun run(String... args) {
        return CliRun.run(args);
    }

    @Test
    void hashPrintsUnsignedDecimal() {
        CliRun r = run("packet", "hash", P1);
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out().trim()).isEqualTo("11311574671475048290");
        assertThat(run("packet", "hash", "--seed", "12345", P1).out().trim()).isEqualTo("15269478677403076381");
        assertThat(run("packet", "hash", "--seed", "-1", P1).out().trim()).isEqualTo("11627938132033948568");
    }

    @Test
    void badInputIsExitOneWithAMessage() {
        CliRun bad = run("packet", "hash", "45zz");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("position 2");
        CliRun notIp = run("packet", "hash", "00".repeat(20));
        assertThat(notIp.status()).isEqualTo(1);
        assertThat(notIp.err()).contains("not an IPv4 or IPv6 packet");
        assertThat(run("packet", "hash", "--seed", "x", P1).status()).isEqualTo(1);
    }

    @Test
    void usageErrorsAreExitTwo() {
        assertThat(run("packet", "hash").status()).isEqualTo(2);
        assertThat(run("packet", "frobnicate").status()).isEqualTo(2);
    }

    private static Map<String, Object> json(CliRun r) {
        assertThat(r.status()).isEqualTo(0);
        return JsonLine.parse(r.out().trim());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> obj(Map<String, Object> m, String key) {
        assertThat(m).containsKey(key);
        return (Map<String, Object>) m.get(key);
    }

    private static long num(Map<String, Object> m, String key) {
        return Long.parseLong(((JsonLine.JsonNumber) m.get(key)).text());
    }

    @Test
    void parseIpv4Icmp() {
        Map<String, Object> m = json(run("packet", "parse", P1));
        assertThat(num(m, "length")).isEqualTo(60);
        Map<String, Object> ip = obj(m, "ipv4");
        assertThat(num(ip, "ttl")).isEqualTo(64);
        assertThat(num(ip, "id")).isEqualTo(0x1234);
        assertThat(num(ip, "checksum")).isEqualTo(0x0e7d);
        assertThat(ip.get("dontFragment")).isEqualTo(true);
        assertThat(ip.get("srcAddr")).isEqualTo("10.0.0.1");
        assertThat(ip.get("dstAddr")).isEqualTo("8.8.8.8");
        assertThat(ip.get("options")).isEqualTo("");
        Map<String, Object> icmp = obj(m, "icmp");
        assertThat(num(icmp, "type")).isEqualTo(8);
        assertThat(num(icmp, "body")).isEqualTo(0x0d560001L);
        assertThat(m).doesNotContainKey("tcp");
        assertThat(m).doesNotContainKey("ipv6");
        assertThat(num(m, "protocol")).isEqualTo(1);
        assertThat(num(m, "payloadLength")).isEqualTo(32);
        assertThat(m.get("payload")).isEqualTo(P1.substring(56));
        assertThat(m.get("checksumsValid")).isEqualTo(false);
        assertThat(m.get("hash")).isEqualTo("11311574671475048290");
        assertThat((List<?>) m.get("malformed")).isEmpty();
    }

    @Test
    void parseIpv6WithExtensionHeadersAndTcp() {
        Map<String, Object> m = json(run("packet", "parse", P6));
        Map<String, Object> ip = obj(m, "ipv6");
        assertThat(ip.get("srcAddr")).isEqualTo("::1");
        assertThat(ip.get("dstAddr")).isEqualTo("fe80::2");
        assertThat(num(ip, "hopLimit")).isEqualTo(64);
        List<?> ext = (List<?>) m.get("extensionHeaders");
        assertThat(ext).hasSize(2);
        assertThat(num(obj(Map.of("e", ext.get(1)), "e"), "type")).isEqualTo(60);
        assertThat(num(obj(m, "udp"), "dstPort")).isEqualTo(43690);
        assertThat(num(m, "payloadLength")).isEqualTo(13);

        Map<String, Object> t = json(run("packet", "parse", P4C));
        Map<String, Object> tcp = obj(t, "tcp");
        assertThat(tcp.get("syn")).isEqualTo(true);
        assertThat(num(tcp, "checksum")).isEqualTo(0xfe52);
        assertThat(num(tcp, "dataOffset")).isEqualTo(10);
        assertThat(tcp.get("options")).isEqualTo("0204ffc40402080affff91860000000001030307");
        assertThat(num(obj(t, "ipv6"), "flowLabel")).isEqualTo(0x12345);
        assertThat(t.get("checksumsValid")).isEqualTo(true);
    }

    @Test
    void parseReportsWhatIsMalformed() {
        Map<String, Object> m = json(run("packet", "parse", P4.substring(0, 2 * 50)));
        assertThat(m.get("truncated")).isEqualTo(true);
        assertThat((List<?>) m.get("malformed")).containsExactly(
                "truncated: the IP length is 80 bytes but only 50 are present",
                "the TCP header needs 20 bytes, 10 present").inOrder();
        assertThat(m).doesNotContainKey("tcp");
        Map<String, Object> frag = json(run("packet", "parse", P7));
        assertThat(frag.get("fragment")).isEqualTo(true);
        assertThat(obj(frag, "ipv4").get("moreFragments")).isEqualTo(true);
    }

    @Test
    void checksumRecomputesEverything() {
        CliRun r = run("packet", "checksum", P4);
        assertThat(r.status()).isEqualTo(0);
        assertThat(r.out().trim()).isEqualTo(P4C);
        // ICMP sum by hand: 0x0800 + 0x0d56 + 0x0001 + (0x2021 + … + 0x3e3f = 0x2f300) = 0x30857 → ~0x085a.
        CliRun ip = run("packet", "checksum", P1);
        assertThat(ip.out().trim()).isEqualTo(P1.substring(0, 44) + "f7a5" + P1.substring(48));
        // A fragment: only the IP checksum is computed, the ICMP checksum stays.
        String broken = P7.substring(0, 20) + "0000" + P7.substring(24);
        CliRun frag = run("packet", "checksum", broken);
        assertThat(frag.status()).isEqualTo(0);
        assertThat(frag.out().trim()).isEqualTo(P7);
    }

    @Test
    void parseAndChecksumRejectBadInput() {
        for (String cmd : new String[] {"parse", "checksum", "hash"}) {
            CliRun bad = run("packet", cmd, "45zz");
            assertThat(bad.status()).isEqualTo(1);
            assertThat(bad.err()).contains("position 2");
            CliRun notIp = run("packet", cmd, "70" + "00".repeat(39));
            assertThat(notIp.status()).isEqualTo(1);
            assertThat(notIp.err()).contains("not an IPv4 or IPv6 packet: version 7 is neither 4 nor 6");
            assertThat(run("packet", cmd).status()).isEqualTo(2);
            assertThat(run("packet", cmd, P1, "extra").status()).isEqualTo(2);
        }
    }
}
