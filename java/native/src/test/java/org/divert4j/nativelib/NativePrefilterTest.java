package org.divert4j.nativelib;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;

/** The prefilter text of libdivert4j.so: chains of the layer, exactness, listing, bytecode. */
class NativePrefilterTest {

    private static List<Instruction> program(String filter, Layer layer) throws FilterException {
        return FilterCompiler.compile(filter, layer).instructions();
    }

    @Test
    void aNarrowFilterIsExactOnIpv4AndListedPerChain() throws FilterException {
        String text = NativePrefilter.describe(program("udp.DstPort == 9", Layer.NETWORK), Layer.NETWORK);
        assertThat(text).containsMatch("(?m)^ipv4 OUTPUT: \\d+ instructions, exact$");
        assertThat(text).containsMatch("(?m)^ipv4 INPUT: \\d+ instructions, exact$");
        assertThat(text).contains("ipv6 OUTPUT: ");
        assertThat(text).contains("inexact: maybe for [IPv6 extension headers]");
        assertThat(text).doesNotContain("FORWARD");
        assertThat(text).containsMatch("(?m)^\\(\\d{3}\\) jeq +#0x9 +jt \\d+\tjf \\d+$");
        assertThat(text).containsMatch("(?m)^bytecode: \\d+,[0-9 ,]+$");
    }

    @Test
    void whatThePacketDoesNotShowIsMaybe() throws FilterException {
        String text = NativePrefilter.describe(program("ifIdx == 5", Layer.NETWORK_FORWARD),
                Layer.NETWORK_FORWARD);
        assertThat(text).contains("ipv4 FORWARD: 1 instruction, inexact: maybe for [fields the packet does not show]"
                + " (no bpf match installed)\n(000) ret      #65535\n");
    }

    @Test
    void otherLayersAndUnloadablePrograms() throws FilterException {
        assertThrows(IllegalArgumentException.class,
                () -> NativePrefilter.describe(program("tcp", Layer.FLOW), Layer.FLOW));
        // outbound is not a field of NETWORK_FORWARD: the driver's checks refuse the program
        assertThrows(IllegalArgumentException.class,
                () -> NativePrefilter.describe(program("outbound", Layer.NETWORK), Layer.NETWORK_FORWARD));
    }
}
