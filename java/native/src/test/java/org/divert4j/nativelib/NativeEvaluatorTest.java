package org.divert4j.nativelib;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.Outcome;
import org.divert4j.filter.eval.Verdict;
import org.junit.jupiter.api.Test;

/** The C core's evaluator through JNA, on programs from the Java compiler (docs/spec/filter-language.md §11.2). */
class NativeEvaluatorTest {
    /** P1 of docs/spec/filter-language.md §11.1: IPv4 ICMP echo 10.0.0.1 -> 8.8.8.8. */
    private static final byte[] P1 = HexFormat.of().parseHex("4500003c1234400040010e7d0a00000108080808080000000d560001"
            + "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    /** P2: IPv4 TCP 10.10.10.10:41754 -> 93.184.216.119:80 with an HTTP GET. */
    private static final byte[] P2 = HexFormat.of().parseHex("45000046482d40004006a8410a0a0a0a5db8d877a31a00505338ccc2"
            + "5637b35580180073000000000101080a002c851b1b7f3a71474554202f20485454502f312e310d0a0d0a");

    /** An 80-byte address record: timestamp, layer, flags (bit 17 outbound, 20 IPv6), then data words. */
    private static byte[] address(Layer layer, long timestamp, boolean outbound, boolean ipv6, int... dataWords) {
        ByteBuffer b = ByteBuffer.allocate(80).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(timestamp).putInt(layer.value() | (outbound ? 1 << 17 : 0) | (ipv6 ? 1 << 20 : 0)).putInt(0);
        for (int w : dataWords) {
            b.putInt(w);
        }
        return b.array();
    }

    private static Verdict eval(String filter, Layer layer, byte[] packet, byte[] address) throws FilterException {
        List<Instruction> program = FilterCompiler.compile(filter, layer).instructions();
        return NativeEvaluator.evaluate(program, layer, packet, address);
    }

    @Test
    void networkExamples() throws FilterException {
        byte[] out = address(Layer.NETWORK, 0, true, false);
        byte[] in = address(Layer.NETWORK, 0, false, false);
        assertThat(eval("outbound and tcp.DstPort == 80", Layer.NETWORK, P2, out)).isEqualTo(Verdict.MATCH);
        assertThat(eval("outbound and tcp.DstPort == 80", Layer.NETWORK, P2, in)).isEqualTo(Verdict.NOMATCH);
        assertThat(eval("tcp.Payload32[0] == 0x47455420", Layer.NETWORK, P2, out)).isEqualTo(Verdict.MATCH);
        assertThat(eval("not tcp.DstPort == 80", Layer.NETWORK, P1, out)).isEqualTo(Verdict.NOMATCH);
        assertThat(eval("packet32[-5b] == 0x3b3c3d3e", Layer.NETWORK, P1, out)).isEqualTo(Verdict.MATCH);
        assertThat(eval("localPort == 0 and remotePort == 8", Layer.NETWORK, P1, in)).isEqualTo(Verdict.MATCH);
        assertThat(eval("tcp.DstPort == 80", Layer.NETWORK_FORWARD, P2, in)).isEqualTo(Verdict.MATCH);
    }

    @Test
    void randomFieldsUseTheTimestampAsHashSeed() throws FilterException {
        String f = "random8 == 232 and random16 == 5620 and random32 == 3087206173";
        assertThat(eval(f, Layer.NETWORK, P1, address(Layer.NETWORK, 12345, false, false))).isEqualTo(Verdict.MATCH);
        assertThat(eval(f, Layer.NETWORK, P1, address(Layer.NETWORK, 12346, false, false)))
                .isEqualTo(Verdict.NOMATCH);
    }

    @Test
    void endpointAndReflectLayers() throws FilterException {
        // FLOW data: EndpointId (2 words), ParentEndpointId (2 words), ProcessId
        byte[] flow = address(Layer.FLOW, 0, false, false, 0, 0, 0, 0, 1234);
        assertThat(eval("processId == 1234 and not ip and not ipv6", Layer.FLOW, null, flow))
                .isEqualTo(Verdict.MATCH);
        assertThat(eval("processId == 1235", Layer.FLOW, null, flow)).isEqualTo(Verdict.NOMATCH);
        // REFLECT data: Timestamp (2 words), ProcessId, Layer, Flags (2 words), Priority
        byte[] reflect = address(Layer.REFLECT, 0, false, false, 0, 0, 0, 2, 5, 0, 0xFFFF & -6);
        assertThat(eval("priority < -5 and layer == FLOW", Layer.REFLECT, null, reflect)).isEqualTo(Verdict.MATCH);
        assertThat(eval("priority < -6", Layer.REFLECT, P1, reflect)).isEqualTo(Verdict.NOMATCH);
    }

    @Test
    void entryErrorsSayWhy() throws FilterException {
        Verdict v = eval("tcp", Layer.NETWORK, P1, address(Layer.NETWORK, 0, false, true));
        assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(v.message()).contains("IPv6 flag");
        v = eval("tcp", Layer.NETWORK, new byte[19], address(Layer.NETWORK, 0, false, false));
        assertThat(v.message()).contains("not a valid IPv4 or IPv6 packet");
        v = eval("tcp", Layer.NETWORK, null, address(Layer.NETWORK, 0, false, false));
        assertThat(v.message()).contains("needs a packet");
        v = eval("tcp", Layer.SOCKET, P1, address(Layer.SOCKET, 0, false, false));
        assertThat(v.message()).contains("carry no packet");
    }

    @Test
    void objectsLoadWithoutLayerChecksAndFailWhenTheIllegalFieldRuns() throws FilterException {
        // packet[1b] == 5, decoded for FLOW without a layer check (docs/spec/filter-object.md d.6)
        Verdict v = eval("@WinDiv_WX_2dWWb200WAX", Layer.FLOW, null, address(Layer.FLOW, 0, false, false));
        assertThat(v.outcome()).isEqualTo(Outcome.ERROR);
        assertThat(v.message()).contains("not legal at layer FLOW");
    }

    @Test
    void malformedProgramsAreRefusedNotRun() {
        byte[] addr = address(Layer.NETWORK, 0, false, false);
        Instruction backwards = new Instruction(0, 0, 0, 0, false, 0, 0, 0, 0);
        Verdict v = NativeEvaluator.evaluate(List.of(backwards), Layer.NETWORK, P1, addr);
        assertThat(v.message()).contains("does not load");
        assertThat(NativeEvaluator.evaluate(List.of(), Layer.NETWORK, P1, addr).outcome()).isEqualTo(Outcome.ERROR);
        assertThrows(IllegalArgumentException.class,
                () -> NativeEvaluator.evaluate(List.of(backwards), Layer.NETWORK, P1, new byte[79]));
    }
}
