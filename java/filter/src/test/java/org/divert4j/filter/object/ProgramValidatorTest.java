package org.divert4j.filter.object;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;

/** Every rule of docs/spec/filter-object.md a.7, accepted and refused at its edges. */
class ProgramValidatorTest {
    private static final int A = Instruction.ACCEPT;
    private static final int X = Instruction.REJECT;

    private static Instruction test(Field f, boolean neg, int arg0, int arg1, int arg2, int arg3) {
        return new Instruction(f.id(), 0, A, X, neg, arg0, arg1, arg2, arg3);
    }

    private static Instruction test(Field f, int arg0) {
        return test(f, false, arg0, 0, 0, 0);
    }

    private static int rule(List<Instruction> program, Layer layer) {
        return assertThrows(InvalidProgramException.class, () -> ProgramValidator.validate(program, layer)).rule();
    }

    private static void ok(List<Instruction> program, Layer layer) throws InvalidProgramException {
        ProgramValidator.validate(program, layer);
    }

    @Test
    void rule1LengthAndCount() throws InvalidProgramException {
        assertThat(rule(List.of(), Layer.NETWORK)).isEqualTo(1);
        List<Instruction> p255 = chain(255);
        ok(p255, Layer.NETWORK);
        assertThat(rule(chain(256), Layer.NETWORK)).isEqualTo(1);
        byte[] bytes = Instruction.encodeProgram(chain(2));
        assertThat(ProgramValidator.validate(bytes, Layer.NETWORK)).isEqualTo(chain(2));
        InvalidProgramException e = assertThrows(InvalidProgramException.class,
                () -> ProgramValidator.validate(java.util.Arrays.copyOf(bytes, 47), Layer.NETWORK));
        assertThat(e.rule()).isEqualTo(1);
        assertThat(e.getMessage()).contains("47");
        assertThrows(InvalidProgramException.class, () -> ProgramValidator.validate(new byte[0], Layer.NETWORK));
    }

