package org.divert4j.filter.optimize;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;

/**
 * Shrinks a compiled program without changing any verdict, quirks included: an irrelevant field
 * is false under every test, narrow fields compare only {@code arg0}, and evaluation has no side
 * effects, so an instruction may be skipped whenever its outcome is already known.
 *
 * <p>The passes keep the straightforward program's instruction order, so jumps stay forward
 * (filter-object.md a.7):
 * <ul>
 * <li>facts: every edge knows the outcomes of the tests on all paths to it (a test's outcome
 *     holds on an edge if it holds on every path reaching the edge's source, or is the
 *     source's own outcome); an edge jumps past every test those facts decide. A success of
 *     {@code x > 5} decides {@code x >= 3}; a failure of {@code x >= 3} decides {@code x == 7}
 *     false but nothing true when the failure may be irrelevance (header and array fields);
 *     for always-relevant fields a failure is the success of the opposite test. Protocol tests, header
 *     relevance and {@code protocol} decide each other as {@link Protocols} explains. Tests
 *     of {@code zero}, and of {@code ip}/{@code ipv6} at FLOW and SOCKET, are always decided;</li>
 * <li>tests whose two continuations are the same are bypassed;</li>
 * <li>identical tests with identical continuations are shared (the later copy is kept);</li>
 * <li>instructions no longer reachable from the entry are dropped.</li>
 * </ul>
 * Each pass only removes instructions or shortens paths, so the result never has more
 * instructions, nor takes more steps on any input, than the program it came from.
 */
public final class ProgramOptimizer {
    private static final int UNKNOWN = -1;
    /** Facts kept per edge; more only costs compile time. */
    private static final int MAX_FACTS = 64;

    /** A test and the outcome it had. */
    private record Fact(Instruction test, boolean outcome) {
        static Fact of(Instruction ins, boolean outcome) {
            // Continuations are irrelevant to what a fact says.
            return new Fact(new Instruction(ins.field(), ins.test(), 0, 0, ins.neg(), ins.arg0(), ins.arg1(),
                    ins.arg2(), ins.arg3()), outcome);
        }
    }

    private ProgramOptimizer() {
    }

