package org.divert4j.filter.eval;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.object.FilterObject;
import org.divert4j.packet.Hex;
import org.divert4j.vectors.VectorCase;
import org.junit.jupiter.api.Test;

/**
 * The Java engine against every case of the shared vectors (tests/vectors/): the evaluation
 * files must agree on every line; WinDivert's own objects of the syntax file must decode and
 * evaluate exactly like our compilation of the same filter.
 */
class VectorAgreementTest {

    static List<VectorCase> read(String file) {
        String root = System.getProperty("divert4j.root");
        Path dir = (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors");
        return VectorCase.read(dir.resolve(file));
    }

    private static void assertAllAgree(String file, int expectedCases) {
        List<VectorCase> cases = read(file);
        List<String> failures = new ArrayList<>();
        JavaEngine engine = new JavaEngine();
        for (VectorCase c : cases) {
            Verdict v = engine.evaluate(c.filter(), c.packet(), c.address());
            if (v.outcome() != c.expect()) {
                failures.add(c.name() + ": expected " + c.expect().word() + ", got " + v + " for " + c.filter());
            }
        }
        assertWithMessage("%s: %s of %s disagree, first: %s", file, failures.size(), cases.size(),
                failures.subList(0, Math.min(20, failures.size()))).that(failures).isEmpty();
        assertThat(cases).hasSize(expectedCases);
    }

    @Test
    void windivertSuite() {
        assertAllAgree("windivert-suite.jsonl", 241);
    }

    @Test
    void oracleEval() {
        assertAllAgree("oracle-eval.jsonl", 2200);
    }

    @Test
    void oracleSyntaxObjectsEvaluateLikeOurCompilation() throws FilterException {
        Map<Layer, List<Probe>> probes = probes();
        int accepted = 0;
        long evaluations = 0;
        List<String> failures = new ArrayList<>();
        for (VectorCase c : read("oracle-syntax.jsonl")) {
            if (!Boolean.TRUE.equals(c.accept())) {
                continue;
            }
            accepted++;
            List<Instruction> theirs = FilterObject.decode(c.object());
            List<Instruction> ours = FilterCompiler.compile(c.filter(), c.layer()).instructions();
            String ourObject = FilterObject.encode(ours);
            if (ours.size() < 256) {
                assertWithMessage("%s: our object re-decodes", c.name())
                        .that(FilterObject.decode(ourObject)).isEqualTo(carried(ours));
            }
            for (Probe p : probes.get(c.layer())) {
                evaluations++;
                String a = run(theirs, p);
                String b = run(ours, p);
                if (!a.equals(b) && failures.size() < 20) {
                    failures.add(c.name() + " " + c.filter() + ": WinDivert's object " + a + ", ours " + b);
                }
            }
        }
        assertWithMessage("disagreements").that(failures).isEmpty();
        assertThat(accepted).isGreaterThan(100);
        assertThat(evaluations).isGreaterThan(10000L);
    }

    /** The program as the object string carries it (docs/spec/filter-object.md b.4): dropped bits cleared. */
    private static List<Instruction> carried(List<Instruction> program) {
        List<Instruction> out = new ArrayList<>();
        for (Instruction i : program) {
            int f = i.field();
            boolean words123 = f == 28 || f == 29 || f == 61 || f == 62;
            boolean word1 = f == 66 || f == 67 || f == 81 || (f >= 71 && f <= 79);
            boolean ipv4 = f == 21 || f == 22;
            out.add(new Instruction(f, i.test(), i.success(), i.failure(), i.neg(), i.arg0(),
                    words123 || word1 ? i.arg1() : ipv4 ? 0xFFFF : 0, words123 ? i.arg2() : 0, words123 ? i.arg3() : 0));
        }
        return out;
    }

    /** A packet (or none) and an address to evaluate a program on. */
    private record Probe(byte[] packet, Address address) {
    }

    private static String run(List<Instruction> program, Probe p) {
        try {
            return String.valueOf(FilterEvaluator.evaluate(program, p.packet(), p.address()));
        } catch (FilterEvaluationException e) {
            return "error";
        }
    }

    /**
     * Per layer: every distinct packet of the evaluation files with both directions and a few
     * timestamps and interfaces (network layers), or every distinct address (other layers).
     */
    private static Map<Layer, List<Probe>> probes() {
        Map<String, byte[]> packets = new LinkedHashMap<>();
        Map<Layer, Map<Address, Boolean>> events = new EnumMap<>(Layer.class);
        for (String file : List.of("windivert-suite.jsonl", "oracle-eval.jsonl")) {
            for (VectorCase c : read(file)) {
                if (c.packet() != null && c.packet().length >= 1) {
                    packets.putIfAbsent(Hex.encode(c.packet()), c.packet());
                }
                if (!c.layer().isNetwork()) {
                    events.computeIfAbsent(c.layer(), l -> new LinkedHashMap<>()).put(c.address(), true);
                }
            }
        }
        Map<Layer, List<Probe>> probes = new EnumMap<>(Layer.class);
        for (Layer layer : List.of(Layer.NETWORK, Layer.NETWORK_FORWARD)) {
            List<Probe> list = new ArrayList<>();
            for (byte[] packet : packets.values()) {
                boolean ipv6 = (packet[0] & 0xF0) == 0x60;
                list.add(new Probe(packet, network(layer, packet.length % 3 == 0, ipv6, 0, 0, false)));
                list.add(new Probe(packet, network(layer, packet.length % 3 != 0, ipv6, -7, 3, true)));
                list.add(new Probe(packet, network(layer, true, ipv6, 123456789, 9, false)));
            }
            probes.put(layer, list);
        }
        for (Map.Entry<Layer, Map<Address, Boolean>> e : events.entrySet()) {
            List<Probe> list = new ArrayList<>();
            for (Address a : e.getValue().keySet()) {
                list.add(new Probe(null, a));
            }
            probes.put(e.getKey(), list);
        }
        return probes;
    }

    private static Address network(Layer layer, boolean outbound, boolean ipv6, long timestamp, int ifIdx,
            boolean flags) {
        return new Address(timestamp, layer, 0, false, outbound, flags, flags, ipv6, false, false, false,
                new LayerData.Network(ifIdx, ifIdx / 2));
    }
}
