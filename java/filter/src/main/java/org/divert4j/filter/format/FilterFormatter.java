package org.divert4j.filter.format;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.abi.Layer;
import org.divert4j.abi.U128;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.packet.IpAddresses;

/**
 * The decompiler of {@code WinDivertHelperFormatFilter} (docs/spec/filter-object.md (d)): turns a program
 * back into filter text by local merging of instructions into and/or/ternary nodes (d.2),
 * rebuilding the tree from instruction 0 (d.3) and printing it (d.4, d.5). The output for a
 * given program is exactly the reference's.
 */
public final class FilterFormatter {
    /** The longest text produced; shared sub-programs are printed once per use and can explode. */
    public static final long MAX_OUTPUT = 1 << 24;

    private enum Kind { LEAF, AND, OR, COND, TRUE, FALSE }

    /** A node of d.1/d.2; composite nodes carry continuations and refs like leaves. */
    private static final class Node {
        final Kind kind;
        final Instruction ins;
        final Node a;
        final Node b;
        final Node c;
        int success;
        int failure;
        int refs;

        Node(Kind kind, Instruction ins, Node a, Node b, Node c, int success, int failure, int refs) {
            this.kind = kind;
            this.ins = ins;
            this.a = a;
            this.b = b;
            this.c = c;
            this.success = success;
            this.failure = failure;
            this.refs = refs;
        }
    }

    private static final Node TRUE = new Node(Kind.TRUE, null, null, null, null, 0, 0, 0);
    private static final Node FALSE = new Node(Kind.FALSE, null, null, null, null, 0, 0, 0);

    private final Node[] n;
    private final Layer layer;

    private FilterFormatter(List<Instruction> program, Layer layer) {
        this.layer = layer;
        n = new Node[program.size()];
        for (int i = 0; i < n.length; i++) {
            Instruction ins = program.get(i);
            n[i] = new Node(Kind.LEAF, ins, null, null, null, ins.success(), ins.failure(), 0);
        }
        for (int i = n.length - 1; i >= 0; i--) {
            ref(n[i].success);
            ref(n[i].failure);
        }
        if (n.length > 0) {
            n[0].refs++;
        }
    }

    /**
     * The filter text of a valid program (as the object decoder or the compiler produces it).
     * Event numbers print as the names of {@code layer}.
     *
     * @throws FilterException if the program cannot be formatted, or its text would exceed
     *     {@link #MAX_OUTPUT} characters (error 8, as a too-short buffer)
     */
    public static String format(List<Instruction> program, Layer layer) throws FilterException {
        if (program.isEmpty()) {
            throw new FilterException(FilterError.INVALID_OBJECT, 0, "empty program");
        }
        FilterFormatter f = new FilterFormatter(program, layer);
        for (int i = f.n.length - 1; i >= 0; i--) {
            f.merge(i);
        }
        Node tree = f.build(0, new HashMap<>());
        long size = f.size(tree, true, false, new IdentityHashMap<>());
        if (size > MAX_OUTPUT) {
            throw new FilterException(FilterError.OBJECT_BUFFER_TOO_SHORT, 0, "the formatted filter"
                    + " would have " + size + " characters (shared parts are repeated)");
        }
        StringBuilder out = new StringBuilder((int) size);
        f.print(tree, true, false, out);
        return out.toString();
    }

    private static boolean isIndex(int label) {
        return label != Instruction.ACCEPT && label != Instruction.REJECT;
    }

    private void ref(int label) {
        if (isIndex(label)) {
            n[label].refs++;
        }
    }

    private void drop(int label) {
        if (isIndex(label) && n[label] != null && --n[label].refs == 0) {
            n[label] = null;
        }
    }

    private static Node composite(Kind kind, Node a, Node b, Node c, Node labels, int refs) {
        return new Node(kind, null, a, b, c, labels.success, labels.failure, refs);
    }