    /**
     * The optimized equivalent of a program whose fields are all legal at {@code layer}, the
     * layer it runs at (as every program compiled from filter text for that layer is).
     */
    public static List<Instruction> optimize(List<Instruction> program, Layer layer) {
        int n = program.size();
        int[] succ = new int[n];
        int[] fail = new int[n];
        for (int i = 0; i < n; i++) {
            succ[i] = program.get(i).success();
            fail[i] = program.get(i).failure();
        }
        // Forward: thread every edge with the facts that hold on it.
        List<Set<Fact>> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(null);
        }
        Set<Fact> start = new LinkedHashSet<>();
        int entry = thread(program, start, 0, succ, fail, layer);
        if (!isResult(entry)) {
            in.set(entry, start);
        }
        for (int i = 0; i < n; i++) {
            Set<Fact> facts = in.get(i);
            if (facts == null) {
                continue;
            }
            Instruction ins = program.get(i);
            for (boolean outcome : new boolean[] {true, false}) {
                Set<Fact> edge = new LinkedHashSet<>(facts);
                if (edge.size() < MAX_FACTS) {
                    edge.add(Fact.of(ins, outcome));
                }
                int t = thread(program, edge, outcome ? succ[i] : fail[i], succ, fail, layer);
                if (outcome) {
                    succ[i] = t;
                } else {
                    fail[i] = t;
                }
                if (!isResult(t)) {
                    Set<Fact> known = in.get(t);
                    if (known == null) {
                        in.set(t, edge);
                    } else {
                        known.retainAll(edge);
                    }
                }
            }
        }
        // Backward: bypass tests with one continuation, share identical tests.
        int[] alias = new int[n];
        Map<List<Object>, Integer> shared = new HashMap<>();
        for (int i = n - 1; i >= 0; i--) {
            alias[i] = i;
            if (in.get(i) == null) {
                continue;
            }
            Instruction ins = program.get(i);
            succ[i] = resolve(succ[i], succ, fail, alias);
            fail[i] = resolve(fail[i], succ, fail, alias);
            if (succ[i] != fail[i]) {
                List<Object> key = List.of(ins.field(), ins.test(), ins.neg(), ins.arg0(), ins.arg1(), ins.arg2(),
                        ins.arg3(), succ[i], fail[i]);
                Integer same = shared.putIfAbsent(key, i);
                if (same != null) {
                    alias[i] = same;
                }
            }
        }
        entry = resolve(entry, succ, fail, alias);
        if (isResult(entry)) {
            return List.of(new Instruction(Field.ZERO.id(), Comparison.EQ.id(), entry, entry, false, 0, 0, 0, 0));
        }
        boolean[] live = new boolean[n];
        live[entry] = true;
        int[] index = new int[n];
        List<Instruction> out = new ArrayList<>();
        for (int i = entry; i < n; i++) {
            if (live[i]) {
                index[i] = out.size();
                out.add(null);
                if (!isResult(succ[i])) {
                    live[succ[i]] = true;
                }
                if (!isResult(fail[i])) {
                    live[fail[i]] = true;
                }
            }
        }
        for (int i = entry; i < n; i++) {
            if (live[i]) {
                Instruction ins = program.get(i);
                out.set(index[i], new Instruction(ins.field(), ins.test(), renumber(succ[i], index),
                        renumber(fail[i], index), ins.neg(), ins.arg0(), ins.arg1(), ins.arg2(), ins.arg3()));
            }
        }
        return out.size() <= n ? List.copyOf(out) : List.copyOf(program);
    }

    private static boolean isResult(int label) {
        return label == Instruction.ACCEPT || label == Instruction.REJECT;
    }

    private static int renumber(int label, int[] index) {
        return isResult(label) ? label : index[label];
    }

    /** Where a jump to {@code label} really lands: past bypassed tests, onto the shared copy. */
    private static int resolve(int label, int[] succ, int[] fail, int[] alias) {
        int t = label;
        while (!isResult(t) && succ[t] == fail[t]) {
            t = succ[t];
        }
        return isResult(t) ? t : alias[t];
    }

    /** Follows a jump to {@code target} past every test the facts decide. */
    private static int thread(List<Instruction> program, Set<Fact> facts, int target, int[] succ, int[] fail,
            Layer layer) {
        int t = target;
        while (!isResult(t)) {
            int decided = decide(facts, program.get(t), layer);
            if (decided == UNKNOWN) {
                break;
            }
            if (facts.size() < MAX_FACTS) {
                // The skipped test had its outcome on this path too.
                facts.add(Fact.of(program.get(t), decided == 1));
            }
            t = decided == 1 ? succ[t] : fail[t];
        }
        return t;
    }

    private static int decide(Set<Fact> facts, Instruction to, Layer layer) {
        if (to.field() == Field.ZERO.id() || Protocols.constantZero(Field.of(to.field()), layer)) {
            return Predicate.of(to).containsZero() ? 1 : 0;
        }
        for (Fact f : facts) {
            int d = decides(f.test(), f.outcome(), to);
            if (d == UNKNOWN) {
                d = Protocols.decides(f.test(), f.outcome(), to, layer);
            }
            if (d != UNKNOWN) {
                return d;
            }
        }
        return UNKNOWN;
    }

    /** 1 or 0 if {@code from} having had {@code outcome} decides {@code to}; else UNKNOWN. */
    static int decides(Instruction from, boolean outcome, Instruction to) {
        if (from.field() != to.field()) {
            return UNKNOWN;
        }
        Field field = Field.of(from.field());
        if (field.isArray() && from.arg1() != to.arg1()) {
            return UNKNOWN;
        }
        if (!outcome && !field.isArray() && Protocols.header(field) == null) {
            // Always relevant, so the failure is the success of the opposite test.
            Instruction opposite = new Instruction(from.field(), Comparison.of(from.test()).negate().id(), 0, 0,
                    from.neg(), from.arg0(), from.arg1(), from.arg2(), from.arg3());
            return decides(opposite, true, to);
        }
        Predicate a = Predicate.of(from);
        Predicate b = Predicate.of(to);
        int max = smallRange(field);
        if (max >= 0) {
            // Few possible values: compare the sets of values each test passes.
            long[] pa = a.passing(max);
            long[] pb = b.passing(max);
            if (outcome) {
                if (Predicate.subset(pa, pb)) {
                    return 1;
                }
                return Predicate.disjoint(pa, pb) ? 0 : UNKNOWN;
            }
            return Predicate.subset(pb, pa) ? 0 : UNKNOWN;
        }
        if (outcome) {
            // The value is relevant and satisfies a.
            if (a.subsetOf(b)) {
                return 1;
            }
            return a.disjoint(b) ? 0 : UNKNOWN;
        }
        // Either the field is irrelevant (b is false too) or the value fails a.
        return b.subsetOf(a) ? 0 : UNKNOWN;
    }

    /** The largest value of a field whose values are all in 0..255; -1 for the others. */
    static int smallRange(Field field) {
        return switch (field) {
            case INBOUND, OUTBOUND, IP, IPV6, ICMP, TCP, UDP, ICMPV6, IP_DF, IP_MF, TCP_URG, TCP_ACK, TCP_PSH,
                    TCP_RST, TCP_SYN, TCP_FIN, LOOPBACK, IMPOSTOR, FRAGMENT -> 1;
            case IP_HDRLENGTH, TCP_HDRLENGTH -> 15;
            case IP_TOS, IP_TTL, IP_PROTOCOL, IPV6_TRAFFICCLASS, IPV6_NEXTHDR, IPV6_HOPLIMIT, ICMP_TYPE, ICMP_CODE,
                    ICMPV6_TYPE, ICMPV6_CODE, PACKET, TCP_PAYLOAD, UDP_PAYLOAD, RANDOM8, PROTOCOL -> 255;
            default -> -1;
        };
    }

    /**
     * The values a test passes, on a line that orders sign-magnitude numbers exactly as the
     * evaluator's COMPARE does, -0 included: +m is 2m, -m is -2m-1.
     */
    record Predicate(Comparison op, BigInteger key) {
        static Predicate of(Instruction ins) {
            Field field = Field.of(ins.field());
            BigInteger magnitude = BigInteger.valueOf(ins.arg0() & 0xFFFFFFFFL);
            if (field.wide()) {
                magnitude = BigInteger.valueOf(ins.arg3() & 0xFFFFFFFFL).shiftLeft(96)
                        .or(BigInteger.valueOf(ins.arg2() & 0xFFFFFFFFL).shiftLeft(64))
                        .or(BigInteger.valueOf(ins.arg1() & 0xFFFFFFFFL).shiftLeft(32)).or(magnitude);
            }
            BigInteger twice = magnitude.shiftLeft(1);
            return new Predicate(Comparison.of(ins.test()), ins.neg() ? twice.negate().subtract(BigInteger.ONE) : twice);
        }

        /** The values 0..max that pass, as a bit set. */
        long[] passing(int max) {
            long[] bits = new long[4];
            for (int v = 0; v <= max; v++) {
                if (contains(v)) {
                    bits[v >>> 6] |= 1L << v;
                }
            }
            return bits;
        }

        static boolean subset(long[] a, long[] b) {
            for (int i = 0; i < a.length; i++) {
                if ((a[i] & ~b[i]) != 0) {
                    return false;
                }
            }
            return true;
        }

        static boolean disjoint(long[] a, long[] b) {
            for (int i = 0; i < a.length; i++) {
                if ((a[i] & b[i]) != 0) {
                    return false;
                }
            }
            return true;
        }

        /** Whether the value 0 (as {@code zero} loads it) passes. */
        boolean containsZero() {
            return contains(BigInteger.ZERO);
        }

        /** Whether the unsigned value {@code v} passes. */
        boolean contains(long v) {
            return contains(BigInteger.valueOf(v).shiftLeft(1));
        }

        /** Lowest passing key, or null for unbounded; NEQ has none. */
        private BigInteger lo() {
            return switch (op) {
                case EQ, GEQ -> key;
                case GT -> key.add(BigInteger.ONE);
                default -> null;
            };
        }

        private BigInteger hi() {
            return switch (op) {
                case EQ, LEQ -> key;
                case LT -> key.subtract(BigInteger.ONE);
                default -> null;
            };
        }

        boolean subsetOf(Predicate other) {
            if (op == Comparison.NEQ) {
                return other.op == Comparison.NEQ && key.equals(other.key);
            }
            if (other.op == Comparison.NEQ) {
                return !contains(other.key);
            }
            BigInteger lo = lo();
            BigInteger hi = hi();
            BigInteger olo = other.lo();
            BigInteger ohi = other.hi();
            return (olo == null || lo != null && olo.compareTo(lo) <= 0)
                    && (ohi == null || hi != null && hi.compareTo(ohi) <= 0);
        }

        boolean disjoint(Predicate other) {
            if (op == Comparison.NEQ) {
                return other.op == Comparison.EQ && other.key.equals(key);
            }
            if (other.op == Comparison.NEQ) {
                return op == Comparison.EQ && key.equals(other.key);
            }
            BigInteger hi = hi();
            BigInteger lo = lo();
            BigInteger olo = other.lo();
            BigInteger ohi = other.hi();
            return hi != null && olo != null && hi.compareTo(olo) < 0
                    || ohi != null && lo != null && ohi.compareTo(lo) < 0;
        }

        private boolean contains(BigInteger k) {
            if (op == Comparison.NEQ) {
                return !k.equals(key);
            }
            BigInteger lo = lo();
            BigInteger hi = hi();
            return (lo == null || lo.compareTo(k) <= 0) && (hi == null || k.compareTo(hi) <= 0);
        }
    }
}
