package org.divert4j.filter.compiler;

import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;

/**
 * The one way formatted text (docs/spec/filter-object.md d.4, printed exactly as the reference does) can
 * fail to compile again: the ternary's {@code ": "} is glued to the value before it, so an
 * address ending in {@code ::} becomes the word {@code :::} and a 39-digit number becomes a
 * 40-byte word.
 */
final class GluedColon {
    private GluedColon() {
    }

    /** True if recompiling {@code text} failed because of a word glued to the ternary's colon. */
    static boolean explains(String text, FilterException e) {
        if (e.error() != FilterError.BAD_TOKEN) {
            return false;
        }
        int i = Math.max(0, e.position());
        while (i < text.length() && !isWordByte(text.charAt(i))) {
            i++;
        }
        int start = i;
        while (i < text.length() && isWordByte(text.charAt(i))) {
            i++;
        }
        return text.substring(start, i).endsWith(":");
    }

    private static boolean isWordByte(char c) {
        return c < 0x80 && Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == ':';
    }
}
