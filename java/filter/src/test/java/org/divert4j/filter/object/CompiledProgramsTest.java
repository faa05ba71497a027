package org.divert4j.filter.object;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Flags and driver validation on programs from the compiler: the examples of docs/spec/filter-object.md
 * (c) and the "compiles but the driver refuses" consequences listed after a.7.
 */
class CompiledProgramsTest {

    private static List<Instruction> compile(String filter, Layer layer) throws FilterException {
        return FilterCompiler.compile(filter, layer).instructions();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NETWORK | true | 0xF0",
        "NETWORK | false | 0x0",
        "NETWORK | outbound and tcp | 0xE0",
        "NETWORK | ipv6 | 0xB0",
        "SOCKET | event == CONNECT | 0x4C0",
        "NETWORK | inbound and ip | 0x50",
        "FLOW | event == DELETED or udp | 0x1C0",
        "SOCKET | not event == CLOSE | 0x1EC0",
    })
    void flagsOfCompiledFilters(Layer layer, String filter, String flags) throws FilterException {
        assertThat(FilterFlags.compute(compile(filter, layer), layer)).isEqualTo(Long.decode(flags));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NETWORK | ip.TOS == 300 | 6",
        "NETWORK | event == 5 | 7",
        "NETWORK | tcp.SeqNum == -5 | 6",
        "NETWORK | tcp.SeqNum == 0x100000005 | 6",
        "NETWORK | packet32[0] == -5 | 5",
    })
    void compilesButTheDriverRefuses(Layer layer, String filter, int rule) throws FilterException {
        List<Instruction> program = compile(filter, layer);
        InvalidProgramException e = assertThrows(InvalidProgramException.class,
                () -> ProgramValidator.validate(Instruction.encodeProgram(program), layer));
        assertThat(e.rule()).isEqualTo(rule);
    }

    @Test
    void negativeZeroIsRefused() throws FilterException {
        List<Instruction> program = compile("tcp.SeqNum == -0", Layer.NETWORK);
        assertThrows(InvalidProgramException.class, () -> ProgramValidator.validate(program, Layer.NETWORK));
    }

    @Test
    void twoHundredFiftySixInstructionsAreRefused() throws FilterException, InvalidProgramException {
        List<String> terms = new ArrayList<>();
        for (int k = 0; k < 256; k++) {
            terms.add("tcp.DstPort == " + k);
        }
        List<Instruction> program = compile(String.join(" or ", terms), Layer.NETWORK);
        assertThat(program).hasSize(256);
        assertThat(FilterObject.encode(program)).isEqualTo("@WinDiv_WW");
        InvalidProgramException e = assertThrows(InvalidProgramException.class,
                () -> ProgramValidator.validate(program, Layer.NETWORK));
        assertThat(e.rule()).isEqualTo(1);
        ProgramValidator.validate(program.subList(0, 255).stream()
                .map(i -> i.failure() == 255 ? new Instruction(i.field(), i.test(), i.success(), Instruction.REJECT,
                        i.neg(), i.arg0(), i.arg1(), i.arg2(), i.arg3()) : i)
                .toList(), Layer.NETWORK);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "NETWORK | tcp.DstPort == 80 and outbound",
        "NETWORK_FORWARD | tcp.SrcPort <= 1023 and tcp.DstPort > 1023",
        "FLOW | endpointId == 0x123456789 and remoteAddr == 10.0.0.1",
        "SOCKET | event == CONNECT or event == BIND",
        "REFLECT | priority < -5 and layer == SOCKET and event == OPEN",
        "NETWORK | packet32[-5b] == 0x33343536 and timestamp >= -1 and ipv6.DstAddr == ::1",
    })
    void ordinaryFiltersPass(Layer layer, String filter) throws FilterException, InvalidProgramException {
        List<Instruction> program = compile(filter, layer);
        assertThat(ProgramValidator.validate(Instruction.encodeProgram(program), layer)).isEqualTo(program);
    }
}
