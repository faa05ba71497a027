package org.divert4j.filter.compiler;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;

/**
 * Code generation exactly as docs/spec/filter-object.md a.5: labels in creation order, right/else parts
 * generated before left/condition parts, folded tests short-circuiting to their continuation,
 * dead code below the root kept, at most 256 labels.
 */
public final class CodeGenerator {
    /** The most labels (instructions) the reference allocates. */
    public static final int MAX_LABELS = 256;
    private static final int FAILED = -1;

    /** A generated test, the test of the tree it comes from and its continuations (labels, ACCEPT or REJECT). */
    private record Labelled(Ast.Test source, Field field, Comparison op, Constant constant, int index, int yes,
            int no) {
    }

    /**
     * A generated program.
     *
     * @param instructions the program, as {@link #generate} returns it
     * @param index the instruction each test of the tree became, by identity; a test with
     *     none is never asked (folded away, or in a branch a folded test cut off)
     */
    public record Program(List<Instruction> instructions, Map<Ast.Test, Integer> index) {
    }

    private final List<Labelled> labels = new ArrayList<>();

    private CodeGenerator() {
    }

    /**
     * The program of a parse tree.
     *
     * @throws FilterException "too long" at 0 if more than 256 instructions would be needed
     */
    public static List<Instruction> generate(Ast.Node tree) throws FilterException {
        return program(tree).instructions();
    }

    /**
     * The program of a parse tree, with the instruction of each of its tests.
     *
     * @throws FilterException "too long" at 0 if more than 256 instructions would be needed
     */
    public static Program program(Ast.Node tree) throws FilterException {
        CodeGenerator g = new CodeGenerator();
        int root = g.gen(tree, Instruction.ACCEPT, Instruction.REJECT);
        if (root == FAILED) {
            throw new FilterException(FilterError.TOO_LONG, 0,
                    "the filter needs more than " + MAX_LABELS + " instructions");
        }
        List<Instruction> program = new ArrayList<>();
        Map<Ast.Test, Integer> index = new IdentityHashMap<>();
        if (root == Instruction.ACCEPT || root == Instruction.REJECT) {
            program.add(new Instruction(Field.ZERO.id(), Comparison.EQ.id(), root, root, false, 0, 0, 0, 0));
            return new Program(List.copyOf(program), index);
        }
        for (int k = 0; k <= root; k++) {
            Labelled t = g.labels.get(root - k);
            index.put(t.source(), k);
            program.add(instruction(t.field(), t.op(), t.constant(), t.index(), target(t.yes(), root),
                    target(t.no(), root)));
        }
        return new Program(List.copyOf(program), index);
    }

    /** The test as written, before folding, as an instruction whose continuations are 0. */
    public static Instruction unfolded(Ast.Test t) {
        return instruction(t.field(), t.op(), t.constant(), t.index(), 0, 0);
    }

    private static Instruction instruction(Field field, Comparison op, Constant constant, int index, int yes,
            int no) {
        int[] w = words(constant);
        if (field.isArray()) {
            w[1] = index;
        }
        return new Instruction(field.id(), op.id(), yes, no, constant.negative(), w[0], w[1], w[2], w[3]);
    }

    private static int target(int label, int root) {
        return label == Instruction.ACCEPT || label == Instruction.REJECT ? label : root - label;
    }

    private static int[] words(Constant c) {
        return new int[] {c.magnitude().word(0), c.magnitude().word(1), c.magnitude().word(2),
            c.magnitude().word(3)};
    }

    // Recursion depth is bounded by the parser's depth budget (1024).
    private int gen(Ast.Node node, int yes, int no) {
        if (yes == FAILED || no == FAILED) {
            return FAILED;
        }
        if (node instanceof Ast.And a) {
            int m = gen(a.right(), yes, no);
            return gen(a.left(), m, no);
        }
        if (node instanceof Ast.Or o) {
            int m = gen(o.right(), yes, no);
            return gen(o.left(), yes, m);
        }
        if (node instanceof Ast.Cond c) {
            int me = gen(c.otherwise(), yes, no);
            int mt = gen(c.then(), yes, no);
            return gen(c.condition(), mt, me);
        }
        Ast.Test t = (Ast.Test) node;
        Field field = t.field();
        Comparison op = t.op();
        Constant constant = t.constant();
        Folding.Decision d = Folding.fold(t);
        if (d != null) {
            if (d.type() == null) {
                return d.value() ? yes : no;
            }
            field = d.type();
            op = Comparison.EQ;
            constant = d.value() ? Constant.ONE : Constant.ZERO;
        }
        if (labels.size() >= MAX_LABELS) {
            return FAILED;
        }
        labels.add(new Labelled(t, field, op, constant, field.isArray() ? t.index() : 0, yes, no));
        return labels.size() - 1;
    }
}
