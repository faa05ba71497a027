package org.divert4j.nativelib;

import java.util.List;
import java.util.Objects;
import org.divert4j.abi.Abi;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.Verdict;

/**
 * Evaluates compiled filter programs with the C core, the code the driver runs, through
 * {@code libdivert4j.so}: {@code WinDivertHelperEvalFilter} semantics (docs/spec/filter-language.md §8.5) on
 * instructions the Java compiler produced. The program is loaded with the user library's checks
 * only (instruction count, field, test and forward labels); layer legality is checked as the
 * program runs, as WinDivert does for objects.
 */
public final class NativeEvaluator {

    private NativeEvaluator() {
    }

    /**
     * Runs {@code program} for {@code layer}.
     *
     * @param program the instructions (1 to 256)
     * @param layer the layer to evaluate for (the layer bits inside {@code address} are not used)
     * @param packet the IP packet at NETWORK/NETWORK_FORWARD; null at FLOW/SOCKET; ignored at REFLECT
     * @param address the 80-byte address record (docs/spec/device-abi.md §7)
     * @return match, no match, or an error saying why (WinDivert's ERROR_INVALID_PARAMETER)
     * @throws NativeLibraryException if the library cannot be loaded
     * @throws IllegalArgumentException if {@code address} is not 80 bytes
     */
    public static Verdict evaluate(List<Instruction> program, Layer layer, byte[] packet, byte[] address) {
        Objects.requireNonNull(program, "program");
        Objects.requireNonNull(layer, "layer");
        if (address == null || address.length != Abi.ADDRESS_SIZE) {
            throw new IllegalArgumentException("the address record must be " + Abi.ADDRESS_SIZE + " bytes");
        }
        byte[] code = Instruction.encodeProgram(program);
        int result = NativeLibrary.divert4j_eval_filter(code, code.length, layer.value(), packet,
                packet == null ? 0 : packet.length, address);
        if (result == 1) {
            return Verdict.MATCH;
        }
        if (result == 0) {
            return Verdict.NOMATCH;
        }
        EvalError e = EvalError.of(result);
        return Verdict.error(e == null ? "the C core failed with code " + result
                : e.message(program.size(), layer, packet));
    }
}
