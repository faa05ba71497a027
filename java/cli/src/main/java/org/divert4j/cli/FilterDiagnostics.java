package org.divert4j.cli;

import java.nio.charset.StandardCharsets;
import org.divert4j.filter.FilterException;

/** The compiler's errors and warnings shown against the filter text they are about. */
final class FilterDiagnostics {
    private FilterDiagnostics() {
    }

    /** The filter text as bytes, one char per byte, so that carets line up with byte offsets. */
    private static String asBytes(String filter) {
        return new String(filter.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** The compile error as exit status 1, its message with a caret under the filter. */
    static InvalidInputException invalid(FilterException e, String filter) {
        return new InvalidInputException(e.render(asBytes(filter)));
    }

    /** A caret line under bytes [start, end) of the filter. */
    static String underline(String filter, int start, int end) {
        String bytes = asBytes(filter);
        StringBuilder line = new StringBuilder("  ");
        for (int i = 0; i < bytes.length(); i++) {
            char c = bytes.charAt(i);
            line.append(c < 0x20 || c > 0x7E ? ' ' : c);
        }
        return line + "\n  " + " ".repeat(start) + "^".repeat(Math.max(1, end - start));
    }
}
