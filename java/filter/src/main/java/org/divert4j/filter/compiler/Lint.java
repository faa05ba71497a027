package org.divert4j.filter.compiler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterWarning;
import org.divert4j.filter.FilterWarning.Kind;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.optimize.ProgramOptimizer;
import org.divert4j.filter.optimize.TestImplications;

/**
 * Warnings about WinDivert semantics that surprise (docs/spec/README.md §1): folded tests, constants wider
 * than the field, negative constants on unsigned fields, {@code ipv6.FlowLabel}, {@code not} on
 * a header that may be absent, and payload indexes no packet can reach.
 */
public final class Lint {
    /** Largest TCP payload: an IPv6 packet of 65575 bytes with a 60-byte IPv6+TCP header. */
    static final int MAX_TCP_PAYLOAD = 65575 - 60;
    /** Largest UDP payload: IPv6 of 65575 bytes with a 48-byte IPv6+UDP header. */
    static final int MAX_UDP_PAYLOAD = 65575 - 48;

    private final String text;
    private final CodeGenerator.Program program;
    private final Layer layer;
    /** Per instruction: whether the tests before it establish its field's header. */
    private final boolean[] hasHeader;
    private final List<FilterWarning> out = new ArrayList<>();

    private Lint(String text, CodeGenerator.Program program, Layer layer) {
        this.text = text;
        this.program = program;
        this.layer = layer;
        List<Instruction> queries = new ArrayList<>(Arrays.asList(
                new Instruction[program.instructions().size()]));
        program.index().forEach((t, i) -> {
            Field header = t.field() == null ? null : TestImplications.header(t.field());
            if (t.negated() && header != null) {
                queries.set(i, new Instruction(header.id(), Comparison.EQ.id(), 0, 0, false, 1, 0, 0, 0));
            }
        });
        hasHeader = ProgramOptimizer.established(program.instructions(), layer, queries);
    }

    /**
     * The warnings for a parse tree, in source order.
     *
     * @param text the filter text the tree's offsets refer to
     * @param program the tree's program ({@link CodeGenerator#program})
     * @param layer the layer it is compiled for
     */
    public static List<FilterWarning> check(Ast.Node tree, String text, CodeGenerator.Program program, Layer layer) {
        Lint lint = new Lint(text, program, layer);
        lint.visit(tree, Context.FILTER);
        return List.copyOf(lint.out);
    }

    /** What a test decided by folding is part of: it says what the fold does to the filter. */
    private enum Context { FILTER, AND, OR, COND }

    private void visit(Ast.Node node, Context context) {
        if (node instanceof Ast.And a) {
            visit(a.left(), Context.AND);
            visit(a.right(), Context.AND);
        } else if (node instanceof Ast.Or o) {
            visit(o.left(), Context.OR);
            visit(o.right(), Context.OR);
        } else if (node instanceof Ast.Cond c) {
            visit(c.condition(), Context.COND);
            visit(c.then(), Context.COND);
            visit(c.otherwise(), Context.COND);
        } else {
            test((Ast.Test) node, context);
        }
    }

    private void test(Ast.Test t, Context context) {
        Field f = t.field();
        if (f == null || f == Field.ZERO) {
            return; // true, false and zero are constants on purpose
        }
        String src = "'" + text.substring(t.start(), t.end()) + "'";
        if (f == Field.IPV6_FLOWLABEL) {
            warn(t, Kind.FLOW_LABEL, src + ": ipv6.FlowLabel is not the real flow label; WinDivert"
                    + " reads (byte2 << 24) | (byte3 << 16) | ((byte1 & 0x0F) << 8) of the IPv6"
                    + " header, so a flow label of 5 is seen as 0x50000 and constants above"
                    + " 0xFFFFF are folded away");
        }
        Folding.Decision d = Folding.fold(t);
        if (d != null) {
            folded(t, d, src, context);
            return;
        }
        if (t.constant().negative() && f != Field.TIMESTAMP && f != Field.PRIORITY) {
            warn(t, Kind.NEGATIVE_CONSTANT, src + ": " + f.text() + " is unsigned, so a negative"
                    + " constant is below every value (" + f.text() + " > -5 always holds, == -0"
                    + " never does)");
        } else if (!f.wide() && !t.constant().fitsIn32Bits()) {
            warn(t, Kind.WIDE_CONSTANT, src + ": " + f.text() + " compares only the low 32 bits"
                    + " of the constant, i.e. 0x" + Integer.toHexString(t.constant().magnitude().word(0)));
        }
        if (t.negated()) {
            notMissing(t, src);
        }
        if (f.isArray()) {
            neverFits(t, src);
        }
    }

