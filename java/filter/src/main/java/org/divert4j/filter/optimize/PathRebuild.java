package org.divert4j.filter.optimize;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Comparison;
import org.divert4j.filter.Field;
import org.divert4j.filter.Instruction;

/**
 * Rebuilds a program path by path, so that what one path knows is never lost where paths join,
 * and asks the tests in the order that needs the fewest instructions.
 *
 * <p>An <em>atom</em> is what a test asks, whatever instruction it sits in ({@link #key}): tests
 * passing exactly the same inputs are one atom, and for always-relevant fields a test and its
 * opposite are one atom with the continuations swapped. A <em>state</em> is an instruction of
 * the program together with what the path to it knows: for every atom true, false or unknown,
 * closed under {@link ProgramOptimizer#implies} (adding an outcome adds every outcome it
 * decides, transitively). Starting from the entry with only the constant atoms known, a state
 * runs the program forward past every instruction whose atom it knows; at the first unknown one
 * it becomes a node of the new program that asks an unknown atom the instruction can still
 * reach (the instruction's own, or the first in a global order), whose two continuations are
 * the states with that atom true and false.
 *
 * <p>Why this keeps every verdict: a node asks a real test, so the outcome each input takes is
 * its own; knowledge only ever holds what an input's own outcomes imply, so every instruction
 * of the old program skipped because its atom is known is skipped the way that input would go.
 * The old program's path is thus followed to its verdict (evaluation has no side effects and
 * errors only on fields illegal at the layer, which compiled programs never hold). Two states
 * share one node when they stand at the same instruction and agree on every atom that
 * instruction can still reach: everything the construction consults from then on is such an
 * atom, and its value under the state plus later outcomes is its value under the state or else
 * what a later outcome implies on its own (implications are pairwise; a state whose knowledge
 * conflicts is reached by no input, so what it does is irrelevant). A node whose two
 * continuations are the same node is dropped, and nodes with the same atom and continuations
 * are one node. The nodes are written in a topological order, so every jump is forward.
 *
 * <p>Which atom to ask first changes only the size: the old program's order is tried, then the
 * order atoms first appear in, improved by moving one atom at a time to where the program is
 * shortest (sifting). The rebuilt program replaces the old one only if it is shorter.
 */
final class PathRebuild {
    /** States built before giving up: the rebuild can be exponential in the worst case. */
    private static final int MAX_STATES = 4096;
    /**
     * Steps (states built, atoms looked at while learning, new implications) over all orders
     * tried for one program: bounds what the rebuild adds to a compile to tens of milliseconds
     * whatever the program (a chain of 250 tests included).
     */
    private static final int MAX_WORK = 2_000_000;
    /** Steps one new {@link ProgramOptimizer#implies} answer counts for (it is cached). */
    private static final int IMPLIES_COST = 100;
    /** Sifting passes over all atoms; later passes rarely find more. */
    private static final int MAX_PASSES = 3;
    private static final byte UNKNOWN = -1;

    private final List<Instruction> program;
    private final Layer layer;
    private final int[] atomOf;
    /** Whether the instruction succeeds exactly when its atom's representative fails. */
    private final boolean[] flip;
    private final List<Instruction> atoms = new ArrayList<>();
    /** Cache of {@code implies}: 0 not yet asked, 1 unknown, 2 false, 3 true; [from][outcome][to]. */
    private final byte[][] implied;
    private final BitSet[] reach;
    private final Map<String, Integer> states = new HashMap<>();
    /** What every input is known to do before any test: the constant atoms. */
    private final byte[] initial;
    /** Steps all attempts together may still take. */
    private int budget = MAX_WORK;
    private int[] rank;
    private final Map<List<Integer>, Integer> nodes = new HashMap<>();
    private final List<int[]> nodeList = new ArrayList<>();

