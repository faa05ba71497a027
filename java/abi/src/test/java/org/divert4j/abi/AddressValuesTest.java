package org.divert4j.abi;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class AddressValuesTest {

    @Test
    void u128WordsBytesAndOrder() {
        U128 v = U128.fromWords(0x01020304, 0xFFFF, 0, 0);
        assertThat(v).isEqualTo(U128.ipv4Mapped(0x01020304));
        assertThat(v.isIpv4Mapped()).isTrue();
        assertThat(v.word(0)).isEqualTo(0x01020304);
        assertThat(v.word(1)).isEqualTo(0xFFFF);
        U128 loopback6 = U128.fromBytes(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 0);
        assertThat(loopback6).isEqualTo(U128.of(1));
        U128 max = new U128(-1, -1);
        assertThat(max.toBigInteger()).isEqualTo(BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE));
        assertThat(U128.of(max.toBigInteger())).isEqualTo(max);
        assertThat(U128.fromBytes(max.toBytes(), 0)).isEqualTo(max);
        assertThat(max.compareTo(U128.of(1))).isGreaterThan(0);
        assertThat(new U128(1, 0).compareTo(new U128(0, -1))).isGreaterThan(0);
        assertThrows(IllegalArgumentException.class, () -> U128.of(BigInteger.ONE.shiftLeft(128)));
    }

    @Test
    void addressDataMustFitTheLayer() {
        Address a = Address.network(true, false);
        assertThat(a.network().ifIdx()).isEqualTo(0);
        assertThat(a.outbound()).isTrue();
        assertThrows(IllegalStateException.class, a::endpoint);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Address(0, Layer.FLOW, 1, true, false, false, false, false, false, false, false,
                        LayerData.Network.NONE));
        assertThat(e).hasMessageThat().contains("FLOW");
        assertThrows(IllegalArgumentException.class,
                () -> new LayerData.Endpoint(0, 0, 0, U128.ZERO, U128.ZERO, 70000, 0, 6));
    }
}
