package org.divert4j.filter;

/**
 * A lint warning: a filter that compiles but whose WinDivert semantics are likely not what was
 * meant (docs/spec/README.md §1, "Lint").
 *
 * @param kind what is surprising
 * @param start byte offset of the test the warning is about
 * @param end byte offset just past that test
 * @param message the explanation, quoting the test
 */
public record FilterWarning(Kind kind, int start, int end, String message) {

    /** The surprising semantics a warning is about. */
    public enum Kind {
        /** Constant folding decided the test: it became {@code tcp == 0} or similar, or vanished. */
        FOLDED,
        /** A constant wider than the field: only its low 32 bits are compared. */
        WIDE_CONSTANT,
        /** A negative constant on an unsigned field: below every value. */
        NEGATIVE_CONSTANT,
        /** {@code ipv6.FlowLabel} does not hold the real flow label (byte-order quirk). */
        FLOW_LABEL,
        /** {@code not} on a field of a header that may be absent: still false without it. */
        NOT_ON_ABSENT_HEADER,
        /** An array index that lies outside every possible packet. */
        INDEX_NEVER_FITS,
        /**
         * The program compiles but a driver refuses it (docs/spec/filter-object.md a.7): usable with the
         * helper functions only, e.g. {@code ip.TOS == 300} or 256 instructions.
         */
        DRIVER_REFUSES
    }

    /** {@code warning at START: MESSAGE}. */
    @Override
    public String toString() {
        return "warning at " + start + ": " + message;
    }
}
