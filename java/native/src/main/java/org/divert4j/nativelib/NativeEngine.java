package org.divert4j.nativelib;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import org.divert4j.abi.Address;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.EvaluationEngine;
import org.divert4j.filter.eval.Verdict;

/**
 * The C core (the code the driver runs) as an {@link EvaluationEngine}: the filter is compiled
 * by the Java compiler for the address's layer, the program and the 80-byte address record go
 * to {@code libdivert4j.so} through {@link NativeEvaluator}.
 */
public final class NativeEngine implements EvaluationEngine {
    private final Function<Address, byte[]> addressRecord;

    /**
     * An engine that encodes addresses with {@code addressRecord}: the address codec lives in
     * divert4j-api, which is built on this module, so its user passes it in (the CLI gives
     * {@code AddressCodec::encode}).
     *
     * @param addressRecord makes the 80-byte address record of an address (docs/spec/device-abi.md §7)
     */
    public NativeEngine(Function<Address, byte[]> addressRecord) {
        this.addressRecord = Objects.requireNonNull(addressRecord, "addressRecord");
    }

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
        return NativeEvaluator.evaluate(program, address.layer(), packet, addressRecord.apply(address));
    }
}
