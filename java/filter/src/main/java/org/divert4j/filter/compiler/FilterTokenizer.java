package org.divert4j.filter.compiler;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.antlr.v4.runtime.CharStreams;
import org.antlr.v4.runtime.Token;
import org.divert4j.abi.Layer;
import org.divert4j.abi.U128;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.packet.IpAddresses;

/**
 * Turns filter text into the parser's tokens (docs/spec/filter-language.md §2): runs the generated
 * {@link FilterLexer} for the raw lexemes and classifies words by the name table of the layer,
 * the discarded {@code b}, and the decimal, hex, IPv4 and IPv6 literal rules, with the token
 * budget and WinDivert's error positions. Tokenizing completes before parsing, so a lexical error
 * anywhere wins over a parse error earlier in the text.
 */
public final class FilterTokenizer {
    /** Tokens the reference stores at most (END not counted, docs/spec/filter-language.md §2.4). */
    static final int MAX_TOKENS = 1277;
    /** The longest word in bytes (docs/spec/filter-language.md §2.3). */
    static final int MAX_WORD = 39;

    private static final BigInteger LIMIT = BigInteger.ONE.shiftLeft(128);

    private FilterTokenizer() {
    }

    /**
     * The tokens of {@code text} for {@code layer}, ending with EOF at the text's length.
     *
     * @param text the filter as bytes, one char per byte (ISO-8859-1), without NUL
     */
    public static List<Token> tokenize(String text, Layer layer) throws FilterException {
        FilterLexer lexer = new FilterLexer(CharStreams.fromString(text));
        lexer.removeErrorListeners();
        List<Token> out = new ArrayList<>();
        int scanPos = 0;
        int pendingColon = -1;
        while (true) {
            // One past the budget: the reference refuses to scan anything more, even END.
            if (out.size() > MAX_TOKENS) {
                throw new FilterException(FilterError.TOO_LONG, scanPos,
                        "more than " + MAX_TOKENS + " tokens");
            }
            if (pendingColon >= 0) {
                out.add(token(FilterLexer.COLON, ":", pendingColon, pendingColon));
                scanPos = pendingColon + 1;
                pendingColon = -1;
                continue;
            }
            Token raw = lexer.nextToken();
            int start = raw.getStartIndex();
            switch (raw.getType()) {
                case Token.EOF:
                    out.add(token(Token.EOF, "<END>", text.length(), text.length() - 1));
                    return out;
                case FilterLexer.BAD_BYTE:
                    throw new FilterException(FilterError.BAD_TOKEN, start + 1,
                            "unexpected character " + describe(text.charAt(start)));
                case FilterLexer.BAD_AND:
                case FilterLexer.BAD_OR:
                    String op = raw.getType() == FilterLexer.BAD_AND ? "&&" : "||";
                    throw new FilterException(FilterError.BAD_TOKEN, start + 1,
                            "'" + op.charAt(0) + "' must be doubled: '" + op + "'");
                case FilterLexer.WORD:
                    pendingColon = word(raw.getText(), start, layer, out);
                    scanPos = pendingColon >= 0 ? pendingColon : raw.getStopIndex() + 1;
                    break;
                default:
                    out.add(token(raw.getType(), raw.getText(), start, raw.getStopIndex()));
                    scanPos = raw.getStopIndex() + 1;
                    break;
            }
        }
    }

