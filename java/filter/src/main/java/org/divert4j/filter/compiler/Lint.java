package org.divert4j.filter.compiler;

import java.util.ArrayList;
import java.util.List;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterWarning;
import org.divert4j.filter.FilterWarning.Kind;

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
    private final List<FilterWarning> out = new ArrayList<>();

    private Lint(String text) {
        this.text = text;
    }

    /**
     * The warnings for a parse tree, in source order.
     *
     * @param text the filter text the tree's offsets refer to
     */
    public static List<FilterWarning> check(Ast.Node tree, String text) {
        Lint lint = new Lint(text);
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
            String header = header(f);
            if (header != null) {
                warn(t, Kind.NOT_ON_ABSENT_HEADER, src + ": 'not' does not match " + header
                        + "; the test is false there like every test on " + f.text()
                        + (header.startsWith("packets without") ? "; add 'not " + presence(f)
                        + " or ...' to include them" : ""));
            }
        }
        if (f.isArray()) {
            neverFits(t, src);
        }
    }

    private void folded(Ast.Test t, Folding.Decision d, String src, Context context) {
        if (d.type() == null) {
            warn(t, Kind.FOLDED, src + " is always " + d.value() + ": every packet's "
                    + t.field().text() + " " + (d.value() ? "passes" : "fails") + " it, so "
                    + effect(d.value(), context));
        } else if (d.value() && d.type().text().equals(presence(t.field())) && !t.field().isArray()) {
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
        if (value == (context == Context.OR)) {
            return "this '" + (value ? "or" : "and") + "' is always " + value + (value
                    ? ": it matches every packet" : ": it matches no packet");
        }
        return "it is left out of this '" + (value ? "and" : "or") + "'";
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

    /** "packets without a TCP header" etc. for fields that are not always relevant, else null. */
    private static String header(Field f) {
        String presence = presence(f);
        if (presence != null) {
            return "packets without a " + presence + " header";
        }
        return f.isArray() ? "packets too short for the index" : null;
    }

    private static String presence(Field f) {
        int id = f.id();
        if (id >= Field.IP_HDRLENGTH.id() && id <= Field.IP_DSTADDR.id()) {
            return "ip";
        }
        if (id >= Field.IPV6_TRAFFICCLASS.id() && id <= Field.IPV6_DSTADDR.id()) {
            return "ipv6";
        }
        if (id >= Field.ICMP_TYPE.id() && id <= Field.ICMP_BODY.id()) {
            return "icmp";
        }
        if (id >= Field.ICMPV6_TYPE.id() && id <= Field.ICMPV6_BODY.id()) {
            return "icmpv6";
        }
        if (id >= Field.TCP_SRCPORT.id() && id <= Field.TCP_PAYLOADLENGTH.id()
                || id >= Field.TCP_PAYLOAD.id() && id <= Field.TCP_PAYLOAD32.id()) {
            return "tcp";
        }
        if (id >= Field.UDP_SRCPORT.id() && id <= Field.UDP_PAYLOADLENGTH.id()
                || id >= Field.UDP_PAYLOAD.id() && id <= Field.UDP_PAYLOAD32.id()) {
            return "udp";
        }
        return null;
    }

    private void warn(Ast.Test t, Kind kind, String message) {
        out.add(new FilterWarning(kind, t.start(), t.end(), message));
    }
}