    private void folded(Ast.Test t, Folding.Decision d, String src, Context context) {
        if (d.type() == null && leftOut(d.value(), context)
                && ProgramOptimizer.constant(CodeGenerator.unfolded(t), layer) == (d.value() ? 1 : 0)) {
            // Every value the field can have gives that outcome, which its 'and'/'or' ignores.
            return;
        }
        if (d.type() == null) {
            warn(t, Kind.FOLDED, src + " is always " + d.value() + ": every packet's "
                    + t.field().text() + " " + (d.value() ? "passes" : "fails") + " it, so "
                    + effect(d.value(), context));
        } else if (d.value() && d.type() == TestImplications.header(t.field()) && !t.field().isArray()) {
            // 'P' matches exactly what the test did: a test on a P field is false without P.
            return;
        } else {
            String tau = d.type().text();
            warn(t, Kind.FOLDED, src + " can never " + (d.value() ? "fail" : "hold") + " for "
                    + tau + " packets, so WinDivert compiles it to '" + (d.value() ? "" : "not ")
                    + tau + "'" + (d.value() ? "" : ", which matches every packet that is not "
                    + tau));
        }
    }

    /** What a test that is always {@code value} does to the expression it is part of. */
    private static String effect(boolean value, Context context) {
        if (context == Context.FILTER) {
            return "the filter matches " + (value ? "every packet" : "no packet");
        }
        if (context == Context.COND) {
            return "it is a constant " + value + " in this '?:'";
        }
        if (!leftOut(value, context)) {
            return "this '" + (value ? "or" : "and") + "' is always " + value + (value
                    ? ": it matches every packet" : ": it matches no packet");
        }
        return "it is left out of this '" + (value ? "and" : "or") + "'";
    }

    /** Whether a test always {@code value} is the neutral operand of its 'and' (true) or 'or' (false). */
    private static boolean leftOut(boolean value, Context context) {
        return context == (value ? Context.AND : Context.OR);
    }

    private void neverFits(Ast.Test t, String src) {
        int limit;
        switch (t.field()) {
            case TCP_PAYLOAD: case TCP_PAYLOAD16: case TCP_PAYLOAD32:
                limit = MAX_TCP_PAYLOAD;
                break;
            case UDP_PAYLOAD: case UDP_PAYLOAD16: case UDP_PAYLOAD32:
                limit = MAX_UDP_PAYLOAD;
                break;
            default:
                return;
        }
        long k = Math.abs((long) t.index());
        long reach = t.index() >= 0 ? k + t.field().elementSize() : k;
        if (reach > limit) {
            warn(t, Kind.INDEX_NEVER_FITS, src + ": no packet has a payload of " + reach
                    + " bytes (at most " + limit + "), so the test is always false");
        }
    }

    /**
     * Warns if the packets a negated test can reach include ones it is false on because the
     * field is missing: without its header, unless the tests asked before it establish the
     * header (the optimizer's facts); too short for an array's index. A test never asked
     * changes nothing.
     */
    private void notMissing(Ast.Test t, String src) {
        Integer at = program.index().get(t);
        if (at == null) {
            return;
        }
        Field f = t.field();
        Field header = TestImplications.header(f);
        if (header != null && !hasHeader[at]) {
            warn(t, Kind.NOT_ON_ABSENT_HEADER, src + ": 'not' does not match packets without a "
                    + header.text() + " header; the test is false there like every test on " + f.text()
                    + "; add 'not " + header.text() + " or ...' to include them");
        } else if (f.isArray()) {
            warn(t, Kind.NOT_ON_ABSENT_HEADER, src + ": 'not' does not match packets too short for"
                    + " the index; the test is false there like every test on " + f.text());
        }
    }

    private void warn(Ast.Test t, Kind kind, String message) {
        out.add(new FilterWarning(kind, t.start(), t.end(), message));
    }
}
