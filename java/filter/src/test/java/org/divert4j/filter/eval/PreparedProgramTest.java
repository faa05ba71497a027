package org.divert4j.filter.eval;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;

/**
 * The prepared program's membership chains ({@code f == a or f == b ...} and
 * {@code f != a and f != b ...}, scanned in one loop): every way into and out of a chain must
 * give what instruction-by-instruction execution gives, step bound included.
 */
class PreparedProgramTest {
    private static final int A = Instruction.ACCEPT;
    private static final int X = Instruction.REJECT;
    /** TCP, destination port 80, source port 41754. */
    private static final byte[] TCP80 = FilterEvaluatorTest.P2;
    /** IPv6 TCP, destination port 23. */
    private static final byte[] TCP23 = FilterEvaluatorTest.P4;
    /** UDP: every tcp field is irrelevant. */
    private static final byte[] UDP = FilterEvaluatorTest.P3;

    private static Instruction ins(Field f, Comparison c, long value, int success, int failure) {
        return new Instruction(f.id(), c.id(), success, failure, value < 0, (int) Math.abs(value), 0, 0, 0);
    }

    private static Instruction eq(Field f, long value, int success, int failure) {
        return ins(f, Comparison.EQ, value, success, failure);
    }

    private static Instruction element(Field f, int index, int value, int success, int failure) {
        return new Instruction(f.id(), Comparison.EQ.id(), success, failure, false, value, index, 0, 0);
    }

    /** {@code f == values[0] or f == values[1] ...} starting at instruction {@code at}: match A, else X. */
    private static List<Instruction> eqChain(List<Instruction> prefix, Field f, int... values) {
        List<Instruction> p = new ArrayList<>(prefix);
        int at = p.size();
        for (int i = 0; i < values.length; i++) {
            p.add(eq(f, values[i], A, i + 1 < values.length ? at + i + 1 : X));
        }
        return p;
    }

    private static boolean eval(List<Instruction> p, byte[] packet) throws FilterEvaluationException {
        return PreparedProgram.of(p).evaluate(packet, Address.network(true, (packet[0] & 0xF0) == 0x60));
    }

    @Test
    void eqChainMatchesEachMemberAndNothingElse() throws FilterEvaluationException {
        int[] ports = {22, 25, 53, 80, 110, 143, 443, 993, 3389, 8080};
        for (int i = 0; i < ports.length; i++) {
            int[] rotated = new int[ports.length];
            for (int j = 0; j < ports.length; j++) {
                rotated[j] = ports[(i + j) % ports.length];
            }
            assertThat(eval(eqChain(List.of(), Field.TCP_DSTPORT, rotated), TCP80)).isTrue();
            assertThat(eval(eqChain(List.of(), Field.TCP_DSTPORT, rotated), TCP23)).isFalse();
        }
    }

    @Test
    void eqChainEnteredInTheMiddleSeesOnlyTheRest() throws FilterEvaluationException {
        for (int entry = 1; entry <= 4; entry++) {
            List<Instruction> p = eqChain(List.of(eq(Field.ZERO, 0, entry, X)), Field.TCP_DSTPORT, 22, 80, 443, 25);
            // Port 80 is member 2: entering after it misses it.
            assertThat(eval(p, TCP80)).isEqualTo(entry <= 2);
        }
    }

    @Test
    void membersMayGoToDifferentSuccessLabels() throws FilterEvaluationException {
        List<Instruction> p = List.of(eq(Field.TCP_DSTPORT, 22, A, 1), eq(Field.TCP_DSTPORT, 80, X, 2),
                eq(Field.TCP_DSTPORT, 23, A, X));
        assertThat(eval(p, TCP80)).isFalse();
        assertThat(eval(p, TCP23)).isTrue();
    }

    @Test
    void irrelevantFieldFailsEveryEqMemberAndTheFirstNeqMember() throws FilterEvaluationException {
        List<Instruction> eqs = List.of(eq(Field.TCP_DSTPORT, 53, X, 1), eq(Field.TCP_DSTPORT, 54, X, A));
        assertThat(eval(eqs, UDP)).isTrue();
        List<Instruction> neqs = List.of(ins(Field.TCP_DSTPORT, Comparison.NEQ, 53, 1, X),
                ins(Field.TCP_DSTPORT, Comparison.NEQ, 54, A, A));
        assertThat(eval(neqs, UDP)).isFalse();
        assertThat(eval(neqs, TCP80)).isTrue();
    }

    @Test
    void neqChainFailsOnAnyMember() throws FilterEvaluationException {
        int[] ports = {22, 80, 443};
        for (int entry = 0; entry < ports.length; entry++) {
            List<Instruction> p = new ArrayList<>();
            p.add(eq(Field.ZERO, 0, entry + 1, X));
            for (int i = 0; i < ports.length; i++) {
                p.add(ins(Field.TCP_DSTPORT, Comparison.NEQ, ports[i], i + 1 < ports.length ? i + 2 : A, X));
            }
            assertThat(eval(p, TCP80)).isEqualTo(entry > 1);
            assertThat(eval(p, TCP23)).isTrue();
        }
    }

