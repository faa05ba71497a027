package org.divert4j.filter.compiler;

import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;

/** The parse tree of docs/spec/filter-language.md §3.2 ({@code not} already absorbed into the test). */
public final class Ast {
    private Ast() {
    }

    /** A node of the tree. */
    public sealed interface Node permits And, Or, Cond, Test {
    }

    /** {@code left and right}. */
    public record And(Node left, Node right) implements Node {
    }

    /** {@code left or right}. */
    public record Or(Node left, Node right) implements Node {
    }

    /** {@code (condition ? then : otherwise)}. */
    public record Cond(Node condition, Node then, Node otherwise) implements Node {
    }

    /**
     * A test {@code field op constant}.
     *
     * @param field the field, or null for the pseudo-fields {@code true}/{@code false}
     * @param literal the pseudo-field's value when {@code field} is null
     * @param op the comparison, {@code not}s absorbed
     * @param constant the constant
     * @param index the signed byte index of an array field, else 0
     * @param negated true if an odd number of {@code not}s was absorbed
     * @param start byte offset of the test's first token
     * @param end byte offset just past its last token
     */
    public record Test(Field field, boolean literal, Comparison op, Constant constant, int index,
            boolean negated, int start, int end) implements Node {
    }
}
