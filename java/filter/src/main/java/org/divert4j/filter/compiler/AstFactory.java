package org.divert4j.filter.compiler;

import org.antlr.v4.runtime.Token;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;

/** Turns the parse tree into the {@link Ast}: and left-nested, or right-nested (docs/spec/filter-language.md §3.2). */
public final class AstFactory {
    private AstFactory() {
    }

    /** The tree of a successfully parsed filter. */
    public static Ast.Node build(FilterParser.FilterContext filter) {
        return expr(filter.expr());
    }

    private static Ast.Node expr(FilterParser.ExprContext e) {
        return chain(e.chain());
    }

    private static Ast.Node chain(FilterParser.ChainContext c) {
        Ast.Node node = operand(c.operand(0));
        for (int i = 1; i < c.operand().size(); i++) {
            node = new Ast.And(node, operand(c.operand(i)));
        }
        return c.chain() == null ? node : new Ast.Or(node, chain(c.chain()));
    }

    private static Ast.Node operand(FilterParser.OperandContext o) {
        if (o.test() != null) {
            return test(o.test());
        }
        FilterParser.GroupContext g = o.group();
        Ast.Node inner = expr(g.parenBody().expr());
        if (g.QUESTION() == null) {
            return inner;
        }
        return new Ast.Cond(inner, expr(g.expr(0)), expr(g.expr(1)));
    }

    private static Ast.Node test(FilterParser.TestContext t) {
        FilterParser.FieldRefContext ref = t.fieldRef();
        FilterToken name = (FilterToken) (ref.FIELD() != null ? ref.FIELD() : ref.ARRAY_FIELD()).getSymbol();
        Field field = name.field();
        int index = 0;
        if (ref.n != null) {
            long n = ((FilterToken) ref.n).value().magnitude().lo();
            long k = ref.b != null ? n : n * field.elementSize();
            index = (int) (ref.neg != null ? -k : k);
        }
        Comparison op = Comparison.NEQ;
        Constant constant = Constant.ZERO;
        if (t.relop() != null) {
            op = relop(t.relop().getStart());
            Constant v = ((FilterToken) t.value).value();
            constant = new Constant(t.neg != null, v.magnitude());
        }
        boolean negated = t.nots.size() % 2 == 1;
        if (negated) {
            op = op.negate();
        }
        return new Ast.Test(field, name.literal(), op, constant, index, negated,
                t.getStart().getStartIndex(), t.getStop().getStopIndex() + 1);
    }

    private static Comparison relop(Token t) {
        switch (t.getType()) {
            case FilterLexer.EQ: return Comparison.EQ;
            case FilterLexer.NEQ: return Comparison.NEQ;
            case FilterLexer.LT: return Comparison.LT;
            case FilterLexer.LEQ: return Comparison.LEQ;
            case FilterLexer.GT: return Comparison.GT;
            default: return Comparison.GEQ;
        }
    }
}
