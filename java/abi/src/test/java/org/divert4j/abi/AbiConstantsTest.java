package org.divert4j.abi;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Pins the Java constants to the numbers of docs/spec/device-abi.md. */
class AbiConstantsTest {

    @Test
    void ioctlCodesMatchTheSpecTable() {
        assertThat(Ioctl.INITIALIZE.code()).isEqualTo(0x0012E486);
        assertThat(Ioctl.STARTUP.code()).isEqualTo(0x0012E489);
        assertThat(Ioctl.RECV.code()).isEqualTo(0x0012648E);
        assertThat(Ioctl.SEND.code()).isEqualTo(0x0012E491);
        assertThat(Ioctl.SET_PARAM.code()).isEqualTo(0x0012E495);
        assertThat(Ioctl.GET_PARAM.code()).isEqualTo(0x0012649A);
        assertThat(Ioctl.SHUTDOWN.code()).isEqualTo(0x0012E49D);
        assertThat(Ioctl.RECV.code()).isEqualTo(1205390);
    }

    @Test
    void layersAndEventsHaveTheirWireValues() {
        assertThat(Layer.of(0)).isEqualTo(Layer.NETWORK);
        assertThat(Layer.REFLECT.value()).isEqualTo(4);
        assertThat(Layer.parse("forward")).isEqualTo(Layer.NETWORK_FORWARD);
        assertThat(Layer.parse("network_forward")).isEqualTo(Layer.NETWORK_FORWARD);
        assertThrows(IllegalArgumentException.class, () -> Layer.of(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Layer.parse("ip"));
        assertThat(e).hasMessageThat().contains("NETWORK_FORWARD");

        assertThat(Event.of(7)).isEqualTo(Event.SOCKET_CLOSE);
        assertThat(Event.REFLECT_CLOSE.value()).isEqualTo(9);
        assertThat(Event.NETWORK_PACKET.validFor(Layer.NETWORK_FORWARD)).isTrue();
        assertThat(Event.FLOW_DELETED.validFor(Layer.FLOW)).isTrue();
        assertThat(Event.FLOW_DELETED.validFor(Layer.SOCKET)).isFalse();
        assertThrows(IllegalArgumentException.class, () -> Event.of(10));
    }

    @Test
    void openFlagBitsAndValidity() {
        assertThat(OpenFlag.toBits(EnumSet.of(OpenFlag.SNIFF, OpenFlag.RECV_ONLY))).isEqualTo(0x05);
        assertThat(OpenFlag.FRAGMENTS.bit()).isEqualTo(0x20);
        assertThat(OpenFlag.fromBits(0x18)).containsExactly(OpenFlag.SEND_ONLY, OpenFlag.NO_INSTALL);
        assertThrows(IllegalArgumentException.class, () -> OpenFlag.fromBits(0x40));

        assertThat(OpenFlag.problem(0, Layer.NETWORK)).isNull();
        assertThat(OpenFlag.problem(0x03, Layer.NETWORK)).contains("SNIFF and DROP");
        assertThat(OpenFlag.problem(0x0C, Layer.NETWORK)).contains("RECV_ONLY and SEND_ONLY");
        assertThat(OpenFlag.problem(0x04, Layer.FLOW)).contains("SNIFF and RECV_ONLY");
        assertThat(OpenFlag.problem(0x05, Layer.REFLECT)).isNull();
        assertThat(OpenFlag.problem(0x01, Layer.SOCKET)).contains("RECV_ONLY");
        assertThat(OpenFlag.problem(0x04, Layer.SOCKET)).isNull();
        assertThat(OpenFlag.problem(0x80, Layer.NETWORK)).contains("undefined");
    }

    @Test
    void paramsHaveTheSpecRanges() {
        assertThat(Param.of(0)).isEqualTo(Param.QUEUE_LENGTH);
        assertThat(Param.QUEUE_LENGTH.defaultValue()).isEqualTo(4096);
        assertThat(Param.QUEUE_TIME.min()).isEqualTo(100);
        assertThat(Param.QUEUE_TIME.max()).isEqualTo(16000);
        assertThat(Param.QUEUE_SIZE.defaultValue()).isEqualTo(4194304);
        assertThat(Param.QUEUE_SIZE.max()).isEqualTo(33554432);
        assertThat(Param.VERSION_MINOR.id()).isEqualTo(4);
        assertThat(Param.VERSION_MAJOR.settable()).isFalse();
        assertThrows(IllegalArgumentException.class, () -> Param.of(5));
    }

    @Test
    void shutdownFilterFlagsAndSizes() {
        assertThat(Shutdown.BOTH.value()).isEqualTo(3);
        long all = 0;
        for (FilterFlag f : FilterFlag.values()) {
            all |= f.bit();
        }
        assertThat(all).isEqualTo(FilterFlag.ALL);
        assertThat(FilterFlag.EVENT_SOCKET_CONNECT.bit()).isEqualTo(0x400);
        assertThat(Abi.ADDRESS_SIZE).isEqualTo(80);
        assertThat(Abi.MTU_MAX).isEqualTo(65575);
        // "$WdivDLL" read as a little-endian u64.
        long dll = 0;
        byte[] text = "$WdivDLL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 7; i >= 0; i--) {
            dll = dll << 8 | (text[i] & 0xFF);
        }
        assertThat(dll).isEqualTo(Abi.MAGIC_DLL);
    }
}
