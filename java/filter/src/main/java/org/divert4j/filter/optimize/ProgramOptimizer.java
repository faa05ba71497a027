package org.divert4j.filter.optimize;

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
import org.divert4j.filter.object.InvalidProgramException;
import org.divert4j.filter.object.ProgramValidator;

/**
 * Shrinks a compiled program without changing any verdict, quirks included: an irrelevant field
 * is false under every test, narrow fields compare only {@code arg0}, and evaluation has no side
 * effects, so an instruction may be skipped whenever its outcome is already known.
 *
 * <p>First, passes that keep the straightforward program's instruction order, so jumps stay
 * forward (docs/spec/filter-object.md a.7):
 * <ul>
 * <li>facts: every edge knows the outcomes of the tests on all paths to it (a test's outcome
 *     holds on an edge if it holds on every path reaching the edge's source, or is the
 *     source's own outcome); an edge jumps past every test those facts decide. A success of
 *     {@code x > 5} decides {@code x >= 3}; a failure of {@code x >= 3} decides {@code x == 7}
 *     false but nothing true when the failure may be irrelevance (header and array fields);
 *     for always-relevant fields a failure is the success of the opposite test. Protocol tests, header
 *     relevance and {@code protocol} decide each other as {@link TestImplications} explains. Tests
 *     of {@code zero}, of {@code ip}/{@code ipv6} at FLOW and SOCKET, tests no value of the
 *     field's domain passes and, on always-relevant fields, tests every value passes are
 *     decided without facts ({@link ValueIntervals});</li>
 * <li>tests whose two continuations are the same are bypassed;</li>
 * <li>identical tests with identical continuations are shared (the later copy is kept);</li>
 * <li>instructions no longer reachable from the entry are dropped.</li>
 * </ul>
 * Each of these only removes instructions or shortens paths. Then {@link PathRebuild} rebuilds
 * the result keeping each path's own knowledge and asking the tests in the best order it finds,
 * if that is shorter. The result never has more instructions than the program it came from, and
 * the driver refuses it exactly when it refuses that program.
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
        if (program.size() > ProgramValidator.MAX_INSTRUCTIONS) {
            // The driver refuses it for its length alone; so must it refuse what replaces it.
            return List.copyOf(program);
        }
        List<Instruction> shorter = PathRebuild.rebuild(shorten(program, layer), layer);
        Instruction refused = firstRefused(program, layer);
        if (refused == null || firstRefused(shorter, layer) != null) {
            return List.copyOf(shorter);
        }
        // The driver refuses WinDivert's program (an event the layer never has, a constant out
        // of range...): a dead copy of the instruction it refuses keeps it refusing this one.
        if (shorter.size() + 1 >= program.size()) {
            return List.copyOf(program);
        }
        List<Instruction> out = new ArrayList<>(shorter);
        out.add(dead(refused));
        return List.copyOf(out);
    }

    /**
     * Which queries the tests asked before an instruction already decide true: entry i is true
     * when on every arrival at instruction i of {@code program} the facts of the way there (the
     * same ones {@link #optimize} threads jumps with, from the tests on every path to the
     * arriving edge) decide {@code queries.get(i)}, a test whose continuations are ignored, to
     * succeed. It is also true where nothing arrives, and false where the query is null.
     *
     * @param program a program whose fields are all legal at {@code layer}
     * @param queries one test or null per instruction of {@code program}
     */
    public static boolean[] established(List<Instruction> program, Layer layer, List<Instruction> queries) {
        int n = program.size();
        if (queries.size() != n) {
            throw new IllegalArgumentException(queries.size() + " queries for " + n + " instructions");
        }
        boolean[] known = new boolean[n];
        for (int i = 0; i < n; i++) {
            known[i] = queries.get(i) != null;
        }
        forward(program, layer, (label, facts) -> {
            if (known[label] && decide(facts, queries.get(label), layer) != 1) {
                known[label] = false;
            }
        });
        return known;
    }

    private static Instruction dead(Instruction ins) {
        return new Instruction(ins.field(), ins.test(), Instruction.ACCEPT, Instruction.REJECT, ins.neg(), ins.arg0(),
                ins.arg1(), ins.arg2(), ins.arg3());
    }

    /** The first instruction a driver refuses on its own at the layer (docs/spec/filter-object.md a.7), or null. */
    private static Instruction firstRefused(List<Instruction> program, Layer layer) {
        for (Instruction ins : program) {
            try {
                ProgramValidator.validate(List.of(dead(ins)), layer);
            } catch (InvalidProgramException e) {
                return ins;
            }
        }
        return null;
    }

    /** The passes of the class comment before the rebuild: jump threading, sharing, dead code. */
    private static List<Instruction> shorten(List<Instruction> program, Layer layer) {
        int n = program.size();
        Forward pass = forward(program, layer, (label, facts) -> { });
        List<Set<Fact>> in = pass.in();
        int[] succ = pass.succ();
        int[] fail = pass.fail();
        int entry = pass.entry();
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
        return out.size() <= n ? out : program;
    }

    /** Told the facts that hold on one arrival at an instruction, before it is asked. */
    private interface Arrival {
        void at(int label, Set<Fact> facts);
    }

    /**
     * After {@link #forward}: the entry, the threaded continuations and, per instruction, the
     * facts on every path still reaching it (null: none does).
     */
    private record Forward(int entry, int[] succ, int[] fail, List<Set<Fact>> in) {
    }

    /**
     * Threads every edge with the facts that hold on it: it jumps past every test those facts
     * decide. {@code arrival} sees every arrival at an instruction of the program as it was,
     * skipped ones included.
     */
    private static Forward forward(List<Instruction> program, Layer layer, Arrival arrival) {
        int n = program.size();
        int[] succ = new int[n];
        int[] fail = new int[n];
        for (int i = 0; i < n; i++) {
            succ[i] = program.get(i).success();
            fail[i] = program.get(i).failure();
        }
        List<Set<Fact>> in = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            in.add(null);
        }
        Set<Fact> start = new LinkedHashSet<>();
        int entry = thread(program, start, 0, succ, fail, layer, arrival);
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
                int t = thread(program, edge, outcome ? succ[i] : fail[i], succ, fail, layer, arrival);
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
        return new Forward(entry, succ, fail, in);
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
            Layer layer, Arrival arrival) {
        int t = target;
        while (!isResult(t)) {
            arrival.at(t, facts);
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
        int constant = constant(to, layer);
        if (constant != UNKNOWN) {
            return constant;
        }
        for (Fact f : facts) {
            int d = implies(f.test(), f.outcome(), to, layer);
            if (d != UNKNOWN) {
                return d;
            }
        }
        return UNKNOWN;
    }

    /**
     * 1 or 0 if the test has that outcome on every input at {@code layer}; else -1. A test
     * no value passes always fails; one every value passes always succeeds if the field is
     * always relevant. {@code zero}, and {@code ip}/{@code ipv6} at FLOW and SOCKET, are 0.
     */
    public static int constant(Instruction test, Layer layer) {
        Field field = Field.of(test.field());
        ValueIntervals pass = ValueIntervals.of(test);
        if (field == Field.ZERO || TestImplications.constantZero(field, layer)) {
            return pass.contains(0) ? 1 : 0;
        }
        if (pass.isEmpty()) {
            return 0;
        }
        return alwaysRelevant(field) && pass.coversDomain(field) ? 1 : UNKNOWN;
    }

    /** Whether every test of the field sees its value (no header or array bounds to miss). */
    static boolean alwaysRelevant(Field field) {
        return !field.isArray() && TestImplications.header(field) == null;
    }

    /**
     * 1 or 0 if {@code from} having had {@code outcome} at {@code layer} decides {@code to}; else
     * UNKNOWN. Looks at the two tests only, never at other knowledge.
     */
    static int implies(Instruction from, boolean outcome, Instruction to, Layer layer) {
        int d = decides(from, outcome, to);
        return d != UNKNOWN ? d : TestImplications.decides(from, outcome, to, layer);
    }

    /**
     * 1 or 0 if {@code from} having had {@code outcome} decides {@code to}, a test of the same
     * field (and array index); else UNKNOWN. A success puts the value in the set {@code from}
     * passes; a failure puts it in the rest of the domain only for always-relevant fields, since
     * for the others it may mean the field is irrelevant, when {@code to} fails too.
     */
    static int decides(Instruction from, boolean outcome, Instruction to) {
        if (from.field() != to.field()) {
            return UNKNOWN;
        }
        Field field = Field.of(from.field());
        if (field.isArray() && from.arg1() != to.arg1()) {
            return UNKNOWN;
        }
        ValueIntervals a = ValueIntervals.of(from);
        ValueIntervals b = ValueIntervals.of(to);
        ValueIntervals known;
        if (outcome) {
            known = a;
        } else if (alwaysRelevant(field)) {
            known = a.complement(field);
        } else {
            return b.subsetOf(a) ? 0 : UNKNOWN;
        }
        if (known.subsetOf(b)) {
            return 1;
        }
        return known.disjoint(b) ? 0 : UNKNOWN;
    }
}
