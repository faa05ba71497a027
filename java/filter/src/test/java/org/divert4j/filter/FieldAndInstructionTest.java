package org.divert4j.filter;

import static com.google.common.truth.Truth.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.divert4j.abi.Layer;
import org.junit.jupiter.api.Test;

/** Pins the field table and the instruction record to docs/spec/filter-object.md a.1–a.3. */
class FieldAndInstructionTest {

    @Test
    void fieldIdsNamesAndLayers() {
        assertThat(Field.values()).hasLength(86);
        for (int id = 0; id <= Field.MAX_ID; id++) {
            assertThat(Field.of(id).id()).isEqualTo(id);
        }
        assertThat(Field.byText("tcp.DstPort")).isEqualTo(Field.TCP_DSTPORT);
        assertThat(Field.TCP_DSTPORT.id()).isEqualTo(39);
        assertThat(Field.byText("tcp.dstport")).isNull();
        assertThat(Field.INBOUND.legalIn(Layer.SOCKET)).isTrue();
        assertThat(Field.INBOUND.legalIn(Layer.NETWORK_FORWARD)).isFalse();
        assertThat(Field.IP.legalIn(Layer.FLOW)).isTrue();
        assertThat(Field.IP.legalIn(Layer.REFLECT)).isFalse();
        assertThat(Field.PROCESSID.legalIn(Layer.REFLECT)).isTrue();
        assertThat(Field.PROCESSID.legalIn(Layer.NETWORK)).isFalse();
        assertThat(Field.EVENT.legalIn(Layer.REFLECT)).isTrue();
        assertThat(Field.PRIORITY.legalIn(Layer.SOCKET)).isFalse();
        int wide = 0;
        for (Field f : Field.values()) {
            wide += f.wide() ? 1 : 0;
        }
        assertThat(wide).isEqualTo(9);
        assertThat(Field.PACKET32.elementSize()).isEqualTo(4);
        assertThat(Field.UDP_PAYLOAD16.isArray()).isTrue();
        assertThat(Field.LENGTH.isArray()).isFalse();
    }

    @Test
    void recordLayoutMatchesTheSpecExample() {
        Instruction i = new Instruction(39, Comparison.EQ.id(), Instruction.ACCEPT, Instruction.REJECT,
                true, 80, -5, 0, 7);
        byte[] bytes = Instruction.encodeProgram(List.of(i));
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(0)).isEqualTo(0x7FFE0027);
        assertThat(b.getInt(4)).isEqualTo(0x00017FFF);
        assertThat(b.getInt(12)).isEqualTo(-5);
        assertThat(Instruction.decode(ByteBuffer.wrap(bytes))).isEqualTo(i);
    }

    @Test
    void testsNegateAndHold() {
        assertThat(Comparison.LT.negate()).isEqualTo(Comparison.GEQ);
        assertThat(Comparison.GEQ.negate()).isEqualTo(Comparison.LT);
        assertThat(Comparison.LEQ.negate().negate()).isEqualTo(Comparison.LEQ);
        assertThat(Comparison.LEQ.holds(0)).isTrue();
        assertThat(Comparison.GT.holds(0)).isFalse();
        assertThat(Comparison.of(5)).isEqualTo(Comparison.GEQ);
    }
}
