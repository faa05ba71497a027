package org.divert4j.filter.eval;

import java.nio.ByteBuffer;
import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.packet.Decomposer;

/**
 * Executes compiled filter programs over a packet and its address exactly as WinDivert does
 * (docs/spec/filter-object.md a.4, docs/spec/filter-language.md §5 and §8), quirks included: narrow fields compare
 * only the constant's low 32 bits, an irrelevant test is false, {@code ip}/{@code ipv6} are 0 at
 * FLOW and SOCKET, {@code ipv6.FlowLabel} has its byte-order slip, {@code length} is the buffer
 * length, and {@code random*} come from the packet hash seeded with the timestamp.
 */
public final class FilterEvaluator {
    /** The most instructions one evaluation executes before it is declared broken. */
    public static final int MAX_STEPS = 257;

    private FilterEvaluator() {
    }

    /**
     * The entry point of {@code WinDivertHelperEvalFilter} (docs/spec/filter-language.md §8.5) for an
     * already compiled program: the layer is the address's; at NETWORK and NETWORK_FORWARD the
     * packet must decompose and agree with the address's IPv6 flag; at FLOW and SOCKET there must
     * be no packet; at REFLECT the packet is ignored. Prepares the program on every call: to
     * evaluate many packets keep a {@link PreparedProgram}.
     *
     * @param program the compiled program
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes (the value of {@code length})
     * @param address the address; its layer is the layer the program runs at
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     */
    public static boolean evaluate(List<Instruction> program, ByteBuffer packet, int offset, int length,
            Address address) throws FilterEvaluationException {
        return PreparedProgram.of(program).evaluate(packet, offset, length, address);
    }

    /**
     * {@code WinDivertHelperEvalFilter} (docs/spec/filter-language.md §8.5): checks the packet against the
     * address's layer, compiles the filter (text is folded; an object string is decoded without
     * layer checks) for that layer and runs it. Every failure is an {@link Outcome#ERROR} verdict
     * saying why: WinDivert's FALSE with ERROR_INVALID_PARAMETER.
     *
     * @param filter filter text or an object string
     * @param packet the packet bytes, or null
     * @param offset index of the packet's first byte in {@code packet}
     * @param length the number of packet bytes
     * @param address the address; its layer is the layer the filter is compiled for
     * @return the verdict
     */
    public static Verdict evaluate(String filter, ByteBuffer packet, int offset, int length, Address address) {
        Decomposer d = new Decomposer();
        boolean network;
        try {
            network = PreparedProgram.entry(packet, offset, length, address, d);
        } catch (FilterEvaluationException e) {
            return Verdict.error(e.getMessage());
        }
        PreparedProgram program;
        try {
            program = PreparedProgram.of(FilterCompiler.compile(filter, address.layer()).instructions());
        } catch (FilterException e) {
            return Verdict.error(e.getMessage());
        }
        try {
            return Verdict.of(network ? program.run(address.layer(), packet, offset, length, d, address)
                    : program.run(address.layer(), null, 0, 0, null, address));
        } catch (FilterEvaluationException e) {
            return Verdict.error(e.getMessage());
        }
    }

    /**
     * {@link #evaluate(List, ByteBuffer, int, int, Address)} for a whole array, or null.
     *
     * @param program the compiled program
     * @param packet the packet bytes, or null
     * @param address the address; its layer is the layer the program runs at
     * @return true on a match, false on no match
     * @throws FilterEvaluationException where WinDivert fails with ERROR_INVALID_PARAMETER
     */
    public static boolean evaluate(List<Instruction> program, byte[] packet, Address address)
            throws FilterEvaluationException {
        return PreparedProgram.of(program).evaluate(packet, address);
    }

    /**
     * Runs a program (docs/spec/filter-object.md a.4) without the entry-point checks of docs/spec/filter-language.md §8.5.
     *
     * @param program the compiled program
     * @param layer the layer the program runs at; decides which fields are legal
     * @param packet the decomposed packet at NETWORK/NETWORK_FORWARD; ignored elsewhere
     * @param address the address; its layer data must be the one of {@code layer}
     * @return true on a match, false on no match
     * @throws FilterEvaluationException if an executed instruction uses a field illegal for the
     *     layer, an unknown field or test, a label outside the program, or the program runs
     *     more than {@link #MAX_STEPS} steps
     */
    public static boolean execute(List<Instruction> program, Layer layer, PacketView packet, Address address)
            throws FilterEvaluationException {
        return PreparedProgram.of(program).execute(layer, packet, address);
    }
}
