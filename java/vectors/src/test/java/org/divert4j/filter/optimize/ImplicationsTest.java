package org.divert4j.filter.optimize;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.FilterEvaluationException;
import org.divert4j.filter.eval.FilterEvaluator;
import org.divert4j.vectors.VectorCase;
import org.junit.jupiter.api.Test;

/**
 * Every claim the optimizer's reasoning makes about single tests, checked on every vector input
 * of the layer: a test {@link ProgramOptimizer#constant} decides has that outcome on each input;
 * where one test's outcome {@link ProgramOptimizer#implies} another's, the other has it; tests
 * with one {@link PathRebuild#key} have equal (or, flipped, opposite) outcomes. The tests are
 * the compiled (folded) form of every field of the layer against constants on and next to the
 * values the vector inputs carry.
 */
class ImplicationsTest {
    private static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};
    private static final String[] CONSTANTS = {"0", "1", "2", "5", "6", "17", "20", "40", "53", "58", "64", "80",
        "255", "256", "443", "1234", "65535", "-1", "-0", "0x45000000", "0xFFFFFFFF", "10.0.0.1", "::1",
        "2001:db8::1", "127.0.0.1"};

    private static List<VectorCase> inputs(Layer layer) {
        String root = System.getProperty("divert4j.root");
        Path dir = (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors");
        List<VectorCase> out = new ArrayList<>();
        for (String file : List.of("oracle-eval.jsonl", "windivert-suite.jsonl")) {
            for (VectorCase c : VectorCase.read(dir.resolve(file))) {
                if (c.layer() == layer && c.expect() != null && out.size() < 150) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    /** 350 of the single tests of the layer: legal fields against the constants and operators. */
    private static List<Instruction> tests(Layer layer) {
        Set<Instruction> out = new LinkedHashSet<>();
        for (Field f : Field.values()) {
            if (!f.legalIn(layer) || f == Field.ZERO) {
                continue;
            }
            String name = f.isArray() ? f.text() + "[" + (f.elementSize() == 1 ? "9" : "-1") + "]" : f.text();
            for (String op : OPS) {
                for (String c : CONSTANTS) {
                    try {
                        List<Instruction> p = FilterCompiler.compile(name + " " + op + " " + c, layer, false)
                                .instructions();
                        if (p.size() == 1 && p.get(0).success() != p.get(0).failure()) {
                            Instruction i = p.get(0);
                            out.add(new Instruction(i.field(), i.test(), Instruction.ACCEPT, Instruction.REJECT,
                                    i.neg(), i.arg0(), i.arg1(), i.arg2(), i.arg3()));
                        }
                    } catch (FilterException e) {
                        // Not a legal constant for the field (an address for a port...).
                    }
                }
            }
        }
        List<Instruction> all = new ArrayList<>(out);
        Collections.shuffle(all, new Random(layer.ordinal()));
        return all.subList(0, Math.min(all.size(), 350));
    }

    private static boolean[][] outcomes(List<Instruction> tests, List<VectorCase> inputs) {
        boolean[][] out = new boolean[tests.size()][inputs.size()];
        for (int t = 0; t < tests.size(); t++) {
            for (int k = 0; k < inputs.size(); k++) {
                VectorCase c = inputs.get(k);
                try {
                    out[t][k] = FilterEvaluator.evaluate(List.of(tests.get(t)), c.packet(), c.address());
                } catch (FilterEvaluationException e) {
                    throw new AssertionError(c.name() + ": " + e.getMessage(), e);
                }
            }
        }
        return out;
    }

    private static void check(Layer layer) {
        List<VectorCase> inputs = inputs(layer);
        List<Instruction> tests = tests(layer);
        assertThat(inputs.size()).isGreaterThan(20);
        assertThat(tests.size()).isGreaterThan(100);
        boolean[][] outcome = outcomes(tests, inputs);
        List<String> failures = new ArrayList<>();
        int claims = 0;
        for (int a = 0; a < tests.size() && failures.size() < 20; a++) {
            Instruction from = tests.get(a);
            int constant = ProgramOptimizer.constant(from, layer);
            boolean[] flipped = new boolean[1];
            String key = PathRebuild.key(from, layer, flipped);
            boolean fromFlipped = flipped[0];
            for (int k = 0; k < inputs.size(); k++) {
                if (constant >= 0 && outcome[a][k] != (constant == 1)) {
                    failures.add(from + " is always " + constant + " but not on " + inputs.get(k).name());
                }
            }
            for (int b = 0; b < tests.size(); b++) {
                Instruction to = tests.get(b);
                int[] decided = {ProgramOptimizer.implies(from, false, to, layer),
                    ProgramOptimizer.implies(from, true, to, layer)};
                boolean sameKey = PathRebuild.key(to, layer, flipped).equals(key);
                for (int k = 0; k < inputs.size(); k++) {
                    int d = decided[outcome[a][k] ? 1 : 0];
                    if (d >= 0) {
                        claims++;
                        if (outcome[b][k] != (d == 1)) {
                            failures.add(from + " " + outcome[a][k] + " decides " + to + " " + d + " but not on "
                                    + inputs.get(k).name());
                        }
                    }
                    if (sameKey && (outcome[a][k] != outcome[b][k]) != (fromFlipped != flipped[0])) {
                        failures.add(from + " and " + to + " share a key but differ on " + inputs.get(k).name());
                    }
                }
            }
        }
        assertWithMessage(String.join("\n", failures)).that(failures).isEmpty();
        assertThat(claims).isGreaterThan(10000);
    }

    @Test
    void claimsHoldOnNetworkPackets() {
        check(Layer.NETWORK);
    }

    @Test
    void claimsHoldOnFlowSocketAndReflectEvents() {
        check(Layer.FLOW);
        check(Layer.SOCKET);
        check(Layer.REFLECT);
    }
}