    private void merge(int i) {
        Node e = n[i];
        while (true) {
            if (e == null || e.refs == 0) {
                return;
            }
            boolean pair = false;
            if (isIndex(e.success) && n[e.success] != null && n[e.success].refs == 1) {
                Node s = n[e.success];
                pair = true;
                if (s.failure == e.failure) {
                    Node next = composite(Kind.AND, e, s, null, s, e.refs);
                    drop(e.success);
                    drop(e.failure);
                    e = next;
                    continue;
                }
                if (s.success == e.failure) {
                    Node next = composite(Kind.COND, e, s, TRUE, s, e.refs);
                    drop(e.success);
                    drop(e.failure);
                    e = next;
                    continue;
                }
            }
            if (isIndex(e.failure) && n[e.failure] != null && n[e.failure].refs == 1) {
                Node f = n[e.failure];
                if (f.success == e.success) {
                    Node next = composite(Kind.OR, e, f, null, f, e.refs);
                    drop(e.failure);
                    drop(e.success);
                    e = next;
                    continue;
                }
                if (f.failure == e.success) {
                    Node next = composite(Kind.COND, e, FALSE, f, f, e.refs);
                    drop(e.success);
                    drop(e.failure);
                    e = next;
                    continue;
                }
            } else {
                pair = false;
            }
            if (pair) {
                Node s = n[e.success];
                Node f = n[e.failure];
                if (s.success != f.success || s.failure != f.failure) {
                    break;
                }
                Node next = new Node(Kind.COND, null, e, s, f, s.success, f.failure, e.refs);
                drop(e.success);
                drop(e.failure);
                drop(next.success);
                drop(next.failure);
                e = next;
                continue;
            }
            break;
        }
        n[i] = e;
    }

    /** d.3; memoised per label, which yields the same tree as a DAG (printing expands it). */
    private Node build(int label, Map<Integer, Node> memo) throws FilterException {
        if (label == Instruction.ACCEPT) {
            return TRUE;
        }
        if (label == Instruction.REJECT) {
            return FALSE;
        }
        Node done = memo.get(label);
        if (done != null) {
            return done;
        }
        Node e = label < n.length ? n[label] : null;
        if (e == null) {
            throw new FilterException(FilterError.INVALID_OBJECT, 0,
                    "instruction " + label + " cannot be formatted");
        }
        Node result;
        if (e.success == e.failure) {
            result = build(e.success, memo);
        } else {
            Node a = build(e.success, memo);
            Node b = build(e.failure, memo);
            result = a == TRUE && b == FALSE ? e : new Node(Kind.COND, null, e, a, b, 0, 0, 0);
        }
        memo.put(label, result);
        return result;
    }

    private long size(Node x, boolean top, boolean inAnd, Map<Node, long[]> memo) {
        long[] cached = memo.get(x);
        int slot = (top ? 2 : 0) + (inAnd ? 1 : 0);
        if (cached != null && cached[slot] >= 0) {
            return cached[slot];
        }
        long s;
        switch (x.kind) {
            case AND:
                s = size(x.a, false, true, memo) + 5 + size(x.b, false, true, memo)
                        + (!top && !inAnd ? 2 : 0);
                break;
            case OR:
                s = size(x.a, false, false, memo) + 4 + size(x.b, false, false, memo)
                        + (!top && inAnd ? 2 : 0);
                break;
            case COND:
                s = 6 + size(x.a, true, false, memo) + size(x.b, true, false, memo)
                        + size(x.c, true, false, memo);
                break;
            case TRUE:
                s = 4;
                break;
            case FALSE:
                s = 5;
                break;
            default:
                s = leaf(x.ins).length();
                break;
        }
        s = Math.min(s, MAX_OUTPUT + 1);
        if (cached == null) {
            cached = new long[] {-1, -1, -1, -1};
            memo.put(x, cached);
        }
        cached[slot] = s;
        return s;
    }

