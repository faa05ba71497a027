package org.divert4j.api;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.junit.jupiter.api.Test;

/** Where the packet and its address meet: direction, loopback, impostor and interface accessors. */
class DivertPacketTest {
    /** docs/spec/filter-language.md §11.1 sample P2, a TCP segment with data. */
    private static final byte[] P2 = HexFormat.of().parseHex("45000046482d40004006a8410a0a0a0a5db8d877a31a0050"
            + "5338ccc25637b35580180073000000000101080a002c851b1b7f3a71474554202f20485454502f312e310d0a0d0a");

    private static Address network(boolean outbound, boolean loopback, boolean impostor, int ifIdx, int subIfIdx) {
        return new Address(0, Layer.NETWORK, Event.NETWORK_PACKET.value(), false, outbound, loopback, impostor,
                false, false, false, false, new LayerData.Network(ifIdx, subIfIdx));
    }

    @Test
    void addressFlagsAndInterfaces() {
        DivertPacket out = new DivertPacket(P2.clone(), network(true, false, true, 7, 3));
        assertThat(out.isOutbound()).isTrue();
        assertThat(out.isInbound()).isFalse();
        assertThat(out.isLoopback()).isFalse();
        assertThat(out.isImpostor()).isTrue();
        assertThat(out.interfaceIndex()).isEqualTo(7);
        assertThat(out.subInterfaceIndex()).isEqualTo(3);

        DivertPacket in = new DivertPacket(P2.clone(), network(false, true, false, -1, 0));
        assertThat(in.isOutbound()).isFalse();
        assertThat(in.isInbound()).isTrue();
        assertThat(in.isLoopback()).isTrue();
        assertThat(in.isImpostor()).isFalse();
        assertThat(Integer.toUnsignedLong(in.interfaceIndex())).isEqualTo(0xFFFFFFFFL);
        assertThat(in.packet().toString()).startsWith("IP 10.10.10.10.41754 > 93.184.216.119.80: Flags [P.]");
    }

    @Test
    void interfaceOfANonNetworkEventIsRefused() {
        Address flow = new Address(0, Layer.FLOW, Event.FLOW_ESTABLISHED.value(), true, true, false, false, false,
                false, false, false, LayerData.Endpoint.NONE);
        DivertPacket event = new DivertPacket(new byte[0], flow);
        assertThat(event.isOutbound()).isTrue();
        IllegalStateException e = assertThrows(IllegalStateException.class, event::interfaceIndex);
        assertThat(e).hasMessageThat().contains("FLOW");
    }
}
