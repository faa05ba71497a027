package org.divert4j.filter;

/**
 * A filter (text or object) that does not compile, or a program that fails validation: the
 * WinDivert error, its 0-based byte position, and optionally what was expected there.
 */
public final class FilterException extends Exception {
    private static final long serialVersionUID = 1L;

    private final FilterError error;
    private final int position;
    private final String detail;

    /**
     * @param error the WinDivert error
     * @param position 0-based byte offset in the filter string (0 for object and length errors)
     * @param detail what was expected or why, for humans (may be null)
     */
    public FilterException(FilterError error, int position, String detail) {
        super(error.message() + " at position " + position + (detail == null ? "" : ": " + detail));
        this.error = error;
        this.position = position;
        this.detail = detail;
    }

    /** The WinDivert error. */
    public FilterError error() {
        return error;
    }

    /** The 0-based byte offset WinDivert reports. */
    public int position() {
        return position;
    }

    /** What was expected or why (may be null). */
    public String detail() {
        return detail;
    }

    /**
     * The error for a terminal: the message, the filter, and a caret under the position.
     * Non-printable bytes of the filter are shown as spaces, so the caret stays aligned when
     * {@code filter} holds one char per byte. Position -1 (WinDivert's start−1 quirk for a word
     * at offset 0) puts the caret at 0.
     */
    public String render(String filter) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            line.append(c < 0x20 || c > 0x7E ? ' ' : c);
        }
        int caret = Math.max(0, Math.min(position, line.length()));
        return getMessage() + "\n  " + line + "\n  " + " ".repeat(caret) + "^";
    }
}
