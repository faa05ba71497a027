package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.FilterWarning;
import org.divert4j.filter.FilterWarning.Kind;
import org.junit.jupiter.api.Test;

/** One test per trap of docs/spec/README.md §1 "Lint", plus filters that must stay silent. */
class LintTest {

    private static List<FilterWarning> warnings(String filter) throws FilterException {
        return FilterCompiler.compile(filter, Layer.NETWORK).warnings();
    }

    private static List<Kind> kinds(String filter) throws FilterException {
        return warnings(filter).stream().map(FilterWarning::kind).toList();
    }

    @Test
    void foldedTestBecomesAProtocolTest() throws FilterException {
        List<FilterWarning> w = warnings("outbound and tcp.DstPort > 65535");
        assertThat(w).hasSize(1);
        assertThat(w.get(0).kind()).isEqualTo(Kind.FOLDED);
        assertThat(w.get(0).start()).isEqualTo(13);
        assertThat(w.get(0).end()).isEqualTo(32);
        assertThat(w.get(0).message()).contains("compiles it to 'not tcp'");
        assertThat(w.get(0).message()).contains("matches every packet that is not tcp");
        // Folding to 'ip' changes nothing there: an ip.* test is false without an IPv4 header.
        assertThat(warnings("ip.TTL <= 255")).isEmpty();
        // An array test is also false on a payload too short for the index: 'tcp' is not the same.
        assertThat(warnings("tcp.Payload[10] <= 255").get(0).message()).contains("compiles it to 'tcp'");
        assertThat(kinds("event == 10")).containsExactly(Kind.FOLDED);
        assertThat(warnings("event == 10").get(0).message()).contains("always false");
        assertThat(kinds("packet[0] != 256")).containsExactly(Kind.FOLDED);
    }

