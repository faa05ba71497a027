package org.divert4j.filter.eval;

import org.divert4j.abi.Address;

/**
 * Something that evaluates a filter like {@code WinDivertHelperEvalFilter}
 * (docs/spec/filter-language.md §8.5): the Java evaluator, or the C core through JNA. All engines must
 * agree on every case.
 */
public interface EvaluationEngine {
    /** The engine's name as the CLI selects it. */
    String name();

    /**
     * Compiles {@code filter} (text or object string) for the address's layer and evaluates it.
     *
     * @param packet the IP packet (NETWORK, NETWORK_FORWARD), or null
     * @return match, no match, or an error with its reason
     */
    Verdict evaluate(String filter, byte[] packet, Address address);
}
