package org.divert4j.vectors;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.U128;
import org.divert4j.filter.eval.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The vector-line model of docs/spec/README.md §2. */
class VectorCaseTest {

    @Test
    void networkCaseDefaultsIpv6FromThePacket() {
        VectorCase c = VectorCase.parse("{\"name\":\"n\",\"filter\":\"tcp\",\"packet\":\"60" + "00".repeat(39)
                + "\",\"addr\":{\"outbound\":true,\"ifIdx\":4294967295,\"timestamp\":-5},\"expect\":\"nomatch\"}");
        assertThat(c.layer()).isEqualTo(Layer.NETWORK);
        Address a = c.address();
        assertThat(a.ipv6()).isTrue();
        assertThat(a.outbound()).isTrue();
        assertThat(a.timestamp()).isEqualTo(-5);
        assertThat(a.network().ifIdx()).isEqualTo(-1);
        assertThat(c.expect()).isEqualTo(Outcome.NOMATCH);
        assertThat(c.packet()).hasLength(40);
        VectorCase v4 = VectorCase.parse("{\"filter\":\"tcp\",\"packet\":\"45\",\"addr\":{}}");
        assertThat(v4.address().ipv6()).isFalse();
        VectorCase forced = VectorCase.parse("{\"filter\":\"tcp\",\"packet\":\"45\",\"addr\":{\"ipv6\":true}}");
        assertThat(forced.address().ipv6()).isTrue();
    }

    @Test
    void endpointAndReflectCases() {
        VectorCase c = VectorCase.parse("{\"layer\":\"SOCKET\",\"filter\":\"tcp\",\"addr\":{\"localAddr\":\"127.0.0.1\","
                + "\"remoteAddr\":\"2001:db8::1\",\"localPort\":51000,\"protocol\":6,\"endpointId\":18446744073709551615,"
                + "\"event\":4},\"expect\":\"match\",\"tags\":[\"t\"]}");
        assertThat(c.address().endpoint().localAddr()).isEqualTo(U128.ipv4Mapped(0x7F000001));
        assertThat(c.address().endpoint().remoteAddr()).isEqualTo(new U128(0x20010db800000000L, 1));
        assertThat(c.address().endpoint().endpointId()).isEqualTo(-1L);
        assertThat(c.address().event()).isEqualTo(4);
        assertThat(c.address().ipv6()).isFalse();
        assertThat(c.packet()).isNull();
        assertThat(c.tags()).containsExactly("t");
        VectorCase r = VectorCase.parse("{\"layer\":\"REFLECT\",\"filter\":\"true\",\"addr\":{\"reflectLayer\":3,"
                + "\"reflectPriority\":-1,\"processId\":4,\"event\":8}}");
        assertThat(r.address().reflect().layer()).isEqualTo(Layer.SOCKET);
        assertThat(r.address().reflect().priority()).isEqualTo((short) -1);
        assertThat(r.expect()).isNull();
    }

    @Test
    void syntaxCases() {
        VectorCase ok = VectorCase.parse("{\"name\":\"s\",\"layer\":\"FLOW\",\"filter\":\"tcp\",\"accept\":true,"
                + "\"object\":\"@WinDiv_WX_eXWWAX\"}");
        assertThat(ok.accept()).isTrue();
        assertThat(ok.object()).isEqualTo("@WinDiv_WX_eXWWAX");
        assertThat(ok.errorPos()).isEqualTo(-1);
        VectorCase bad = VectorCase.parse("{\"filter\":\"tcp ==\",\"accept\":false,\"errorPos\":6,\"error\":\"E\"}");
        assertThat(bad.accept()).isFalse();
        assertThat(bad.errorPos()).isEqualTo(6L);
        assertThat(bad.error()).isEqualTo("E");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "[]",
        "{\"addr\":{}}",
        "{\"filter\":\"x\",\"bogus\":1}",
        "{\"filter\":\"x\",\"layer\":\"NOPE\"}",
        "{\"filter\":\"x\",\"addr\":{\"processId\":1}}",
        "{\"filter\":\"x\",\"layer\":\"FLOW\",\"addr\":{\"ifIdx\":1}}",
        "{\"filter\":\"x\",\"addr\":{\"ifIdx\":4294967296}}",
        "{\"filter\":\"x\",\"addr\":{\"ifIdx\":1.5}}",
        "{\"filter\":\"x\",\"addr\":{\"ifIdx\":1-2}}",
        "{\"filter\":\"x\",\"addr\":[]}",
        "{\"filter\":\"x\",\"tags\":\"random\"}",
        "{\"filter\":\"x\",\"addr\":{\"outbound\":1}}",
        "{\"filter\":\"x\",\"layer\":\"FLOW\",\"addr\":{\"localAddr\":\"1.2.3\"}}",
        "{\"filter\":\"x\",\"packet\":\"4g\"}",
        "{\"filter\":\"x\",\"expect\":\"maybe\"}",
        "{\"filter\":\"x\",\"layer\":\"REFLECT\",\"addr\":{\"reflectLayer\":5}}",
    })
    void badLinesSayWhy(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorCase.parse(line));
        assertThat(e.getMessage()).isNotEmpty();
    }
}
