package org.divert4j.cli;

import java.util.List;
import org.divert4j.abi.Address;
import org.divert4j.api.codec.AddressCodec;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.EvaluationEngine;
import org.divert4j.filter.eval.Verdict;
import org.divert4j.nativelib.NativeEvaluator;

/**
 * The C core (the code the driver runs) as an {@link EvaluationEngine}: the filter is compiled
 * by the Java compiler for the address's layer, the program and the 80-byte address record go
 * to {@code libdivert4j.so} through JNA.
 */
final class NativeEngine implements EvaluationEngine {
    @Override
    public String name() {
        return "native";
    }

    @Override
    public Verdict evaluate(String filter, byte[] packet, Address address) {
        List<Instruction> program;
        try {
            program = FilterCompiler.compile(filter, address.layer()).instructions();
        } catch (FilterException e) {
            return Verdict.error(e.getMessage());
        }
        return NativeEvaluator.evaluate(program, address.layer(), packet, AddressCodec.encode(address));
    }
}