    private void print(Node x, boolean top, boolean inAnd, StringBuilder out) {
        switch (x.kind) {
            case AND: {
                boolean wrap = !top && !inAnd;
                out.append(wrap ? "(" : "");
                print(x.a, false, true, out);
                out.append(" and ");
                print(x.b, false, true, out);
                out.append(wrap ? ")" : "");
                break;
            }
            case OR: {
                boolean wrap = !top && inAnd;
                out.append(wrap ? "(" : "");
                print(x.a, false, false, out);
                out.append(" or ");
                print(x.b, false, false, out);
                out.append(wrap ? ")" : "");
                break;
            }
            case COND:
                out.append('(');
                print(x.a, true, false, out);
                out.append("? ");
                print(x.b, true, false, out);
                out.append(": ");
                print(x.c, true, false, out);
                out.append(')');
                break;
            case TRUE:
                out.append("true");
                break;
            case FALSE:
                out.append("false");
                break;
            default:
                out.append(leaf(x.ins));
                break;
        }
    }

    private String leaf(Instruction ins) {
        Field field = Field.of(ins.field());
        Comparison test = Comparison.of(ins.test());
        boolean array = field.isArray();
        U128 magnitude = array ? U128.of(ins.arg0() & 0xFFFFFFFFL)
                : U128.fromWords(ins.arg0(), ins.arg1(), ins.arg2(), ins.arg3());
        boolean negative = !array && ins.neg();
        if (isFlag(field) && (test == Comparison.EQ || test == Comparison.NEQ)
                && magnitude.hi() == 0 && Long.compareUnsigned(magnitude.lo(), 1) <= 0) {
            boolean one = magnitude.lo() == 1;
            boolean not = test == Comparison.EQ ? !one : one;
            return (not ? "not " : "") + field.text();
        }
        StringBuilder s = new StringBuilder(field.text());
        if (array) {
            int index = ins.arg1();
            s.append('[').append(index < 0 ? "-" : "").append(Math.abs((long) index)).append("b]");
        }
        s.append(' ').append(test.symbol()).append(' ').append(negative ? "-" : "");
        return s.append(value(field, ins, magnitude)).toString();
    }

    private String value(Field field, Instruction ins, U128 magnitude) {
        switch (field) {
            case IP_SRCADDR:
            case IP_DSTADDR:
                return IpAddresses.formatIpv4(ins.arg0());
            case IPV6_SRCADDR:
            case IPV6_DSTADDR:
            case LOCALADDR:
            case REMOTEADDR:
                return IpAddresses.formatIpv6(magnitude);
            case LAYER:
                int v = ins.arg0();
                return v >= 0 && v <= 4 ? Layer.of(v).name() : Integer.toUnsignedString(v);
            case EVENT:
                return eventName(ins.arg0());
            case PACKET: case PACKET16: case PACKET32: case IP_ID: case IP_CHECKSUM:
            case TCP_CHECKSUM: case TCP_PAYLOAD: case TCP_PAYLOAD16: case TCP_PAYLOAD32:
            case UDP_CHECKSUM: case UDP_PAYLOAD: case UDP_PAYLOAD16: case UDP_PAYLOAD32:
            case ICMP_CHECKSUM: case ICMPV6_CHECKSUM:
                return "0x" + magnitude.toBigInteger().toString(16);
            default:
                return magnitude.toBigInteger().toString();
        }
    }

    private String eventName(int v) {
        String name = null;
        switch (layer) {
            case NETWORK:
            case NETWORK_FORWARD:
                name = v == 0 ? "PACKET" : null;
                break;
            case FLOW:
                name = v == 1 ? "ESTABLISHED" : v == 2 ? "DELETED" : null;
                break;
            case SOCKET:
                String[] socket = {"BIND", "CONNECT", "LISTEN", "ACCEPT", "CLOSE"};
                name = v >= 3 && v <= 7 ? socket[v - 3] : null;
                break;
            default:
                name = v == 8 ? "OPEN" : v == 9 ? "CLOSE" : null;
                break;
        }
        return name != null ? name : Integer.toUnsignedString(v);
    }

    private static boolean isFlag(Field f) {
        switch (f) {
            case ZERO: case INBOUND: case OUTBOUND: case FRAGMENT: case IP: case IPV6: case ICMP:
            case TCP: case UDP: case ICMPV6: case IP_DF: case IP_MF: case TCP_URG: case TCP_ACK:
            case TCP_PSH: case TCP_RST: case TCP_SYN: case TCP_FIN: case LOOPBACK: case IMPOSTOR:
                return true;
            default:
                return false;
        }
    }
}