    private static List<Instruction> chain(int n) {
        List<Instruction> p = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(new Instruction(Field.TCP_DSTPORT.id(), 0, A, i == n - 1 ? X : i + 1, false, i, 0, 0, 0));
        }
        return p;
    }

    @Test
    void rule2FieldAndTest() throws InvalidProgramException {
        ok(List.of(new Instruction(85, 5, A, X, false, 1, 0, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(new Instruction(86, 0, A, X, false, 0, 0, 0, 0)), Layer.NETWORK)).isEqualTo(2);
        assertThat(rule(List.of(new Instruction(8, 6, A, X, false, 0, 0, 0, 0)), Layer.NETWORK)).isEqualTo(2);
    }

    @Test
    void rule3LabelsJumpStrictlyForwardInRange() throws InvalidProgramException {
        Instruction last = test(Field.TCP, 0);
        ok(List.of(new Instruction(8, 0, 1, 1, false, 0, 0, 0, 0), last), Layer.NETWORK);
        assertThat(rule(List.of(new Instruction(8, 0, 0, X, false, 0, 0, 0, 0), last), Layer.NETWORK)).isEqualTo(3);
        assertThat(rule(List.of(new Instruction(8, 0, A, 2, false, 0, 0, 0, 0), last), Layer.NETWORK)).isEqualTo(3);
        assertThat(rule(List.of(new Instruction(8, 0, 0x7FFD, X, false, 0, 0, 0, 0), last), Layer.NETWORK))
                .isEqualTo(3);
        // instruction 1 may not jump back to 0
        assertThat(rule(List.of(new Instruction(8, 0, 1, X, false, 0, 0, 0, 0),
                new Instruction(8, 0, A, 0, false, 0, 0, 0, 0)), Layer.NETWORK)).isEqualTo(3);
    }

    @Test
    void rule4LayerLegality() throws InvalidProgramException {
        ok(List.of(test(Field.PACKET, false, 0x45, 0, 0, 0)), Layer.NETWORK_FORWARD);
        assertThat(rule(List.of(test(Field.PACKET, false, 0x45, 0, 0, 0)), Layer.FLOW)).isEqualTo(4);
        assertThat(rule(List.of(test(Field.INBOUND, 1)), Layer.NETWORK_FORWARD)).isEqualTo(4);
        assertThat(rule(List.of(test(Field.IP, 1)), Layer.REFLECT)).isEqualTo(4);
        ok(List.of(test(Field.PRIORITY, 1)), Layer.REFLECT);
    }

    @Test
    void rule5ArrayFields() throws InvalidProgramException {
        ok(List.of(test(Field.PACKET32, false, 5, -65575, 0, 0)), Layer.NETWORK);
        ok(List.of(test(Field.UDP_PAYLOAD, false, 5, 65575, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.PACKET32, false, 5, -65576, 0, 0)), Layer.NETWORK)).isEqualTo(5);
        assertThat(rule(List.of(test(Field.PACKET32, false, 5, 65576, 0, 0)), Layer.NETWORK)).isEqualTo(5);
        // packet32[0] == -5
        assertThat(rule(List.of(test(Field.PACKET32, true, 5, 0, 0, 0)), Layer.NETWORK)).isEqualTo(5);
    }

    @Test
    void rule6Ranges() throws InvalidProgramException {
        ok(List.of(test(Field.IP_TOS, 255)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.IP_TOS, 300)), Layer.NETWORK)).isEqualTo(6);
        // tcp.SeqNum == -5 and tcp.SeqNum == 0x100000005
        assertThat(rule(List.of(test(Field.TCP_SEQNUM, true, 5, 0, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.TCP_SEQNUM, false, 5, 1, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.TCP_SEQNUM, -1)), Layer.NETWORK);
        ok(List.of(test(Field.LENGTH, 20)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.LENGTH, 19)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.LENGTH, 65575)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.LENGTH, 65576)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.PRIORITY, true, 30000, 0, 0, 0)), Layer.REFLECT);
        assertThat(rule(List.of(test(Field.PRIORITY, true, 30001, 0, 0, 0)), Layer.REFLECT)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.PRIORITY, 30001)), Layer.REFLECT)).isEqualTo(6);
        ok(List.of(test(Field.IP_SRCADDR, false, 0, 0xFFFF, 0, 0)), Layer.NETWORK);
        ok(List.of(test(Field.IP_SRCADDR, false, -1, 0xFFFF, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.IP_SRCADDR, false, -1, 0xFFFE, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.IP_SRCADDR, false, 0, 0x1FFFF, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.TIMESTAMP, true, 0, 0x80000000, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.TIMESTAMP, true, 1, 0x80000000, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.TIMESTAMP, false, -1, 0x7FFFFFFF, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.TIMESTAMP, false, 0, 0x80000000, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.ENDPOINTID, false, -1, -1, 0, 0)), Layer.SOCKET);
        assertThat(rule(List.of(test(Field.ENDPOINTID, false, 0, 0, 1, 0)), Layer.SOCKET)).isEqualTo(6);
        ok(List.of(test(Field.LOCALADDR, false, -1, -1, -1, -1)), Layer.SOCKET);
        ok(List.of(test(Field.IPV6_FLOWLABEL, 0xFFFFF)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.IPV6_FLOWLABEL, 0x100000)), Layer.NETWORK)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.LAYER, 5)), Layer.REFLECT)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.TCP, 2)), Layer.NETWORK)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.IP_FRAGOFF, 0x2000)), Layer.NETWORK)).isEqualTo(6);
    }

    @Test
    void rule6ArrayIndexWordIsExemptButUpperWordsAreNot() throws InvalidProgramException {
        ok(List.of(test(Field.PACKET, false, 255, -7, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.PACKET, false, 256, -7, 0, 0)), Layer.NETWORK)).isEqualTo(6);
        assertThat(rule(List.of(test(Field.PACKET, false, 1, 3, 1, 0)), Layer.NETWORK)).isEqualTo(6);
        ok(List.of(test(Field.PACKET32, false, -1, 65575, 0, 0)), Layer.NETWORK);
        assertThat(rule(List.of(test(Field.TCP_PAYLOAD16, false, 65536, 0, 0, 0)), Layer.NETWORK)).isEqualTo(6);
    }

    @Test
    void rule7EventsOfTheLayer() throws InvalidProgramException {
        ok(List.of(test(Field.EVENT, 0)), Layer.NETWORK);
        ok(List.of(test(Field.EVENT, 0)), Layer.NETWORK_FORWARD);
        assertThat(rule(List.of(test(Field.EVENT, 5)), Layer.NETWORK)).isEqualTo(7);
        ok(List.of(test(Field.EVENT, 2)), Layer.FLOW);
        assertThat(rule(List.of(test(Field.EVENT, 0)), Layer.FLOW)).isEqualTo(7);
        for (int e = 3; e <= 7; e++) {
            ok(List.of(test(Field.EVENT, e)), Layer.SOCKET);
        }
        assertThat(rule(List.of(test(Field.EVENT, 8)), Layer.SOCKET)).isEqualTo(7);
        ok(List.of(test(Field.EVENT, 9)), Layer.REFLECT);
        // regardless of the test: event != 1 at SOCKET is refused too
        assertThat(rule(List.of(new Instruction(Field.EVENT.id(), 1, A, X, false, 1, 0, 0, 0)), Layer.SOCKET))
                .isEqualTo(7);
    }

    @Test
    void rule8NegativeZero() throws InvalidProgramException {
        assertThat(rule(List.of(test(Field.TIMESTAMP, true, 0, 0, 0, 0)), Layer.NETWORK)).isEqualTo(8);
        assertThat(rule(List.of(test(Field.PRIORITY, true, 0, 0, 0, 0)), Layer.REFLECT)).isEqualTo(8);
        ok(List.of(test(Field.TIMESTAMP, true, 1, 0, 0, 0)), Layer.NETWORK);
        // tcp.SeqNum == -0 is refused (range or negative zero; either way not installed)
        assertThrows(InvalidProgramException.class,
                () -> ProgramValidator.validate(List.of(test(Field.TCP_SEQNUM, true, 0, 0, 0, 0)), Layer.NETWORK));
    }

    @Test
    void messagesNameInstructionAndRule() {
        InvalidProgramException e = assertThrows(InvalidProgramException.class, () -> ProgramValidator.validate(
                List.of(new Instruction(8, 0, 1, X, false, 0, 0, 0, 0), test(Field.IP_TOS, 300)), Layer.NETWORK));
        assertThat(e.instruction()).isEqualTo(1);
        assertThat(e.getMessage()).contains("ip.TOS");
        assertThat(e.getMessage()).contains("300");
        assertThat(e.getMessage()).contains("rule 6");
    }
}