    @Test
    void foldsToTheFieldsOwnProtocolAreSilent() throws FilterException {
        assertThat(warnings("ip.Id >= 0x0 and ip.Id <= 0xF")).isEmpty();
        assertThat(warnings("tcp.DstPort >= 1024 and tcp.DstPort <= 65535")).isEmpty();
        assertThat(warnings("udp.SrcPort >= 0 and udp.SrcPort < 100")).isEmpty();
        assertThat(warnings("ip.DstAddr>=0.0.0.0 and ip.DstAddr<=255.255.255.255")).isEmpty();
        assertThat(warnings("ipv6.DstAddr >= :: and ipv6.DstAddr <= ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
                .isEmpty();
        // Still traps: the fold matches packets the test did not.
        assertThat(warnings("tcp.DstPort > 65535").get(0).message()).contains("compiles it to 'not tcp'");
        assertThat(warnings("not ip.TTL <= 255").get(0).message()).contains("compiles it to 'not ip'");
    }

    @Test
    void alwaysTrueTestsTheirAndIgnoresAreSilent() throws FilterException {
        // localPort is always there and never above 65535: the 'and' ignores the always-true test.
        assertThat(warnings("tcp and localPort >= 1024 and localPort <= 65535")).isEmpty();
        assertThat(FilterCompiler.compile("(tcp or udp) and localPort >= 49152 and localPort <= 65535", Layer.FLOW)
                .warnings()).isEmpty();
        assertThat(FilterCompiler.compile("tcp and processId <= 0xFFFFFFFF", Layer.SOCKET).warnings()).isEmpty();
        // Still warn: the test decides its 'and', or the fold differs from the comparison.
        assertThat(kinds("tcp and localPort > 65535")).containsExactly(Kind.FOLDED);
        assertThat(kinds("udp and packet[0] <= 255")).containsExactly(Kind.FOLDED);
        assertThat(FilterCompiler.compile("processId <= 0xFFFFFFFF", Layer.SOCKET).warnings().get(0).message())
                .contains("the filter matches every packet");
    }

    @Test
    void alwaysTrueOrFalseSaysWhatHappensToTheFilter() throws FilterException {
        assertThat(warnings("length > 0").get(0).message()).contains("the filter matches every packet");
        assertThat(warnings("length > 0 or tcp").get(0).message())
                .contains("this 'or' is always true: it matches every packet");
        assertThat(warnings("tcp and length > 0").get(0).message()).contains("left out of this 'and'");
        assertThat(warnings("tcp and length < 20").get(0).message())
                .contains("this 'and' is always false: it matches no packet");
        assertThat(warnings("event == 10").get(0).message()).contains("the filter matches no packet");
    }

    @Test
    void constantWiderThanTheField() throws FilterException {
        List<FilterWarning> w = warnings("tcp.SeqNum == 0x15338ccc2");
        assertThat(w).hasSize(2);
        assertThat(w.get(1).kind()).isEqualTo(Kind.DRIVER_REFUSES);
        assertThat(w.get(0).kind()).isEqualTo(Kind.WIDE_CONSTANT);
        assertThat(w.get(0).message()).contains("only the low 32 bits");
        assertThat(w.get(0).message()).contains("0x5338ccc2");
        assertThat(kinds("packet32[0] == 0x100000000")).containsExactly(Kind.WIDE_CONSTANT);
        assertThat(kinds("ipv6.SrcAddr == 0x100000000")).isEmpty();
    }

    @Test
    void negativeConstantOnAnUnsignedField() throws FilterException {
        assertThat(kinds("tcp.SeqNum > -5")).containsExactly(Kind.NEGATIVE_CONSTANT, Kind.DRIVER_REFUSES);
        assertThat(kinds("timestamp > -5")).isEmpty();
    }

    @Test
    void flowLabel() throws FilterException {
        List<FilterWarning> w = warnings("ipv6.FlowLabel == 0x12345");
        assertThat(w).hasSize(1);
        assertThat(w.get(0).kind()).isEqualTo(Kind.FLOW_LABEL);
        assertThat(w.get(0).message()).contains("0x50000");
        assertThat(kinds("ipv6.FlowLabel > 0xFFFFF")).containsExactly(Kind.FLOW_LABEL, Kind.FOLDED);
    }

    @Test
    void notOnAnAbsentHeader() throws FilterException {
        List<FilterWarning> w = warnings("not tcp.DstPort == 80");
        assertThat(w).hasSize(1);
        assertThat(w.get(0).kind()).isEqualTo(Kind.NOT_ON_ABSENT_HEADER);
        assertThat(w.get(0).message()).contains("packets without a tcp header");
        assertThat(w.get(0).message()).contains("'not tcp or ...'");
        assertThat(kinds("!tcp.Syn")).containsExactly(Kind.NOT_ON_ABSENT_HEADER);
        assertThat(kinds("not packet[60] == 0")).containsExactly(Kind.NOT_ON_ABSENT_HEADER);
        assertThat(kinds("not not tcp.Syn")).isEmpty();
        assertThat(kinds("not tcp")).isEmpty();
        assertThat(kinds("not outbound")).isEmpty();
    }

    @Test
    void notAfterTestsThatEstablishTheHeaderIsSilent() throws FilterException {
        // Issue 18: the earlier conjuncts already require a TCP header.
        assertThat(warnings("tcp.DstPort == 22 && tcp.Syn && !tcp.Ack")).isEmpty();
        assertThat(warnings("tcp and not tcp.Ack")).isEmpty();
        assertThat(warnings("outbound and tcp.PayloadLength > 0 and !tcp.Syn and !tcp.Rst")).isEmpty();
        // Every way into the test carries a fact that requires TCP.
        assertThat(warnings("(tcp.SrcPort == 80 or tcp.DstPort == 80) and !tcp.Syn")).isEmpty();
        assertThat(warnings("(tcp ? !tcp.Ack : udp)")).isEmpty();
        assertThat(warnings("(not tcp ? udp : !tcp.Ack)")).isEmpty();
        assertThat(warnings("icmp and not icmp.Type == 8")).isEmpty();
        // At NETWORK a packet that is not IPv6 is IPv4, and the other way round.
        assertThat(warnings("ipv6 or not ip.TTL == 64")).isEmpty();
        assertThat(warnings("ip or not ipv6.HopLimit == 1")).isEmpty();
        // Never asked: the folded 'false' decides the 'and' first.
        assertThat(warnings("false and !tcp.Ack")).isEmpty();
    }

    @Test
    void notWhereTheHeaderMayBeMissingStillWarns() throws FilterException {
        for (String filter : List.of("!tcp.Ack", "udp or !tcp.Ack", "tcp.Syn or !tcp.Ack", "udp and !tcp.Ack",
                "(tcp ? udp : !tcp.Ack)", "(tcp.DstPort == 443 or udp.DstPort == 443) and !tcp.Syn",
                "udp or not ipv6.HopLimit == 1")) {
            List<FilterWarning> w = warnings(filter);
            assertWithMessage(filter).that(w.stream().map(FilterWarning::kind).toList())
                    .containsExactly(Kind.NOT_ON_ABSENT_HEADER);
            assertWithMessage(filter).that(w.get(0).message()).contains("packets without a");
        }
        // Facts come from the tests asked before it, as the optimizer threads jumps with them.
        assertThat(kinds("!tcp.Ack and tcp.Syn")).containsExactly(Kind.NOT_ON_ABSENT_HEADER);
        // With the header there, an array index can still miss a short payload.
        List<FilterWarning> w = warnings("tcp and not tcp.Payload[0] == 0x16");
        assertThat(w).hasSize(1);
        assertThat(w.get(0).message()).contains("packets too short for the index");
        assertThat(w.get(0).message()).doesNotContain("without a tcp header");
    }

    @Test
    void indexThatNeverFits() throws FilterException {
        List<FilterWarning> w = warnings("udp.Payload[65530] == 1");
        assertThat(w).hasSize(1);
        assertThat(w.get(0).kind()).isEqualTo(Kind.INDEX_NEVER_FITS);
        assertThat(kinds("tcp.Payload32[-65516b] == 1")).containsExactly(Kind.INDEX_NEVER_FITS);
        assertThat(kinds("tcp.Payload32[-65515b] == 1")).isEmpty();
        assertThat(kinds("packet[65534] == 1")).isEmpty();
    }

    @Test
    void programsADriverRefuses() throws FilterException {
        for (String filter : List.of("ip.TOS == 300", "event == 5", "packet32[0] == -5",
                "tcp.SeqNum == 0x100000005")) {
            List<FilterWarning> w = warnings(filter);
            assertThat(w.stream().map(FilterWarning::kind).toList()).contains(Kind.DRIVER_REFUSES);
            assertThat(w.get(w.size() - 1).message()).contains("WinDivertOpen fails");
        }
        StringBuilder ors = new StringBuilder("tcp.DstPort == 0");
        for (int k = 1; k < 256; k++) {
            ors.append(" or tcp.DstPort == ").append(k);
        }
        assertThat(kinds(ors.toString())).containsExactly(Kind.DRIVER_REFUSES);
        assertThat(FilterCompiler.compile("@WinDiv_WX_2dWWb200WAX", Layer.FLOW).warnings().get(0).kind())
                .isEqualTo(Kind.DRIVER_REFUSES);
        assertThat(kinds("ip.TOS == 255 and event == PACKET")).isEmpty();
    }

    @Test
    void ordinaryFiltersAreSilent() throws FilterException {
        assertThat(warnings("outbound and tcp.DstPort == 80 or udp.DstPort == 53 and not icmp"))
                .isEmpty();
        assertThat(warnings("(tcp ? tcp.Payload[0] == 0x47 : ip.DstAddr == 8.8.8.8)")).isEmpty();
        assertThat(FilterCompiler.compile("@WinDiv_WX_eXWWAX", Layer.NETWORK).warnings()).isEmpty();
    }
}
