package org.divert4j.filter.eval;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Event;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.object.FilterObject;
import org.divert4j.packet.Hex;
import org.junit.jupiter.api.Test;

/**
 * The evaluator on hand-built programs over the sample packets of docs/spec/filter-language.md §11.1:
 * the value model, relevance, quirks and the entry-point checks, independent of the compiler.
 */
class FilterEvaluatorTest {
    static final byte[] P1 = Hex.decode("4500003c1234400040010e7d0a00000108080808080000000d560001202122232425262728"
            + "292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f");
    static final byte[] P2 = Hex.decode("45000046482d40004006a8410a0a0a0a5db8d877a31a00505338ccc25637b355801800730000"
            + "00000101080a002c851b1b7f3a71474554202f20485454502f312e310d0a0d0a");
    static final byte[] P3 = Hex.decode("450000392090000049113b180a00000108080404e045003500250000170801000001000000"
            + "000000076578616d706c6503636f6d0000010001");
    static final byte[] P4 = Hex.decode("600123450028064020010db80000000000000000aabbccdd0000000000000000000000000000"
            + "0001c37e0017e1d7c8aa00000000a002aaaa000000000204ffc40402080affff91860000000001030307");
    static final byte[] P8 = Hex.decode("450000341234000140014e840a00000108080808404142434445464748494a4b4c4d4e4f50"
            + "5152535455565758595a5b5c5d5e5f");
    static final byte[] P11 = Hex.decode("6000000500000640" + "00".repeat(32));

    private static final int A = Instruction.ACCEPT;
    private static final int X = Instruction.REJECT;

    /** A one-test program: field test constant (sign, 128-bit magnitude). */
    private static List<Instruction> test(Field f, Comparison c, boolean neg, int arg0, int arg1, int arg2,
            int arg3) {
        return List.of(new Instruction(f.id(), c.id(), A, X, neg, arg0, arg1, arg2, arg3));
    }

    private static List<Instruction> test(Field f, Comparison c, long value) {
        return test(f, c, value < 0, (int) Math.abs(value), (int) (Math.abs(value) >>> 32), 0, 0);
    }

    private static List<Instruction> array(Field f, int index, int value) {
        return test(f, Comparison.EQ, false, value, index, 0, 0);
    }

    private static Address outbound(byte[] packet) {
        return Address.network(true, (packet[0] & 0xF0) == 0x60);
    }

    private static Address inbound(byte[] packet) {
        return Address.network(false, (packet[0] & 0xF0) == 0x60);
    }

    private static Address withTimestamp(long ts) {
        return new Address(ts, Layer.NETWORK, 0, false, true, false, false, false, false, false, false,
                LayerData.Network.NONE);
    }

    private static boolean eval(List<Instruction> p, byte[] packet, Address a) throws FilterEvaluationException {
        return FilterEvaluator.evaluate(p, packet, a);
    }

