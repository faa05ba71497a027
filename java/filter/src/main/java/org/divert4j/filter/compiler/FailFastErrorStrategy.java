package org.divert4j.filter.compiler;

import java.util.List;
import org.antlr.v4.runtime.DefaultErrorStrategy;
import org.antlr.v4.runtime.Parser;
import org.antlr.v4.runtime.RecognitionException;
import org.antlr.v4.runtime.Token;
import org.antlr.v4.runtime.misc.IntervalSet;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;

/**
 * Replaces ANTLR's recovery: the first token no rule accepts ends the parse with WinDivert's
 * "parse error" at that token's reported position, naming what was expected. Nothing is printed
 * and nothing is repaired, so what is accepted is exactly the grammar.
 */
final class FailFastErrorStrategy extends DefaultErrorStrategy {

    @Override
    public void reportError(Parser recognizer, RecognitionException e) {
        Token t = e.getOffendingToken() != null ? e.getOffendingToken() : recognizer.getCurrentToken();
        throw failure(recognizer, t, e.getExpectedTokens());
    }

    @Override
    public void recover(Parser recognizer, RecognitionException e) {
        throw failure(recognizer, recognizer.getCurrentToken(), e.getExpectedTokens());
    }

    @Override
    public Token recoverInline(Parser recognizer) {
        throw failure(recognizer, recognizer.getCurrentToken(), recognizer.getExpectedTokens());
    }

    @Override
    public void sync(Parser recognizer) {
        // Errors are found where the reference finds them, by the LL(1) decisions and match().
    }

    static ParseFailure failure(Parser recognizer, Token t, IntervalSet expected) {
        return new ParseFailure(new FilterException(FilterError.PARSE_ERROR, position(t),
                "unexpected " + describe(t) + expectation(recognizer, expected)));
    }

    static int position(Token t) {
        return t instanceof FilterToken ? ((FilterToken) t).reportedPosition() : t.getStartIndex();
    }

    static String describe(Token t) {
        if (t.getType() == Token.EOF) {
            return "end of filter";
        }
        if (t.getType() == FilterLexer.BYTES) {
            return "'b' suffix at offset " + t.getStartIndex() + " (WinDivert reports position 0)";
        }
        if (t.getType() == FilterLexer.BAD_MACRO) {
            return "'" + t.getText() + "' (a macro not defined for this layer)";
        }
        return "'" + t.getText() + "'";
    }

    private static String expectation(Parser recognizer, IntervalSet expected) {
        if (expected == null || expected.isNil()) {
            return "";
        }
        List<Integer> types = expected.toList();
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < types.size(); k++) {
            if (k > 0) {
                sb.append(k == types.size() - 1 ? " or " : ", ");
            }
            sb.append(name(types.get(k)));
        }
        return "; expected " + sb;
    }

    private static String name(int type) {
        switch (type) {
            case Token.EOF: return "end of filter";
            case FilterLexer.NUMBER: return "a number";
            case FilterLexer.FIELD: return "a field";
            case FilterLexer.ARRAY_FIELD: return "an array field";
            case FilterLexer.BYTES: return "'b'";
            case FilterLexer.AND: return "'and'";
            case FilterLexer.OR: return "'or'";
            case FilterLexer.NOT: return "'not'";
            case FilterLexer.EQ: return "'=='";
            default:
                String literal = FilterLexer.VOCABULARY.getLiteralName(type);
                return literal != null ? literal : FilterLexer.VOCABULARY.getSymbolicName(type);
        }
    }
}
