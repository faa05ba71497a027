package org.divert4j.filter;

/** The compile error codes and messages of WinDivert 2.2 (docs/spec/filter-language.md §10). */
public enum FilterError {
    /** 1. */
    OUT_OF_MEMORY(1, "Out of memory"),
    /** 2: nesting exceeded the depth budget. */
    TOO_DEEP(2, "Filter expression too deep"),
    /** 3: token budget or instruction limit exceeded. */
    TOO_LONG(3, "Filter expression too long"),
    /** 4: lexical error. */
    BAD_TOKEN(4, "Filter expression contains a bad token"),
    /** 5: field not legal in the layer. */
    BAD_TOKEN_FOR_LAYER(5, "Filter expression contains a bad token for layer"),
    /** 6: grammar error. */
    PARSE_ERROR(6, "Filter expression parse error"),
    /** 7: array index out of bounds. */
    INDEX_OUT_OF_BOUNDS(7, "Filter expression array index is out-of-bounds"),
    /** 8: output buffer too small for the object string. */
    OBJECT_BUFFER_TOO_SHORT(8, "Filter object buffer is too short"),
    /** 9: an {@code @WinDiv_} object string failed to decode. */
    INVALID_OBJECT(9, "Filter object is invalid"),
    /** 10: not reachable. */
    INTERNAL(10, "Internal assertion failed");

    private final int code;
    private final String message;

    FilterError(int code, String message) {
        this.code = code;
        this.message = message;
    }

    /** WinDivert's error code. */
    public int code() {
        return code;
    }

    /** WinDivert's error string. */
    public String message() {
        return message;
    }
}
