package org.divert4j.filter.eval;

/**
 * A filter evaluation that fails ({@code WinDivertHelperEvalFilter} returning FALSE with
 * ERROR_INVALID_PARAMETER; the driver treats it as "no match"): the packet or address does not
 * fit the layer, or the program uses a field illegal for the layer or does not terminate.
 */
public final class FilterEvaluationException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, for humans */
    public FilterEvaluationException(String message) {
        super(message);
    }
}