    /**
     * Classifies one word and appends its tokens. Returns the offset of a trailing colon that is
     * to be re-scanned as a COLON token, or -1.
     */
    private static int word(String word, int start, Layer layer, List<Token> out)
            throws FilterException {
        if (word.length() > MAX_WORD) {
            throw new FilterException(FilterError.BAD_TOKEN, start,
                    "word of " + word.length() + " bytes (at most " + MAX_WORD + ")");
        }
        int colon = -1;
        int errorPos = start;
        int n = word.length();
        if (n >= 2 && word.charAt(n - 1) == ':' && word.charAt(n - 2) != ':') {
            word = word.substring(0, n - 1);
            colon = start + n - 1;
            errorPos = start - 1; // QUIRK reproduced from the reference (docs/spec/filter-language.md §2.3)
        }
        int stop = start + word.length() - 1;
        Field field = Field.byText(word);
        if (field != null) {
            if (!field.legalIn(layer)) {
                throw new FilterException(FilterError.BAD_TOKEN_FOR_LAYER, errorPos,
                        "'" + word + "' cannot be used at layer " + layer);
            }
            out.add(new FilterToken(field.isArray() ? FilterLexer.ARRAY_FIELD : FilterLexer.FIELD,
                    word, start, stop, start, field, null, false));
            return colon;
        }
        switch (word) {
            case "true":
            case "false":
                out.add(new FilterToken(FilterLexer.FIELD, word, start, stop, start, null, null,
                        word.equals("true")));
                return colon;
            case "and":
                out.add(token(FilterLexer.AND, word, start, stop));
                return colon;
            case "or":
                out.add(token(FilterLexer.OR, word, start, stop));
                return colon;
            case "not":
                out.add(token(FilterLexer.NOT, word, start, stop));
                return colon;
            case "b":
                return colon; // QUIRK: a lone b is dropped (docs/spec/filter-language.md §2.3)
            default:
                break;
        }
        Macro macro = Macro.byName(word);
        if (macro != null) {
            out.add(macro.validIn(layer)
                    ? number(word, start, stop, Constant.of(macro.value(layer)))
                    : token(FilterLexer.BAD_MACRO, word, start, stop));
            return colon;
        }
        U128 value = decimal(word);
        if (value != null) {
            out.add(number(word, start, stop, new Constant(false, value)));
            return colon;
        }
        if (word.endsWith("b") && (value = decimal(word.substring(0, word.length() - 1))) != null) {
            out.add(number(word, start, stop - 1, new Constant(false, value)));
            // The reference never sets the position of the implicit BYTES token.
            out.add(new FilterToken(FilterLexer.BYTES, "b", stop, stop, 0, null, null, false));
            return colon;
        }
        value = hex(word);
        if (value == null) {
            OptionalInt v4 = IpAddresses.parseIpv4(word);
            if (v4.isPresent()) {
                value = U128.ipv4Mapped(v4.getAsInt());
            } else {
                Optional<U128> v6 = IpAddresses.parseIpv6(word);
                if (v6.isPresent()) {
                    value = v6.get();
                }
            }
        }
        if (value == null) {
            throw new FilterException(FilterError.BAD_TOKEN, errorPos, "'" + word
                    + "' is not a field, keyword, macro or number for layer " + layer);
        }
        out.add(number(word, start, stop, new Constant(false, value)));
        return colon;
    }

    private static U128 decimal(String s) {
        if (s.isEmpty()) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        BigInteger v = new BigInteger(s);
        return v.compareTo(LIMIT) < 0 ? U128.of(v) : null;
    }

    private static U128 hex(String s) {
        if (!s.startsWith("0x")) {
            return null;
        }
        String digits = s.substring(2);
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), 16) < 0) {
                return null;
            }
        }
        if (digits.isEmpty()) {
            return U128.ZERO; // QUIRK: "0x" alone is 0
        }
        BigInteger v = new BigInteger(digits, 16);
        return v.compareTo(LIMIT) < 0 ? U128.of(v) : null;
    }

    private static FilterToken number(String text, int start, int stop, Constant value) {
        return new FilterToken(FilterLexer.NUMBER, text, start, stop, start, null, value, false);
    }

    private static FilterToken token(int type, String text, int start, int stop) {
        return new FilterToken(type, text, start, stop, start, null, null, false);
    }

    private static String describe(char c) {
        return c >= 0x21 && c <= 0x7E ? "'" + c + "'" : String.format("0x%02x", (int) c);
    }
}
