package org.divert4j.filter.compiler;

import org.divert4j.filter.FilterException;

/**
 * Unwinds the parser at the first error (the generated parser's rules catch only
 * RecognitionException, so this passes through them).
 */
public final class ParseFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final FilterException error;

    ParseFailure(FilterException error) {
        super(error.getMessage(), null, false, false);
        this.error = error;
    }

    /** The compile error. */
    public FilterException error() {
        return error;
    }
}
