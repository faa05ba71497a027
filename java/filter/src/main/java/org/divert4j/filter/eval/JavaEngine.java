package org.divert4j.filter.eval;

import java.nio.ByteBuffer;
import org.divert4j.abi.Address;

/** The Java evaluator as an {@link EvaluationEngine}. */
public final class JavaEngine implements EvaluationEngine {
    @Override
    public String name() {
        return "java";
    }

    @Override
    public Verdict evaluate(String filter, byte[] packet, Address address) {
        return packet == null ? FilterEvaluator.evaluate(filter, null, 0, 0, address)
                : FilterEvaluator.evaluate(filter, ByteBuffer.wrap(packet), 0, packet.length, address);
    }
}