    private PathRebuild(List<Instruction> program, Layer layer) {
        this.program = program;
        this.layer = layer;
        int n = program.size();
        atomOf = new int[n];
        flip = new boolean[n];
        Map<String, Integer> ids = new HashMap<>();
        List<Boolean> repFlipped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Instruction ins = program.get(i);
            boolean[] flipped = new boolean[1];
            String key = key(ins, layer, flipped);
            Integer id = ids.get(key);
            if (id == null) {
                id = atoms.size();
                ids.put(key, id);
                atoms.add(atom(ins));
                repFlipped.add(flipped[0]);
            }
            atomOf[i] = id;
            flip[i] = flipped[0] != repFlipped.get(id);
        }
        implied = new byte[atoms.size() * 2][atoms.size()];
        reach = new BitSet[n];
        for (int i = n - 1; i >= 0; i--) {
            BitSet r = new BitSet();
            r.set(atomOf[i]);
            for (int next : new int[] {program.get(i).success(), program.get(i).failure()}) {
                if (!isResult(next)) {
                    r.or(reach[next]);
                }
            }
            reach[i] = r;
        }
        initial = new byte[atoms.size()];
        Arrays.fill(initial, UNKNOWN);
        for (int a = 0; a < initial.length; a++) {
            int c = ProgramOptimizer.constant(atoms.get(a), layer);
            if (initial[a] == UNKNOWN && c >= 0) {
                learn(initial, a, c == 1);
            }
        }
    }

    /** The rebuilt program if it is shorter than {@code program}, else {@code program}. */
    static List<Instruction> rebuild(List<Instruction> program, Layer layer) {
        if (program.size() < 2) {
            return program;
        }
        PathRebuild r = new PathRebuild(program, layer);
        List<Instruction> best = program;
        List<Instruction> frontier = r.attempt(null);
        if (frontier != null && frontier.size() < best.size()) {
            best = frontier;
        }
        // Branching in one global order of the atoms instead: first as they first appear, then
        // moving one atom at a time to the place where the program is shortest (sifting).
        int m = r.atoms.size();
        List<Integer> order = new ArrayList<>();
        for (int a = 0; a < m; a++) {
            order.add(a);
        }
        List<Instruction> ordered = r.attempt(rank(order));
        int size = ordered == null ? Integer.MAX_VALUE : ordered.size();
        if (ordered != null && ordered.size() < best.size()) {
            best = ordered;
        }
        boolean better = true;
        for (int pass = 0; pass < MAX_PASSES && better; pass++) {
            better = false;
            for (int a = 0; a < m && r.budget > 0; a++) {
                int from = order.indexOf(a);
                int bestPlace = from;
                for (int place = 0; place < m && r.budget > 0; place++) {
                    if (place == from) {
                        continue;
                    }
                    order.remove(Integer.valueOf(a));
                    order.add(place, a);
                    List<Instruction> tried = r.attempt(rank(order));
                    if (tried != null && tried.size() < size) {
                        size = tried.size();
                        bestPlace = place;
                        better = true;
                        if (size < best.size()) {
                            best = tried;
                        }
                    }
                    order.remove(Integer.valueOf(a));
                    order.add(from, a);
                }
                order.remove(Integer.valueOf(a));
                order.add(bestPlace, a);
            }
        }
        return best;
    }

    private static int[] rank(List<Integer> order) {
        int[] rank = new int[order.size()];
        for (int i = 0; i < rank.length; i++) {
            rank[order.get(i)] = i;
        }
        return rank;
    }

    /**
     * The program built branching on the unknown reachable atom of least {@code rank}, or on
     * the instruction's own atom if {@code rank} is null; null if it grew too big.
     */
    private List<Instruction> attempt(int[] order) {
        rank = order;
        states.clear();
        nodes.clear();
        nodeList.clear();
        int root = build(0, initial.clone());
        return root == TOO_BIG ? null : emit(root);
    }

    private static final int TOO_BIG = -2;

    private static boolean isResult(int label) {
        return label == Instruction.ACCEPT || label == Instruction.REJECT;
    }

    /**
     * What a test asks, the same for every test that passes exactly the same inputs: field
     * (and array index) with the set of values passed. For always-relevant fields a test and
     * its opposite share one key ({@code flipped[0]} tells which one this is), and
     * {@code inbound} is asked as {@code outbound} (it is 1 - outbound), {@code ip} at NETWORK
     * and NETWORK_FORWARD as {@code ipv6} (every packet there is exactly one of them).
     */
    static String key(Instruction ins, Layer layer, boolean[] flipped) {
        Field field = Field.of(ins.field());
        ValueIntervals pass = ValueIntervals.of(ins);
        if (field == Field.INBOUND || field == Field.IP && layer.isNetwork()) {
            field = field == Field.INBOUND ? Field.OUTBOUND : Field.IPV6;
            pass = pass.mirrorBit();
        }
        String set = pass.toString();
        flipped[0] = false;
        if (ProgramOptimizer.alwaysRelevant(field)) {
            String opposite = pass.complement(field).toString();
            if (opposite.compareTo(set) < 0) {
                set = opposite;
                flipped[0] = true;
            }
        }
        return field.id() + (field.isArray() ? "[" + ins.arg1() + "]" : "") + set;
    }

    private static Instruction atom(Instruction ins) {
        return new Instruction(ins.field(), ins.test(), 0, 0, ins.neg(), ins.arg0(), ins.arg1(), ins.arg2(),
                ins.arg3());
    }

    /** Sets atom {@code a} to {@code outcome} in {@code known} with everything that implies. */
    private void learn(byte[] known, int a, boolean outcome) {
        known[a] = (byte) (outcome ? 1 : 0);
        int[] work = new int[known.length];
        int top = 0;
        work[top++] = a;
        while (top > 0) {
            int x = work[--top];
            int row = x * 2 + known[x];
            budget -= known.length;
            for (int b = 0; b < known.length; b++) {
                if (known[b] != UNKNOWN) {
                    continue;
                }
                byte c = implied[row][b];
                if (c == 0) {
                    budget -= IMPLIES_COST;
                    int d = ProgramOptimizer.implies(atoms.get(x), known[x] == 1, atoms.get(b), layer);
                    c = (byte) (d < 0 ? 1 : d + 2);
                    implied[row][b] = c;
                }
                if (c > 1) {
                    known[b] = (byte) (c - 2);
                    work[top++] = b;
                }
            }
        }
    }

    /** The node for the state at {@code label} knowing {@code known}; TOO_BIG past the limit. */
    private int build(int label, byte[] known) {
        int t = label;
        while (!isResult(t) && known[atomOf[t]] != UNKNOWN) {
            t = (known[atomOf[t]] == 1) != flip[t] ? program.get(t).success() : program.get(t).failure();
        }
        if (isResult(t)) {
            return t;
        }
        StringBuilder key = new StringBuilder().append(t).append(':');
        BitSet r = reach[t];
        for (int a = r.nextSetBit(0); a >= 0; a = r.nextSetBit(a + 1)) {
            key.append((char) ('1' + known[a]));
        }
        String k = key.toString();
        Integer done = states.get(k);
        if (done != null) {
            return done;
        }
        if (states.size() >= MAX_STATES || --budget < 0) {
            return TOO_BIG;
        }
        int a = atomOf[t];
        if (rank != null) {
            for (int b = r.nextSetBit(0); b >= 0; b = r.nextSetBit(b + 1)) {
                if (known[b] == UNKNOWN && rank[b] < rank[a]) {
                    a = b;
                }
            }
        }
        byte[] yes = known.clone();
        learn(yes, a, true);
        int hi = build(t, yes);
        if (hi == TOO_BIG) {
            return TOO_BIG;
        }
        byte[] no = known.clone();
        learn(no, a, false);
        int lo = build(t, no);
        if (lo == TOO_BIG) {
            return TOO_BIG;
        }
        int node = hi == lo ? hi : node(a, hi, lo);
        states.put(k, node);
        return node;
    }

    private int node(int atom, int hi, int lo) {
        return nodes.computeIfAbsent(List.of(atom, hi, lo), x -> {
            nodeList.add(new int[] {atom, hi, lo});
            return nodeList.size() - 1;
        });
    }

    /** The DAG under {@code root} as a program: a topological order, so every jump is forward. */
    private List<Instruction> emit(int root) {
        if (isResult(root)) {
            return List.of(new Instruction(Field.ZERO.id(), Comparison.EQ.id(), root, root, false, 0, 0, 0, 0));
        }
        List<Integer> post = new ArrayList<>();
        postorder(root, new BitSet(), post);
        int[] index = new int[nodeList.size()];
        for (int i = 0; i < post.size(); i++) {
            index[post.get(post.size() - 1 - i)] = i;
        }
        List<Instruction> out = new ArrayList<>();
        for (int i = post.size() - 1; i >= 0; i--) {
            int[] node = nodeList.get(post.get(i));
            Instruction a = atoms.get(node[0]);
            out.add(new Instruction(a.field(), a.test(), label(node[1], index), label(node[2], index), a.neg(),
                    a.arg0(), a.arg1(), a.arg2(), a.arg3()));
        }
        return out;
    }

    private static int label(int node, int[] index) {
        return isResult(node) ? node : index[node];
    }

    private void postorder(int node, BitSet seen, List<Integer> out) {
        if (isResult(node) || seen.get(node)) {
            return;
        }
        seen.set(node);
        int[] n = nodeList.get(node);
        postorder(n[2], seen, out);
        postorder(n[1], seen, out);
        out.add(node);
    }
}
