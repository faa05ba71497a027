package org.divert4j.api;

import java.util.List;
import org.divert4j.abi.FilterFlag;
import org.divert4j.abi.Layer;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;

/**
 * A compiled filter as the driver receives it at STARTUP: the instruction program and the filter
 * flags computed from it (docs/spec/filter-object.md (a), (c)).
 *
 * @param instructions the program, 1 … 255 instructions, instruction 0 the entry
 * @param filterFlags the filter flags (bits of {@link FilterFlag}, within {@link FilterFlag#ALL})
 * @param text the filter text it was compiled from, for messages (may be null)
 */
public record FilterProgram(List<Instruction> instructions, long filterFlags, String text) {

    /**
     * Copies the list and checks it is non-empty.
     *
     * @param instructions the program
     * @param filterFlags the filter flags
     * @param text the source text (may be null)
     */
    public FilterProgram {
        instructions = List.copyOf(instructions);
        if (instructions.isEmpty()) {
            throw new IllegalArgumentException("a filter program has at least one instruction");
        }
    }

    /**
     * Compiles filter text (or an {@code @WinDiv_} object string) for a layer and computes its
     * filter flags, as {@code WinDivertOpen} does.
     *
     * @param filter filter text or object string
     * @param layer the layer to compile for
     * @return the program and its flags
     * @throws DivertException.InvalidFilterException (87) with the compiler's diagnostic: the
     *     error, its position and a caret line
     */
    public static FilterProgram compile(String filter, Layer layer) {
        CompiledFilter c;
        try {
            c = FilterCompiler.compile(filter, layer);
        } catch (FilterException e) {
            throw new DivertException.InvalidFilterException("compile filter for " + layer, e.render(filter), e);
        }
        return new FilterProgram(c.instructions(), c.flags(), filter);
    }

    /**
     * The program of {@code true} at a layer: one instruction that accepts, and every flag the
     * layer can use (docs/spec/filter-object.md (c): NETWORK layers 0xF0, FLOW 0x1C0, SOCKET 0x3EC0,
     * REFLECT 0).
     *
     * @param layer the layer
     * @return the program
     */
    public static FilterProgram acceptAll(Layer layer) {
        long ipBoth = FilterFlag.IP.bit() | FilterFlag.IPV6.bit();
        long flags = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> FilterFlag.INBOUND.bit() | FilterFlag.OUTBOUND.bit() | ipBoth;
            case FLOW -> ipBoth | FilterFlag.EVENT_FLOW_DELETED.bit();
            case SOCKET -> ipBoth | FilterFlag.EVENT_SOCKET_BIND.bit() | FilterFlag.EVENT_SOCKET_CONNECT.bit()
                    | FilterFlag.EVENT_SOCKET_LISTEN.bit() | FilterFlag.EVENT_SOCKET_ACCEPT.bit()
                    | FilterFlag.EVENT_SOCKET_CLOSE.bit();
            case REFLECT -> 0;
        };
        return new FilterProgram(List.of(constant(Instruction.ACCEPT)), flags, "true");
    }

    /** {@return the program of {@code false}: one instruction that rejects, flags 0 (nothing is captured; for send-only handles)} */
    public static FilterProgram rejectAll() {
        return new FilterProgram(List.of(constant(Instruction.REJECT)), 0, "false");
    }

    private static Instruction constant(int label) {
        return new Instruction(0, 0, label, label, false, 0, 0, 0, 0);
    }

    /** {@return the program as n × 24 bytes} */
    public byte[] encode() {
        return Instruction.encodeProgram(instructions);
    }
}
