package org.divert4j.filter.compiler;

import org.antlr.v4.runtime.CommonToken;
import org.divert4j.filter.Field;

/**
 * A token of the filter language as the parser sees it: ANTLR's token plus what the word
 * classification found (the field of a FIELD/ARRAY_FIELD, the value of a NUMBER) and the
 * position WinDivert reports for it, which differs from the start offset for the implicit BYTES
 * token of {@code 80b} (always 0, docs/spec/filter-language.md §2.3).
 */
public final class FilterToken extends CommonToken {
    private static final long serialVersionUID = 1L;

    private final int reportedPosition;
    private final transient Field field;
    private final transient Constant value;
    private final boolean literal;

    FilterToken(int type, String text, int start, int stop, int reportedPosition, Field field,
            Constant value, boolean literal) {
        super(type, text);
        setStartIndex(start);
        setStopIndex(stop);
        this.reportedPosition = reportedPosition;
        this.field = field;
        this.value = value;
        this.literal = literal;
    }

    /** The byte offset WinDivert reports for errors at this token. */
    public int reportedPosition() {
        return reportedPosition;
    }

    /** The field of a FIELD or ARRAY_FIELD token; null for {@code true}/{@code false} and others. */
    public Field field() {
        return field;
    }

    /** The value of a NUMBER token, else null. */
    public Constant value() {
        return value;
    }

    /** For the pseudo-fields: true for {@code true}, false for {@code false}. */
    public boolean literal() {
        return literal;
    }
}
