package org.divert4j.filter.object;

import java.util.List;
import org.divert4j.abi.Event;
import org.divert4j.abi.FilterFlag;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;

/**
 * The filter-flags word {@code WinDivertOpen} sends with STARTUP (docs/spec/filter-object.md (c)): which
 * directions, IP versions and events a program could possibly accept, by a conservative
 * backward analysis. The driver uses it only to skip callouts, so "possible" errs towards true.
 */
public final class FilterFlags {
    private FilterFlags() {
    }

    /** The flags word of {@code program} for a handle at {@code layer} (a subset of {@link FilterFlag#ALL}). */
    public static long compute(List<Instruction> program, Layer layer) {
        if (!possible(program, Field.ZERO, 0)) {
            return 0;
        }
        long flags = 0;
        if (layer.isNetwork()) {
            flags |= when(possible(program, Field.INBOUND, 1) && possible(program, Field.OUTBOUND, 0),
                    FilterFlag.INBOUND);
            flags |= when(possible(program, Field.OUTBOUND, 1) && possible(program, Field.INBOUND, 0),
                    FilterFlag.OUTBOUND);
        }
        if (layer != Layer.REFLECT) {
            flags |= when(possible(program, Field.IP, 1) && possible(program, Field.IPV6, 0), FilterFlag.IP);
            flags |= when(possible(program, Field.IPV6, 1) && possible(program, Field.IP, 0), FilterFlag.IPV6);
        }
        if (layer == Layer.FLOW) {
            flags |= event(program, Event.FLOW_DELETED, FilterFlag.EVENT_FLOW_DELETED);
        }
        if (layer == Layer.SOCKET) {
            flags |= event(program, Event.SOCKET_BIND, FilterFlag.EVENT_SOCKET_BIND);
            flags |= event(program, Event.SOCKET_CONNECT, FilterFlag.EVENT_SOCKET_CONNECT);
            flags |= event(program, Event.SOCKET_CLOSE, FilterFlag.EVENT_SOCKET_CLOSE);
            flags |= event(program, Event.SOCKET_LISTEN, FilterFlag.EVENT_SOCKET_LISTEN);
            flags |= event(program, Event.SOCKET_ACCEPT, FilterFlag.EVENT_SOCKET_ACCEPT);
        }
        return flags;
    }

    private static long event(List<Instruction> program, Event event, FilterFlag flag) {
        return when(possible(program, Field.EVENT, event.value()), flag);
    }

    private static long when(boolean condition, FilterFlag flag) {
        return condition ? flag.bit() : 0;
    }

    /**
     * POSSIBLE(f, v): could the program accept if {@code field} had the (unsigned 32-bit) value
     * {@code value}, assuming every other test could go either way?
     */
    public static boolean possible(List<Instruction> program, Field field, int value) {
        int n = program.size();
        if (n == 0) {
            return true;
        }
        boolean[] result = new boolean[n];
        for (int i = n - 1; i >= 0; i--) {
            Instruction ins = program.get(i);
            boolean s = outcome(ins.success(), i, result);
            boolean x = outcome(ins.failure(), i, result);
            if (s == x) {
                result[i] = s;
            } else if (ins.field() == field.id()) {
                if (ins.neg() || ins.arg1() != 0 || ins.arg2() != 0 || ins.arg3() != 0
                        || ins.test() < 0 || ins.test() > 5) {
                    // The unsigned 32-bit view below would be wrong; stay conservative.
                    result[i] = true;
                } else {
                    boolean t = Comparison.of(ins.test()).holds(Integer.compareUnsigned(value, ins.arg0()));
                    result[i] = t ? s : x;
                }
            } else {
                result[i] = true;
            }
        }
        return result[0];
    }

    private static boolean outcome(int label, int index, boolean[] result) {
        if (label == Instruction.ACCEPT) {
            return true;
        }
        if (label == Instruction.REJECT) {
            return false;
        }
        return label > index && label < result.length ? result[label] : true;
    }
}
