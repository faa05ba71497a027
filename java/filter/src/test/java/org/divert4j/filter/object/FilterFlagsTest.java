package org.divert4j.filter.object;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import org.divert4j.abi.FilterFlag;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;

/** The filter flags of docs/spec/filter-object.md (c), on the spec's examples and edge cases of POSSIBLE. */
class FilterFlagsTest {

    private static long flags(String object, Layer layer) throws FilterException {
        return FilterFlags.compute(FilterObject.decode(object), layer);
    }

    @Test
    void examplesOfTheSpec() throws FilterException {
        assertThat(flags("@WinDiv_WX_WWWWAA", Layer.NETWORK)).isEqualTo(0xF0);   // true
        assertThat(flags("@WinDiv_WX_WWWWXX", Layer.NETWORK)).isEqualTo(0);      // false
        // outbound and tcp: [outbound != 0 ? 1 : X, tcp != 0 ? A : X]
        assertThat(flags("@WinDiv_WY_YXWWLXX_eXWWAX", Layer.NETWORK)).isEqualTo(0xE0);
        assertThat(flags("@WinDiv_WX_cXWWAX", Layer.NETWORK)).isEqualTo(0xB0);   // ipv6
        assertThat(flags("@WinDiv_WX_2cWWaAX", Layer.SOCKET)).isEqualTo(0x4C0);  // event == CONNECT
    }

    @Test
    void layersDecideWhichGroupsAreComputed() throws FilterException {
        String always = "@WinDiv_WX_WWWWAA";
        assertThat(flags(always, Layer.NETWORK_FORWARD)).isEqualTo(0xF0);
        assertThat(flags(always, Layer.FLOW)).isEqualTo(0xC0 | FilterFlag.EVENT_FLOW_DELETED.bit());
        assertThat(flags(always, Layer.SOCKET)).isEqualTo(0x3EC0);
        assertThat(flags(always, Layer.REFLECT)).isEqualTo(0);
        assertThat(flags(always, Layer.SOCKET) & ~FilterFlag.ALL).isEqualTo(0);
    }

    @Test
    void eventTestsSelectSocketEvents() throws FilterException {
        // event >= LISTEN (5): [event GEQ 5 -> A / X]
        long f = flags("@WinDiv_WX_2cbWbAX", Layer.SOCKET);
        assertThat(f).isEqualTo(0xC0 | FilterFlag.EVENT_SOCKET_LISTEN.bit() | FilterFlag.EVENT_SOCKET_ACCEPT.bit()
                | FilterFlag.EVENT_SOCKET_CLOSE.bit());
        // event == ESTABLISHED at FLOW: deletion is not wanted
        assertThat(flags("@WinDiv_WX_2cWWXAX", Layer.FLOW)).isEqualTo(0xC0);
    }

    @Test
    void possibleIsConservativeForWideOrNegativeConstants() {
        int a = Instruction.ACCEPT;
        int x = Instruction.REJECT;
        // outbound == 0x1_00000000 (arg1 set): cannot be judged from arg0, assumed possible.
        List<Instruction> wide = List.of(new Instruction(2, 0, a, x, false, 0, 1, 0, 0));
        assertThat(FilterFlags.possible(wide, Field.OUTBOUND, 1)).isTrue();
        List<Instruction> narrow = List.of(new Instruction(2, 0, a, x, false, 0, 0, 0, 0));
        assertThat(FilterFlags.possible(narrow, Field.OUTBOUND, 1)).isFalse();
        List<Instruction> negative = List.of(new Instruction(2, 0, a, x, true, 0, 0, 0, 0));
        assertThat(FilterFlags.possible(negative, Field.OUTBOUND, 1)).isTrue();
        // unsigned comparison: 0xFFFFFFFF > 5
        List<Instruction> gt = List.of(new Instruction(3, 4, a, x, false, 5, 0, 0, 0));
        assertThat(FilterFlags.possible(gt, Field.IFIDX, -1)).isTrue();
        assertThat(FilterFlags.possible(gt, Field.IFIDX, 5)).isFalse();
        assertThat(FilterFlags.possible(List.of(), Field.ZERO, 0)).isTrue();
    }

    @Test
    void labelsOutOfRangeCountAsPossible() {
        int x = Instruction.REJECT;
        // success jumps backwards (never produced, never installed): treated as "could accept".
        List<Instruction> p = List.of(new Instruction(1, 0, x, x, false, 0, 0, 0, 0),
                new Instruction(2, 0, 0, x, false, 1, 0, 0, 0));
        assertThat(FilterFlags.possible(p.subList(1, 2), Field.OUTBOUND, 0)).isFalse();
        assertThat(FilterFlags.possible(p.subList(1, 2), Field.OUTBOUND, 1)).isTrue();
    }

    @Test
    void deadEndsPropagateBackwards() throws FilterException {
        // tcp.DstPort == 80 and outbound: inbound is impossible, both IP versions possible.
        long f = flags("@WinDiv_WY_1dWW2mLXX_YXWWAX", Layer.NETWORK);
        assertThat(f).isEqualTo(FilterFlag.OUTBOUND.bit() | FilterFlag.IP.bit() | FilterFlag.IPV6.bit());
        // not outbound and outbound: nothing possible in either direction.
        assertThat(flags("@WinDiv_WY_YWWWLXX_YXWWAX", Layer.NETWORK)).isEqualTo(0xC0);
    }
}
