package org.divert4j.filter.format;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.object.FilterObject;
import org.junit.jupiter.api.Test;

class FilterFormatterTest {

    /**
     * Levels of two tests a_k (index 2k) and b_k (2k+1), each jumping to both tests of the next
     * level: nothing merges, and every path repeats the levels below it.
     */
    private static List<Instruction> crossed(int levels) {
        List<Instruction> p = new ArrayList<>();
        for (int k = 0; k < levels; k++) {
            boolean last = k == levels - 1;
            int a = last ? Instruction.ACCEPT : 2 * k + 2;
            int b = last ? Instruction.REJECT : 2 * k + 3;
            p.add(new Instruction(Field.TCP_DSTPORT.id(), 0, a, b, false, 2 * k, 0, 0, 0));
            p.add(new Instruction(Field.TCP_DSTPORT.id(), 0, b, a, false, 2 * k + 1, 0, 0, 0));
        }
        return p;
    }

    @Test
    void sharedTailsAreRepeatedAsTheReferenceDoes() throws FilterException {
        assertThat(FilterFormatter.format(crossed(3), Layer.NETWORK)).isEqualTo("(tcp.DstPort = 0?"
                + " (tcp.DstPort = 2? tcp.DstPort = 4: (tcp.DstPort = 5? false: true)):"
                + " (tcp.DstPort = 3? (tcp.DstPort = 5? false: true): tcp.DstPort = 4))");
    }

    @Test
    void anExponentialTextIsRefusedQuickly() {
        String object = FilterObject.encode(crossed(120));
        FilterException e = assertThrows(FilterException.class, () -> FilterCompiler.format(object, Layer.NETWORK));
        assertThat(e.error()).isEqualTo(FilterError.OBJECT_BUFFER_TOO_SHORT);
        assertThat(e.detail()).contains("characters");
    }

    @Test
    void constantProgramsPrintAsTrueOrFalse() throws FilterException {
        assertThat(FilterCompiler.format("@WinDiv_WX_WWWWAA", Layer.FLOW)).isEqualTo("true");
        assertThat(FilterCompiler.format("zero", Layer.FLOW)).isEqualTo("false");
        assertThat(FilterCompiler.format("ip.SrcAddr == 1.2.3.4 or remoteAddr == ::ffff:1:2", Layer.NETWORK))
                .isEqualTo("ip.SrcAddr = 1.2.3.4 or remoteAddr = 0.1.0.2");
        assertThat(FilterCompiler.format("ipv6.DstAddr == 1:2:3:4:5:6:7:0", Layer.NETWORK))
                .isEqualTo("ipv6.DstAddr = 1:2:3:4:5:6:7::");
        assertThat(FilterCompiler.format("loopback == -1", Layer.NETWORK)).isEqualTo("loopback");
        assertThat(FilterCompiler.format("event == 9", Layer.REFLECT)).isEqualTo("event = CLOSE");
        assertThat(FilterCompiler.format("event == 9", Layer.SOCKET)).isEqualTo("event = 9");
    }
}
