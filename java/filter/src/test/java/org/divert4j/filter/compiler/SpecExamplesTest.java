package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.divert4j.abi.Layer;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Every example of docs/spec/filter-language.md §11.3/§11.4 and docs/spec/filter-object.md b.7/d.6. */
class SpecExamplesTest {

    private static FilterException error(String filter, Layer layer) {
        return assertThrows(FilterException.class, () -> FilterCompiler.compile(filter, layer),
                filter);
    }

    private static void assertError(String filter, int layer, int position, FilterError code) {
        FilterException e = error(filter, Layer.of(layer));
        assertWithMessage(filter + ": " + e.getMessage()).that(e.error()).isEqualTo(code);
        assertWithMessage(filter + ": " + e.getMessage()).that(e.position()).isEqualTo(position);
    }

    @ParameterizedTest(name = "[{0}] {1} -> {2} {3}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "0|''|0|PARSE_ERROR",
        "0|'   '|3|PARSE_ERROR",
        "0|tcp and|7|PARSE_ERROR",
        "0|tcp udp|4|PARSE_ERROR",
        "0|tcp.DstPort == 80 80|18|PARSE_ERROR",
        "0|tcp)|3|PARSE_ERROR",
        "0|(tcp|4|PARSE_ERROR",
        "0|tcp ? udp : icmp|4|PARSE_ERROR",
        "0|(tcp ? udp)|10|PARSE_ERROR",
        "0|not (tcp)|4|PARSE_ERROR",
        "0|tcp.DstPort == tcp|15|PARSE_ERROR",
        "0|tcp.DstPort ==|14|PARSE_ERROR",
        "0|tcp.DstPort == --5|16|PARSE_ERROR",
        "0|TCP|0|PARSE_ERROR",
        "0|Tcp|0|BAD_TOKEN",
        "0|tcp AND udp|4|BAD_TOKEN",
        "0|tcp # udp|5|BAD_TOKEN",
        "0|tcp & udp|5|BAD_TOKEN",
        "0|foo|0|BAD_TOKEN",
        "0|(tcp ? foo: udp)|6|BAD_TOKEN",
        "0|tcp.DstPort == 0X50|15|BAD_TOKEN",
        "0|tcp.DstPort == 12ab|15|BAD_TOKEN",
        "0|tcp.DstPort == 340282366920938463463374607431768211456|15|BAD_TOKEN",
        "0|tcp.DstPort == 0000000000000000000000000000000000000001|15|BAD_TOKEN",
        "0|ip.SrcAddr == 1.2.3.256|14|BAD_TOKEN",
        "0|ipv6.SrcAddr == 1::2::3|16|BAD_TOKEN",
        "0|ipv6.SrcAddr == 1:2:3:4:5:6:7|16|BAD_TOKEN",
        "0|ipv6.SrcAddr == 1::1.2.3.4|16|BAD_TOKEN",
        "2|ifIdx == 1|0|BAD_TOKEN_FOR_LAYER",
        "2|(true? ifIdx: udp)|6|BAD_TOKEN_FOR_LAYER",
        "0|processId == 1|0|BAD_TOKEN_FOR_LAYER",
        "0|event == CLOSE|9|PARSE_ERROR",
        "3|event == ESTABLISHED|9|PARSE_ERROR",
        "0|packet[65535] == 1|12|INDEX_OUT_OF_BOUNDS",
        "0|packet32[16384] == 1|14|INDEX_OUT_OF_BOUNDS",
        "0|packet[70000] == 1|7|INDEX_OUT_OF_BOUNDS",
        "0|(packet[70000] == 1)|8|PARSE_ERROR",
        "0|packet[-0] == 1|9|INDEX_OUT_OF_BOUNDS",
        "0|packet32[-3b] == 1|12|INDEX_OUT_OF_BOUNDS",
        "0|packet[1] == 1 and packet|25|PARSE_ERROR",
        "0|tcp.DstPort == 80b|0|PARSE_ERROR",
        "0|packet[b] == 1|8|PARSE_ERROR",
        "0|@WinDiv_WX_eXWWL0XX|0|INVALID_OBJECT",
        "0|' @WinDiv_WX_eXWWAX'|2|BAD_TOKEN",
    })
    void compileErrors(int layer, String filter, int position, FilterError code) {
        assertError(filter, layer, position, code);
    }

    @Test
    void errorsSayWhatWasExpected() {
        assertThat(error("tcp.DstPort ==", Layer.NETWORK).detail()).isEqualTo("unexpected end of filter; expected a number");
        assertThat(error("(tcp ? udp)", Layer.NETWORK).detail()).isEqualTo("unexpected ')'; expected ':'");
        assertThat(error("not (tcp)", Layer.NETWORK).detail()).isEqualTo("unexpected '('; expected a field or an array field");
        assertThat(error("tcp.DstPort == 80b", Layer.NETWORK).detail()).startsWith("unexpected 'b' suffix at offset 17");
        assertThat(error("(packet[70000] == 1)", Layer.NETWORK).detail()).contains("index 70000 is larger than 65575");
        assertThat(error("packet[-0] == 1", Layer.NETWORK).detail()).contains("byte offset -0 must lie in -65535..-1");
        assertThat(error("event == CLOSE", Layer.NETWORK).detail()).contains("macro not defined for this layer");
    }

    @Test
    void aLoneBarConsumesTheEnd() {
        assertError("tcp |", 0, 5, FilterError.BAD_TOKEN);
    }

    @Test
    void nestingAndLengthLimits() {
        String open = "(".repeat(341);
        String close = ")".repeat(341);
        assertError(open + "tcp" + close, 0, 341, FilterError.PARSE_ERROR);
        assertError(open + close, 0, 341, FilterError.TOO_DEEP);
        assertError("not ".repeat(1277) + "tcp", 0, 5111, FilterError.TOO_LONG);
        StringBuilder ors = new StringBuilder("tcp.DstPort == 0");
        for (int k = 1; k < 257; k++) {
            ors.append(" or tcp.DstPort == ").append(k);
        }
        assertError(ors.toString(), 0, 0, FilterError.TOO_LONG);
    }

    @Test
    void depthBudgetBoundaries() throws FilterException {
        FilterCompiler.compile("(".repeat(340) + "tcp" + ")".repeat(340), Layer.NETWORK);
        String inner = "tcp" + " or tcp".repeat(122);
        FilterCompiler.compile("(".repeat(300) + inner + ")".repeat(300), Layer.NETWORK);
        String tooMany = "tcp" + " or tcp".repeat(123);
        FilterException e = error("(".repeat(300) + tooMany + ")".repeat(300), Layer.NETWORK);
        assertThat(e.error()).isEqualTo(FilterError.PARSE_ERROR);
        // 1277 tokens compile; 1278 do not, even though only END follows.
        FilterCompiler.compile("not ".repeat(1276) + "tcp", Layer.NETWORK);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp.DstPort==80&&udp", "!tcp||udp", "tcp.DstPort = 80",
        "tcp.DstPort == 0x", "tcp.DstPort == - 5", "ip.SrcAddr == 01.002.0003.4",
        "ipv6.SrcAddr == ab::", "ipv6.SrcAddr == ::5:0:0:0:0:0:ffff:1.2.3.4",
        "ipv6.SrcAddr == 1:2:3:4:5:6:7:8:9", "tcp.DstPort == TCP", "tcp.DstPort == ::12ab",
        "packet16[0x10b] == 5", "packet16[0x10 b] == 5"})
    void lexicalAcceptance(String filter) throws FilterException {
        FilterCompiler.compile(filter, Layer.NETWORK);
    }

    @Test
    void acceptedLiteralValues() throws FilterException {
        assertThat(FilterCompiler.format("tcp.DstPort == 0x", Layer.NETWORK)).isEqualTo("tcp.DstPort = 0");
        assertThat(FilterCompiler.format("tcp.DstPort == - 5", Layer.NETWORK)).isEqualTo("not tcp");
        assertThat(FilterCompiler.format("ipv6.SrcAddr == ::5:0:0:0:0:0:ffff:1.2.3.4", Layer.NETWORK))
                .isEqualTo("ipv6.SrcAddr = 1.2.3.4");
        assertThat(FilterCompiler.format("ipv6.SrcAddr == 1:2:3:4:5:6:7:8:9", Layer.NETWORK))
                .isEqualTo("ipv6.SrcAddr = 1:2:3:4:5:6:7:8");
        assertThat(FilterCompiler.format("tcp.DstPort == TCP", Layer.NETWORK)).isEqualTo("tcp.DstPort = 6");
        assertThat(FilterCompiler.format("tcp.DstPort == ::12ab", Layer.NETWORK)).isEqualTo("tcp.DstPort = 4779");
        assertThat(FilterCompiler.format("packet16[0x10b] == 5", Layer.NETWORK)).isEqualTo("packet16[534b] = 0x5");
        assertThat(FilterCompiler.format("packet16[0x10 b] == 5", Layer.NETWORK)).isEqualTo("packet16[32b] = 0x5");
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "0|true|@WinDiv_WX_WWWWAA|true",
        "0|false|@WinDiv_WX_WWWWXX|false",
        "0|tcp|@WinDiv_WX_eXWWAX|tcp",
        "0|tcp.DstPort == 80 and outbound|@WinDiv_WY_1dWW2mLXX_YXWWAX|tcp.DstPort = 80 and outbound",
        "0|ip.SrcAddr == 10.0.0.1|@WinDiv_WX_rWW50000XAX|ip.SrcAddr = 10.0.0.1",
        "0|ipv6.DstAddr == ::1|@WinDiv_WX_zWWXWWWAX|ipv6.DstAddr = ::1",
        "0|packet32[-5b] == 0x33343536|@WinDiv_WX_2fWWPJ8D9s1VVwAX|packet32[-5b] = 0x33343536",
        "0|tcp.Payload[2] == 71|@WinDiv_WX_2gWW2d200XAX|tcp.Payload[2b] = 0x47",
        "0|timestamp >= -1|@WinDiv_WX_2nbXXWAX|timestamp >= -1",
        "0|tcp.DstPort == 80 or udp.DstPort == 53|@WinDiv_WY_1dWW2mALX_1sWW1rAX|tcp.DstPort = 80 or udp.DstPort = 53",
        "0|(tcp ? tcp.DstPort == 80 : udp.DstPort == 53)|@WinDiv_WZ_eXWWLXLY_1dWW2mAX_1sWW1rAX|(tcp? tcp.DstPort = 80: udp.DstPort = 53)",
        "0|not icmp and loopback|@WinDiv_WY_dWWWLXX_1wXWWAX|not icmp and loopback",
        "2|endpointId == 0x123456789|@WinDiv_WX_2YWWHKAPSfXAX|endpointId = 4886718345",
        "3|event == CONNECT|@WinDiv_WX_2cWWaAX|event = CONNECT",
        "0|localAddr == 1.2.3.4|@WinDiv_WX_1zWWG40Oa1VV=WWAX|localAddr = 1.2.3.4",
        "0|tcp and (true or udp)|@WinDiv_WY_eXWWAX_fXWWAX|tcp",
        "0|(false and udp) or tcp|@WinDiv_WX_eXWWAX|tcp",
        "4|priority < -5|@WinDiv_WX_2bYXbAX|priority < -5",
        "0|ip.TTL == 300|@WinDiv_WX_bWWWAX|not ip",
        "1|tcp.SrcPort <= 1023 and tcp.DstPort > 1023|@WinDiv_WY_1cZWV=LXX_1daWV=AX|tcp.SrcPort <= 1023 and tcp.DstPort > 1023",
        "3|processId == 1234 or processId == 5678|@WinDiv_WY_1yWW16oALX_1yWW5HkAX|processId = 1234 or processId = 5678",
        "0|udp.Payload16[-1] != 0x0001|@WinDiv_WX_2kXWX1VVzAX|udp.Payload16[-2b] != 0x1",
        "0|tcp.Syn and not tcp.Ack and tcp.DstPort == 443|@WinDiv_WZ_1lXWWLXX_1iWWWLYX_1dWWDxAX|tcp.Syn and not tcp.Ack and tcp.DstPort = 443",
        "0|packet[1 b] == 5|@WinDiv_WX_2dWWb200WAX|packet[1b] = 0x5",
        "0|ip.DstAddr == 4294967297.0.0.1|@WinDiv_WX_sWWG000XAX|ip.DstAddr = 1.0.0.1",
    })
    void objectExamples(int layer, String filter, String object, String formatted) throws FilterException {
        CompiledFilter f = FilterCompiler.compile(filter, Layer.of(layer), false);
        assertThat(f.object()).isEqualTo(object);
        assertThat(FilterCompiler.format(filter, Layer.of(layer))).isEqualTo(formatted);
        assertThat(FilterCompiler.format(object, Layer.of(layer))).isEqualTo(formatted);
        assertThat(FilterCompiler.compile(object, Layer.of(layer)).instructions())
                .isEqualTo(f.instructions());
    }

    @Test
    void twoHundredFiftySixInstructionsMakeTheCorruptObject() throws FilterException {
        StringBuilder ors = new StringBuilder("tcp.DstPort == 0");
        for (int k = 1; k < 256; k++) {
            ors.append(" or tcp.DstPort == ").append(k);
        }
        CompiledFilter f = FilterCompiler.compile(ors.toString(), Layer.NETWORK, false);
        assertThat(f.instructions()).hasSize(256);
        assertThat(f.object()).isEqualTo("@WinDiv_WW");
        assertThat(FilterCompiler.format(ors.toString(), Layer.NETWORK))
                .startsWith("tcp.DstPort = 0 or tcp.DstPort = 1 or ");
    }

    @ParameterizedTest(name = "[{0}] {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "0|tcp.DstPort == 80 and (udp or icmp)|tcp.DstPort = 80 and (udp or icmp)",
        "0|(tcp or udp) and icmp or ip and ipv6|((tcp or udp) and icmp) or (ip and ipv6)",
        "0|tcp or (udp and ip)|tcp or (udp and ip)",
        "0|(tcp ? udp : false)|tcp and udp",
        "0|(tcp ? true : udp)|tcp or udp",
        "0|(tcp ? false : udp)|(tcp? false: udp)",
        "0|(tcp ? udp : true)|(tcp? udp: true)",
        "0|(tcp ? (udp ? icmp : ip) : ipv6)|(tcp? (udp? icmp: ip): ipv6)",
        "0|tcp.Syn == 1|tcp.Syn",
        "0|tcp.Syn != 1|not tcp.Syn",
        "0|loopback == 2|loopback = 2",
        "0|packet32[0] == -5|packet32[0b] = 0x5",
        "0|event == 5|event = 5",
        "3|event != 7|event != CLOSE",
        "4|layer != 2|layer != FLOW",
        "0|ip.Id == 5|ip.Id = 0x5",
        "0|icmp.Checksum < 0|not icmp",
        "0|tcp.SeqNum == 0x100000005|tcp.SeqNum = 4294967301",
        "0|ipv6.SrcAddr == 1:0:0:1:0:0:1:1|ipv6.SrcAddr = 1::1:0:0:1:1",
        "2|@WinDiv_WX_2dWWb200WAX|packet[1b] = 0x5",
    })
    void formatExamples(int layer, String filter, String formatted) throws FilterException {
        assertThat(FilterCompiler.format(filter, Layer.of(layer))).isEqualTo(formatted);
    }

    @Test
    void formatOfABadFilterFails() {
        assertThrows(FilterException.class, () -> FilterCompiler.format("not (tcp)", Layer.NETWORK));
    }
}
