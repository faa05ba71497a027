package org.divert4j.filter.compiler;

import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.ParserRuleContext;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.TokenStream;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;

/**
 * The semantic checks the grammar runs while it parses, in the order the reference performs
 * them: the depth budget (docs/spec/filter-language.md §3.3), the error overwriting inside parentheses
 * (docs/spec/filter-language.md §3.4) and the array index bounds (§5.2).
 */
public abstract class FilterParserBase extends Parser {
    /** The largest index number written in brackets. */
    static final long MAX_INDEX_NUMBER = 65575;
    /** The largest byte offset of an element. */
    static final int MAX_OFFSET = 65535;

    protected FilterParserBase(TokenStream input) {
        super(input);
        setErrorHandler(new FailFastErrorStrategy());
        removeErrorListeners();
    }

    /** The generated {@code expr} rule, re-entered after a failure inside {@code (…?}. */
    public abstract ParserRuleContext expr(int d);

    /** Each of expr/chain/operand first checks its budget. */
    protected final void enter(int d) {
        if (d < 0) {
            Token t = getCurrentToken();
            throw new ParseFailure(new FilterException(FilterError.TOO_DEEP,
                    FailFastErrorStrategy.position(t), "nesting exceeds the depth budget of 1024"
                    + " (about 340 parentheses)"));
        }
    }

    /**
     * docs/spec/filter-language.md §3.4: the expression inside {@code (} failed. At {@code )} the original error stands; at
     * {@code ?} the branches are parsed on (their errors win; if they parse, the original error
     * stands, where the reference would crash); anywhere else the error becomes a parse error at
     * the current token.
     */
    protected final void failedInParentheses(ParseFailure failure, int d) {
        Token t = getCurrentToken();
        if (t.getType() == FilterLexer.CLOSE) {
            consume();
            throw failure;
        }
        if (t.getType() == FilterLexer.QUESTION) {
            consume();
            expr(d);
            match(FilterLexer.COLON);
            expr(d);
            match(FilterLexer.CLOSE);
            throw failure;
        }
        FilterException inner = failure.error();
        throw new ParseFailure(new FilterException(FilterError.PARSE_ERROR,
                FailFastErrorStrategy.position(t), "unexpected " + FailFastErrorStrategy.describe(t)
                + " inside parentheses (after: " + inner.getMessage() + ")"));
    }

    /** docs/spec/filter-language.md §5.2 rule 1: the number in brackets, checked before it is consumed. */
    protected final void checkIndexNumber() {
        Token t = getCurrentToken();
        if (t.getType() != FilterLexer.NUMBER) {
            return; // match() reports the parse error
        }
        FilterToken n = (FilterToken) t;
        Constant v = n.value();
        if (!v.fitsIn32Bits() || (v.magnitude().lo() & 0xFFFFFFFFL) > MAX_INDEX_NUMBER) {
            throw new ParseFailure(new FilterException(FilterError.INDEX_OUT_OF_BOUNDS,
                    n.reportedPosition(), "index " + v.magnitude().toBigInteger()
                    + " is larger than " + MAX_INDEX_NUMBER));
        }
    }

    /** docs/spec/filter-language.md §5.2 rule 2: the scaled byte offset, checked at the token after the index. */
    protected final void checkIndex(Token fieldToken, Token minus, Token number, Token bytes) {
        Field field = ((FilterToken) fieldToken).field();
        int size = field.elementSize();
        long n = ((FilterToken) number).value().magnitude().lo();
        long k = bytes != null ? n : n * size;
        boolean ok = minus == null ? k <= MAX_OFFSET - size : k >= size && k <= MAX_OFFSET;
        if (!ok) {
            Token t = getCurrentToken();
            String where = minus == null
                    ? "byte offset " + k + " must be at most " + (MAX_OFFSET - size)
                    : "byte offset -" + k + " must lie in -" + MAX_OFFSET + "..-" + size;
            throw new ParseFailure(new FilterException(FilterError.INDEX_OUT_OF_BOUNDS,
                    FailFastErrorStrategy.position(t), field.text() + ": " + where));
        }
    }
}
