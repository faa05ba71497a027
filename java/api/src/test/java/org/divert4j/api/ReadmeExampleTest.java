package org.divert4j.api;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.packet.Hex;
import org.divert4j.packet.Packet;
import org.junit.jupiter.api.Test;

/** The README's capture-modify-reinject loop, verbatim, against the scripted driver. */
class ReadmeExampleTest {

    @Test
    void readmeLoopRewritesThePortAndReinjectsWithValidChecksums() {
        FakeTransport fake = new FakeTransport();
        byte[] syn = Hex.decode("45000028000040004006000a0a0000015db8d82204d2005000000001000000005002200000000000");
        Packet.wrap(syn).recalculateChecksums(0);
        Address out = new Address(1, Layer.NETWORK, 0, false, true, false, false, false, true, true, true,
                new LayerData.Network(4, 0));
        fake.then(FakeTransport.handshake(Abi.MAGIC_SYS, 2)).then(FakeTransport.ok(0))
                .then(call -> call.deliver(List.of(syn), List.of(out)))
                .then(call -> org.divert4j.api.spi.IoResult.success(call.dataIn.length))
                .then(FakeTransport.error(232));
        DivertHandle.Builder builder = DivertHandle.builder().transport(fake);

        // ---- README begins (builder: DivertHandle.builder() there) ----
        try (DivertHandle h = builder.filter("outbound and tcp.DstPort == 80").open()) {
            for (DivertPacket p : h) {                                   // ends on shutdown or close
                Packet pkt = p.packet();                                 // its view, no copy
                pkt.tcp().ifPresent(tcp -> tcp.setDstPort(8080));        // modify in place
                h.send(p);                                               // reinject, checksums fixed
            }
        }
        // ---- README ends ----

        byte[] sent = fake.calls.get(3).dataIn;
        assertThat(Packet.wrap(sent).tcp().orElseThrow().dstPort()).isEqualTo(8080);
        assertThat(Packet.wrap(sent).checksumsValid()).isTrue();
        assertThat(fake.closed).isTrue();
    }
}