    @Test
    void anotherIndexOrFieldBreaksTheChain() throws FilterEvaluationException {
        // TCP80 starts 45 00: a chain merged across indexes would compare the wrong byte.
        assertThat(eval(List.of(element(Field.PACKET, 1, 0x45, X, 1), element(Field.PACKET, 0, 0x45, A, X)), TCP80))
                .isTrue();
        assertThat(eval(List.of(element(Field.PACKET, 0, 0x00, X, 1), element(Field.PACKET, 1, 0x00, A, X)), TCP80))
                .isTrue();
        assertThat(eval(List.of(element(Field.PACKET, 0, 0x00, X, 1), element(Field.PACKET, -1, 0x0a, A, X)), TCP80))
                .isTrue();
        assertThat(eval(List.of(eq(Field.TCP_DSTPORT, 41754, X, 1), eq(Field.TCP_SRCPORT, 41754, A, X)), TCP80))
                .isTrue();
        // Same field, another test: not one chain.
        assertThat(eval(List.of(eq(Field.TCP_DSTPORT, 81, X, 1),
                ins(Field.TCP_DSTPORT, Comparison.LT, 81, A, X)), TCP80)).isTrue();
    }

    @Test
    void narrowChainsCompareSignAndLow32Bits() throws FilterEvaluationException {
        Address prio = new Address(0, Layer.REFLECT, 0, false, false, false, false, false, false, false, false,
                new LayerData.Reflect(0, 1, Layer.NETWORK, 0, (short) -5));
        PreparedProgram p = PreparedProgram.of(List.of(eq(Field.PRIORITY, 5, X, 1), eq(Field.PRIORITY, -5, A, X)));
        assertThat(p.evaluate(null, prio)).isTrue();
        Address zero = new Address(0, Layer.REFLECT, 0, false, false, false, false, false, false, false, false,
                new LayerData.Reflect(0, 1, Layer.NETWORK, 0, (short) 0));
        Instruction minusZero = new Instruction(Field.PRIORITY.id(), Comparison.EQ.id(), X, 1, true, 0, 0, 0, 0);
        assertThat(PreparedProgram.of(List.of(minusZero, eq(Field.PRIORITY, 0, A, X))).evaluate(null, zero)).isTrue();
        // Bits 32..127 of a narrow constant do not take part, also inside a chain.
        Instruction high = new Instruction(Field.TCP_DSTPORT.id(), Comparison.EQ.id(), A, 1, false, 80, 7, 7, 7);
        assertThat(eval(List.of(eq(Field.TCP_DSTPORT, 22, A, 1), high), TCP80)).isTrue();
    }

    /** {@code prefix} instructions {@code zero == 0}, then a chain of {@code n} EQ tests of zero. */
    private static List<Instruction> zeroChain(int prefix, int n, int matchAt) {
        List<Instruction> p = new ArrayList<>();
        for (int i = 0; i < prefix; i++) {
            p.add(eq(Field.ZERO, 0, i + 1, X));
        }
        for (int i = 0; i < n; i++) {
            p.add(eq(Field.ZERO, i == matchAt ? 0 : 1, A, i + 1 < n ? prefix + i + 1 : X));
        }
        return p;
    }

    @Test
    void chainsCountOneStepPerMember() throws FilterEvaluationException {
        int bound = FilterEvaluator.MAX_STEPS;
        assertThat(eval(zeroChain(0, 256, -1), TCP80)).isFalse();
        assertThat(eval(zeroChain(0, 256, 255), TCP80)).isTrue();
        assertThat(eval(zeroChain(1, 256, -1), TCP80)).isFalse();
        assertThat(eval(zeroChain(0, 300, bound - 1), TCP80)).isTrue();
        assertThat(eval(zeroChain(3, 300, bound - 4), TCP80)).isTrue();
        assertThrows(FilterEvaluationException.class, () -> eval(zeroChain(0, 300, bound), TCP80));
        assertThrows(FilterEvaluationException.class, () -> eval(zeroChain(3, 300, bound - 3), TCP80));
        assertThrows(FilterEvaluationException.class, () -> eval(zeroChain(2, 256, -1), TCP80));
        assertThrows(FilterEvaluationException.class, () -> eval(zeroChain(0, 300, -1), TCP80));
    }

    @Test
    void invalidInstructionsFailOnlyWhenExecuted() throws FilterEvaluationException {
        List<Instruction> p = List.of(eq(Field.TCP_DSTPORT, 80, A, 1),
                new Instruction(99, 0, A, X, false, 0, 0, 0, 0));
        PreparedProgram program = PreparedProgram.of(p);
        assertThat(program.instructions()).isEqualTo(p);
        assertThat(eval(p, TCP80)).isTrue();
        FilterEvaluationException e = assertThrows(FilterEvaluationException.class, () -> eval(p, TCP23));
        assertThat(e.getMessage()).contains("unknown field 99");
    }
}