    @Test
    void headerFieldsOfTheSamplePackets() throws FilterEvaluationException {
        assertThat(eval(test(Field.TCP_DSTPORT, Comparison.EQ, 80), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_HDRLENGTH, Comparison.EQ, 8), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_PAYLOADLENGTH, Comparison.EQ, 18), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_PSH, Comparison.EQ, 1), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_SYN, Comparison.EQ, 0), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.IP_TTL, Comparison.EQ, 73), P3, outbound(P3))).isTrue();
        assertThat(eval(test(Field.UDP_PAYLOADLENGTH, Comparison.EQ, 29), P3, outbound(P3))).isTrue();
        assertThat(eval(test(Field.IP_DF, Comparison.EQ, 1), P1, outbound(P1))).isTrue();
        assertThat(eval(test(Field.ICMP_BODY, Comparison.EQ, 0x0d560001), P1, outbound(P1))).isTrue();
        assertThat(eval(test(Field.IPV6_HOPLIMIT, Comparison.EQ, 64), P4, outbound(P4))).isTrue();
        assertThat(eval(test(Field.LENGTH, Comparison.EQ, 60), P1, outbound(P1))).isTrue();
        assertThat(eval(test(Field.IP_FRAGOFF, Comparison.EQ, 1), P8, outbound(P8))).isTrue();
        assertThat(eval(test(Field.PROTOCOL, Comparison.EQ, 1), P8, outbound(P8))).isTrue();
        assertThat(eval(test(Field.ICMP, Comparison.EQ, 0), P8, outbound(P8))).isTrue();
        assertThat(eval(test(Field.FRAGMENT, Comparison.EQ, 1), P8, outbound(P8))).isTrue();
    }

    @Test
    void irrelevantTestsAreFalseWhateverTheOperator() throws FilterEvaluationException {
        for (Comparison c : Comparison.values()) {
            assertThat(eval(test(Field.TCP_DSTPORT, c, 80), P1, outbound(P1))).isFalse();
            assertThat(eval(test(Field.IPV6_LENGTH, c, 0), P1, outbound(P1))).isFalse();
        }
        assertThat(eval(test(Field.TCP, Comparison.EQ, 0), P1, outbound(P1))).isTrue();
    }

    @Test
    void narrowFieldsCompareOnlyTheLowWord() throws FilterEvaluationException {
        assertThat(eval(test(Field.TCP_SEQNUM, Comparison.EQ, 0x15338ccc2L), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_SEQNUM, Comparison.LT, 0x100000000L), P2, outbound(P2))).isFalse();
        assertThat(eval(test(Field.TCP_SEQNUM, Comparison.GT, -5), P2, outbound(P2))).isTrue();
        assertThat(eval(test(Field.TCP_SEQNUM, Comparison.EQ, true, 0, 0, 0, 0), P2, outbound(P2))).isFalse();
    }

    @Test
    void wideFieldsCompareAll128Bits() throws FilterEvaluationException {
        assertThat(eval(test(Field.IP_DSTADDR, Comparison.EQ, 0xffff08080404L), P3, outbound(P3))).isTrue();
        assertThat(eval(test(Field.IP_DSTADDR, Comparison.EQ, 0x08080404L), P3, outbound(P3))).isFalse();
        assertThat(eval(test(Field.IP_DSTADDR, Comparison.EQ, false, 0x08080404, 0xFFFF, 1, 0), P3, outbound(P3)))
                .isFalse();
        // ipv6.SrcAddr == 2001:db8::aabb:ccdd
        assertThat(eval(test(Field.IPV6_SRCADDR, Comparison.EQ, false, 0xaabbccdd, 0, 0, 0x20010db8), P4,
                outbound(P4))).isTrue();
        assertThat(eval(test(Field.IPV6_SRCADDR, Comparison.GT, false, 0xaabbccdd, 0, 0, 0x20010db7), P4,
                outbound(P4))).isTrue();
    }

    @Test
    void signMagnitudeTimestamps() throws FilterEvaluationException {
        assertThat(eval(test(Field.TIMESTAMP, Comparison.EQ, -5), P1, withTimestamp(-5))).isTrue();
        assertThat(eval(test(Field.TIMESTAMP, Comparison.LT, -4), P1, withTimestamp(-5))).isTrue();
        assertThat(eval(test(Field.TIMESTAMP, Comparison.GT, -6), P1, withTimestamp(-5))).isTrue();
        assertThat(eval(test(Field.TIMESTAMP, Comparison.GT, true, 0, 0, 0, 0), P1, withTimestamp(0))).isTrue();
        // INT64_MIN has magnitude 2^63
        assertThat(eval(test(Field.TIMESTAMP, Comparison.EQ, true, 0, 0x80000000, 0, 0), P1,
                withTimestamp(Long.MIN_VALUE))).isTrue();
    }

    @Test
    void arrayWindowsWithSignedIndex() throws FilterEvaluationException {
        assertThat(eval(array(Field.PACKET, -1, 0x3f), P1, outbound(P1))).isTrue();
        assertThat(eval(array(Field.PACKET32, -5, 0x3b3c3d3e), P1, outbound(P1))).isTrue();
        assertThat(eval(array(Field.PACKET16, 2, 0x003c), P1, outbound(P1))).isTrue();
        assertThat(eval(array(Field.PACKET, 60, 0), P1, outbound(P1))).isFalse();
        assertThat(eval(test(Field.PACKET, Comparison.NEQ, false, 0, 60, 0, 0), P1, outbound(P1))).isFalse();
        assertThat(eval(array(Field.PACKET, -61, 0x45), P1, outbound(P1))).isFalse();
        assertThat(eval(array(Field.PACKET, -60, 0x45), P1, outbound(P1))).isTrue();
        assertThat(eval(array(Field.TCP_PAYLOAD32, 0, 0x47455420), P2, outbound(P2))).isTrue();
        assertThat(eval(array(Field.TCP_PAYLOAD, -1, 0x0a), P2, outbound(P2))).isTrue();
        assertThat(eval(array(Field.TCP_PAYLOAD, -19, 0x47), P2, outbound(P2))).isFalse();
        assertThat(eval(array(Field.UDP_PAYLOAD16, -2, 0x0001), P3, outbound(P3))).isTrue();
        assertThat(eval(array(Field.UDP_PAYLOAD, 0, 0x17), P2, outbound(P2))).isFalse();
        assertThat(eval(array(Field.PACKET32, Integer.MIN_VALUE, 0), P1, outbound(P1))).isFalse();
        assertThat(eval(array(Field.PACKET32, Integer.MAX_VALUE, 0), P1, outbound(P1))).isFalse();
    }

    @Test
    void directionalFields() throws FilterEvaluationException {
        // remoteAddr == 8.8.4.4 and remotePort == 53, outbound; inbound remote = source
        List<Instruction> remote = test(Field.REMOTEADDR, Comparison.EQ, 0xffff08080404L);
        assertThat(eval(remote, P3, outbound(P3))).isTrue();
        assertThat(eval(remote, P3, inbound(P3))).isFalse();
        assertThat(eval(test(Field.REMOTEPORT, Comparison.EQ, 53), P3, outbound(P3))).isTrue();
        assertThat(eval(test(Field.LOCALPORT, Comparison.EQ, 53), P3, inbound(P3))).isTrue();
        // ICMP: the type is the local port when outbound, the remote port when inbound
        assertThat(eval(test(Field.LOCALPORT, Comparison.EQ, 8), P1, outbound(P1))).isTrue();
        assertThat(eval(test(Field.REMOTEPORT, Comparison.EQ, 0), P1, outbound(P1))).isTrue();
        assertThat(eval(test(Field.REMOTEPORT, Comparison.EQ, 8), P1, inbound(P1))).isTrue();
        assertThat(eval(test(Field.LOCALPORT, Comparison.EQ, 0), P8, outbound(P8))).isTrue();
        assertThat(eval(test(Field.LOCALADDR, Comparison.EQ, false, 1, 0, 0, 0), P4, inbound(P4))).isTrue();
        assertThat(eval(test(Field.INBOUND, Comparison.EQ, 1), P1, inbound(P1))).isTrue();
    }

    @Test
    void flowLabelQuirk() throws FilterEvaluationException {
        assertThat(eval(test(Field.IPV6_FLOWLABEL, Comparison.EQ, 5), P11, inbound(P11))).isFalse();
        assertThat(eval(test(Field.IPV6_FLOWLABEL, Comparison.EQ, 0x50000), P11, inbound(P11))).isTrue();
        assertThat(eval(test(Field.IPV6_FLOWLABEL, Comparison.EQ, 0x12345), P4, outbound(P4))).isFalse();
        assertThat(eval(test(Field.IPV6_FLOWLABEL, Comparison.EQ, 0x23450100), P4, outbound(P4))).isTrue();
    }

    @Test
    void randomFieldsHashOncePerEvaluationSeededWithTheTimestamp() throws FilterEvaluationException {
        long[][] cases = {{0, 250, 51515, 2140372834L}, {12345, 232, 5620, 3087206173L},
            {-1, 94, 48159, 2786741144L}};
        for (long[] c : cases) {
            List<Instruction> p = List.of(
                    new Instruction(Field.RANDOM8.id(), 0, 1, X, false, (int) c[1], 0, 0, 0),
                    new Instruction(Field.RANDOM16.id(), 0, 2, X, false, (int) c[2], 0, 0, 0),
                    new Instruction(Field.RANDOM32.id(), 0, A, X, false, (int) c[3], 0, 0, 0));
            assertThat(eval(p, P1, withTimestamp(c[0]))).isTrue();
        }
    }

    @Test
    void endpointLayers() throws FilterEvaluationException {
        LayerData.Endpoint tcp6 = new LayerData.Endpoint(7, 3, 1234, U128.of(1), U128.ipv4Mapped(0x08080808), 5000,
                443, 58);
        Address flow = new Address(0, Layer.FLOW, Event.FLOW_ESTABLISHED.value(), false, true, false, false, true,
                false, false, false, tcp6);
        assertThat(eval(test(Field.IP, Comparison.EQ, 0), null, flow)).isTrue();
        assertThat(eval(test(Field.IPV6, Comparison.EQ, 0), null, flow)).isTrue();
        assertThat(eval(test(Field.ICMPV6, Comparison.EQ, 1), null, flow)).isTrue();
        assertThat(eval(test(Field.ICMP, Comparison.EQ, 0), null, flow)).isTrue();
        assertThat(eval(test(Field.REMOTEADDR, Comparison.EQ, 0xffff08080808L), null, flow)).isTrue();
        assertThat(eval(test(Field.ENDPOINTID, Comparison.EQ, 7), null, flow)).isTrue();
        assertThat(eval(test(Field.PARENTENDPOINTID, Comparison.EQ, false, 3, 1, 0, 0), null, flow)).isFalse();
        assertThat(eval(test(Field.PROCESSID, Comparison.EQ, 1234), null, flow)).isTrue();
        assertThat(eval(test(Field.EVENT, Comparison.EQ, 1), null, flow)).isTrue();

        Address reflect = new Address(0, Layer.REFLECT, Event.REFLECT_OPEN.value(), false, false, false, false,
                false, false, false, false, new LayerData.Reflect(99, 42, Layer.SOCKET, 0, (short) -7));
        assertThat(eval(test(Field.PRIORITY, Comparison.EQ, -7), null, reflect)).isTrue();
        assertThat(eval(test(Field.PRIORITY, Comparison.LT, 0), null, reflect)).isTrue();
        assertThat(eval(test(Field.LAYER, Comparison.EQ, 3), null, reflect)).isTrue();
        assertThat(eval(test(Field.PROCESSID, Comparison.EQ, 42), null, reflect)).isTrue();
        assertThat(eval(test(Field.TIMESTAMP, Comparison.EQ, 0), null, reflect)).isTrue();
        // REFLECT ignores any packet
        assertThat(eval(test(Field.ZERO, Comparison.EQ, 0), new byte[] {1, 2}, reflect)).isTrue();
    }

    @Test
    void illegalFieldsAreRunTimeErrorsOnlyWhenExecuted() throws FilterEvaluationException, FilterException {
        Address flow = new Address(0, Layer.FLOW, 1, false, false, false, false, false, false, false, false,
                LayerData.Endpoint.NONE);
        // packet[0] == 0x45 at FLOW
        List<Instruction> p = FilterObject.decode("@WinDiv_WX_2dWW2b1VV=AX");
        FilterEvaluationException e = assertThrows(FilterEvaluationException.class, () -> eval(p, null, flow));
        assertThat(e.getMessage()).contains("packet");
        // tcp or packet[0] == 0x45: skipped when tcp already matched
        List<Instruction> q = List.of(new Instruction(Field.TCP.id(), 1, A, 1, false, 0, 0, 0, 0),
                p.get(0));
        Address tcpFlow = new Address(0, Layer.FLOW, 1, false, false, false, false, false, false, false, false,
                new LayerData.Endpoint(0, 0, 0, U128.ZERO, U128.ZERO, 0, 0, 6));
        assertThat(eval(q, null, tcpFlow)).isTrue();
        assertThrows(FilterEvaluationException.class, () -> eval(q, null, flow));
    }

    @Test
    void entryPointChecks() {
        List<Instruction> always = test(Field.ZERO, Comparison.EQ, 0);
        assertThrows(FilterEvaluationException.class, () -> eval(always, new byte[19], Address.network(true, false)));
        assertThrows(FilterEvaluationException.class, () -> eval(always, null, Address.network(true, false)));
        // the IPv6 flag must agree with the packet's version
        assertThrows(FilterEvaluationException.class, () -> eval(always, P1, Address.network(true, true)));
        assertThrows(FilterEvaluationException.class, () -> eval(always, P4, Address.network(true, false)));
        Address socket = new Address(0, Layer.SOCKET, 3, false, false, false, false, false, false, false, false,
                LayerData.Endpoint.NONE);
        assertThrows(FilterEvaluationException.class, () -> eval(always, P1, socket));
    }

    @Test
    void packetInsideALargerBuffer() throws FilterEvaluationException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(100);
        buf.position(7);
        buf.put(P1);
        buf.put(new byte[] {(byte) 0x99, (byte) 0x99});
        Address a = outbound(P1);
        assertThat(FilterEvaluator.evaluate(test(Field.LENGTH, Comparison.EQ, 62), buf, 7, 62, a)).isTrue();
        assertThat(FilterEvaluator.evaluate(array(Field.PACKET, -1, 0x99), buf, 7, 62, a)).isTrue();
        assertThat(FilterEvaluator.evaluate(array(Field.PACKET, 0, 0x45), buf, 7, 62, a)).isTrue();
        assertThat(FilterEvaluator.evaluate(test(Field.IP_DSTADDR, Comparison.EQ, 0xffff08080808L), buf, 7, 62, a))
                .isTrue();
        assertThat(FilterEvaluator.evaluate(test(Field.ICMP_TYPE, Comparison.EQ, 8), buf, 7, 62, a)).isTrue();
        assertThrows(IndexOutOfBoundsException.class,
                () -> FilterEvaluator.evaluate(test(Field.ZERO, Comparison.EQ, 0), buf, 90, 20, a));
    }

    @Test
    void stepBound() throws FilterEvaluationException {
        List<Instruction> p = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            p.add(new Instruction(Field.ZERO.id(), 0, i + 1, X, false, 0, 0, 0, 0));
        }
        p.set(256, new Instruction(Field.ZERO.id(), 0, A, X, false, 0, 0, 0, 0));
        assertThat(eval(p, P1, outbound(P1))).isTrue();   // 257 steps
        p.set(256, new Instruction(Field.ZERO.id(), 0, 257, X, false, 0, 0, 0, 0));
        p.set(257, new Instruction(Field.ZERO.id(), 0, A, X, false, 0, 0, 0, 0));
        FilterEvaluationException e = assertThrows(FilterEvaluationException.class, () -> eval(p, P1, outbound(P1)));
        assertThat(e.getMessage()).contains("257");
    }

    @Test
    void labelsOutsideTheProgramAreErrors() {
        List<Instruction> p = List.of(new Instruction(Field.ZERO.id(), 0, 5, X, false, 0, 0, 0, 0));
        assertThrows(FilterEvaluationException.class, () -> eval(p, P1, outbound(P1)));
    }
}
