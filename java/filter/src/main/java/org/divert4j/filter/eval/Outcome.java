package org.divert4j.filter.eval;

import java.util.Locale;

/** The three results of evaluating a filter: it matches, it does not, or evaluation fails. */
public enum Outcome {
    /** The filter matches. */
    MATCH,
    /** The filter does not match. */
    NOMATCH,
    /** The filter does not compile for the layer, or the packet/address is invalid for it. */
    ERROR;

    /** The word used in vector files and CLI output ({@code match}, {@code nomatch}, {@code error}). */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The outcome named by {@code word}.
     *
     * @throws IllegalArgumentException if it is not match, nomatch or error
     */
    public static Outcome ofWord(String word) {
        for (Outcome o : values()) {
            if (o.word().equals(word)) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown outcome '" + word + "' (expected match, nomatch or error)");
    }
}
