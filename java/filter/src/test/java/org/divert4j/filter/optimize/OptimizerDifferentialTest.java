package org.divert4j.filter.optimize;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.divert4j.abi.Layer;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.FilterEvaluationException;
import org.divert4j.filter.eval.FilterEvaluator;
import org.divert4j.filter.object.InvalidProgramException;
import org.divert4j.filter.object.ProgramValidator;
import org.divert4j.filter.vector.VectorCase;
import org.junit.jupiter.api.Test;

/**
 * The optimized program against the straightforward (WinDivert-identical) one, through the Java
 * evaluator: every vector filter on its own packet and address, and random filters over fields
 * the optimizer reasons about (same field, mixed tests, narrow/wide/signed/array fields) on every
 * vector input of the layer (NETWORK packets, FLOW and SOCKET events). Verdicts, errors included, must be identical; the optimized
 * program must never be longer and must stay valid for the driver whenever the original is.
 */
class OptimizerDifferentialTest {
    private static final String[] FIELDS = {"tcp", "udp", "ip", "ipv6", "icmp", "inbound", "outbound",
        "tcp.DstPort", "tcp.SrcPort", "udp.DstPort", "ip.TTL", "ip.Protocol", "ipv6.NextHdr", "tcp.Syn",
        "tcp.Ack", "localPort", "remotePort", "protocol", "length", "ip.SrcAddr", "ip.DstAddr", "ipv6.DstAddr",
        "remoteAddr", "timestamp", "packet[0]", "packet[9]", "packet16[2]", "tcp.Payload[0]", "udp.Payload[-1]",
        "tcp.PayloadLength", "zero", "ifIdx", "random8", "fragment", "icmp.Type"};
    private static final String[] ENDPOINT_FIELDS = {"tcp", "udp", "ip", "ipv6", "icmp", "icmpv6", "inbound",
        "outbound", "loopback", "protocol", "localPort", "remotePort", "localAddr", "remoteAddr", "processId",
        "endpointId", "event", "timestamp", "zero"};
    private static final String[] CONSTANTS = {"0", "1", "2", "3", "6", "17", "53", "64", "69", "80", "443",
        "0x45", "-1", "-0", "255", "65535", "true", "false"};
    private static final String[] ADDRESSES = {"0", "10.0.0.1", "1.1.1.1", "::1", "::ffff:10.0.0.1", "2001:db8::1",
        "4294967296"};
    private static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};

    private static List<VectorCase> read(String file) {
        String root = System.getProperty("divert4j.root");
        Path dir = (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors");
        return VectorCase.read(dir.resolve(file));
    }

    private static String run(List<Instruction> program, VectorCase c) {
        try {
            return FilterEvaluator.evaluate(program, c.packet(), c.address()) ? "match" : "nomatch";
        } catch (FilterEvaluationException e) {
            return "error";
        }
    }

    /** Compares both programs of a filter on the packets; returns false if it does not compile. */
    private static boolean compare(String filter, Layer layer, List<VectorCase> packets, List<String> failures) {
        List<Instruction> straight;
        List<Instruction> optimized;
        try {
            straight = FilterCompiler.compile(filter, layer, false).instructions();
            optimized = FilterCompiler.compile(filter, layer).instructions();
        } catch (FilterException e) {
            return false;
        }
        if (optimized.size() > straight.size()) {
            failures.add(filter + ": " + optimized.size() + " > " + straight.size() + " instructions");
        }
        if (straight.size() <= ProgramValidator.MAX_INSTRUCTIONS) {
            try {
                ProgramValidator.validate(straight, layer);
                try {
                    ProgramValidator.validate(optimized, layer);
                } catch (InvalidProgramException e) {
                    failures.add(filter + ": optimized program refused: " + e.getMessage());
                }
            } catch (InvalidProgramException e) {
                // WinDivert's own program is refused too; nothing to keep.
            }
        }
        for (VectorCase c : packets) {
            String want = run(straight, c);
            String got = run(optimized, c);
            if (!want.equals(got)) {
                failures.add(filter + " on " + c.name() + ": " + got + ", straightforward " + want);
            }
        }
        return true;
    }

    @Test
    void everyVectorFilterKeepsItsVerdict() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (String file : List.of("oracle-eval.jsonl", "windivert-suite.jsonl")) {
            for (VectorCase c : read(file)) {
                if (c.expect() != null && compare(c.filter(), c.layer(), List.of(c), failures)) {
                    compared++;
                }
            }
        }
        assertWithMessage(String.join("\n", failures.subList(0, Math.min(20, failures.size()))))
                .that(failures).isEmpty();
        assertThat(compared).isGreaterThan(2000);
    }

    @Test
    void randomFiltersKeepTheirVerdictsOnEveryNetworkPacket() {
        randomFilters(Layer.NETWORK, FIELDS, 1200);
    }

    @Test
    void randomFiltersKeepTheirVerdictsOnEveryFlowAndSocketEvent() {
        randomFilters(Layer.FLOW, ENDPOINT_FIELDS, 400);
        randomFilters(Layer.SOCKET, ENDPOINT_FIELDS, 400);
    }

    private static void randomFilters(Layer layer, String[] fields, int count) {
        List<VectorCase> inputs = new ArrayList<>();
        for (VectorCase c : read("oracle-eval.jsonl")) {
            if (c.layer() == layer && c.expect() != null && inputs.size() < 300) {
                inputs.add(c);
            }
        }
        assertThat(inputs.size()).isGreaterThan(20);
        Random random = new Random(20261127L + layer.ordinal());
        List<String> failures = new ArrayList<>();
        int compiled = 0;
        int shorter = 0;
        for (int k = 0; k < 5000 && compiled < count && failures.size() < 20; k++) {
            String filter = expression(random, fields, 4);
            if (compare(filter, layer, inputs, failures)) {
                compiled++;
                try {
                    if (FilterCompiler.compile(filter, layer).instructions().size()
                            < FilterCompiler.compile(filter, layer, false).instructions().size()) {
                        shorter++;
                    }
                } catch (FilterException e) {
                    throw new AssertionError(e);
                }
            }
        }
        assertWithMessage(String.join("\n", failures)).that(failures).isEmpty();
        System.out.printf("optimizer at %s: %d random filters compiled, %d shortened%n", layer, compiled, shorter);
        assertThat(compiled).isEqualTo(count);
        assertThat(shorter).isGreaterThan(count / 10);
    }

    @Test
    void sameFieldTestsAreDecidedByEarlierOnes() throws FilterException {
        assertThat(FilterCompiler.compile("tcp.DstPort > 100 and tcp.DstPort > 50", Layer.NETWORK)
                .instructions()).hasSize(1);
        assertThat(FilterCompiler.compile("tcp.DstPort == 80 or tcp.DstPort == 80", Layer.NETWORK)
                .instructions()).hasSize(1);
        // Failing `tcp.DstPort != 80` may mean "not TCP", so a later `tcp.DstPort == 80` still runs.
        List<Instruction> p = FilterCompiler.compile("tcp.DstPort != 80 or tcp.DstPort == 80", Layer.NETWORK)
                .instructions();
        assertThat(p).hasSize(2);
        assertThat(p.get(0).field()).isEqualTo(Field.TCP_DSTPORT.id());
    }

    @Test
    void protocolTestsAndHeaderRelevanceDecideEachOther() throws FilterException {
        assertThat(FilterCompiler.compile("tcp.DstPort == 80 and tcp", Layer.NETWORK).instructions()).hasSize(1);
        List<Instruction> never = FilterCompiler.compile("ip and ipv6.Length > 5", Layer.NETWORK).instructions();
        assertThat(never).hasSize(1);
        assertThat(never.get(0).success()).isEqualTo(Instruction.REJECT);
        assertThat(never.get(0).failure()).isEqualTo(Instruction.REJECT);
        // At FLOW both ip and ipv6 are always 0.
        List<Instruction> flow = FilterCompiler.compile("not ip and ipv6", Layer.FLOW).instructions();
        assertThat(flow).hasSize(1);
        assertThat(flow.get(0).success()).isEqualTo(Instruction.REJECT);
        assertThat(FilterCompiler.compile("udp and protocol == 17", Layer.SOCKET).instructions()).hasSize(1);
        // At NETWORK a UDP header is parsed only after protocol 17, but protocol 17 may be a
        // truncated UDP packet: udp decides protocol, not the other way round.
        assertThat(FilterCompiler.compile("udp and protocol == 17", Layer.NETWORK).instructions()).hasSize(1);
        assertThat(FilterCompiler.compile("protocol == 17 and not udp", Layer.NETWORK).instructions()).hasSize(2);
        // Tested first, udp decides the protocol test: only udp is left.
        List<Instruction> udp = FilterCompiler.compile("protocol == 17 and udp", Layer.NETWORK).instructions();
        assertThat(udp).hasSize(1);
        assertThat(udp.get(0).field()).isEqualTo(Field.UDP.id());
    }

    @Test
    void smallRangesDirectionAndAlwaysRelevantFieldsDecideTests() throws FilterException {
        // tcp.Syn is 0 or 1: passing "!= 0" means it is 1.
        assertThat(FilterCompiler.compile("tcp.Syn != 0 and tcp.Syn == 1", Layer.NETWORK).instructions()).hasSize(1);
        // inbound is 1 - outbound, so this is always true.
        List<Instruction> always = FilterCompiler.compile("outbound or inbound", Layer.NETWORK).instructions();
        assertThat(always).hasSize(1);
        assertThat(always.get(0).success()).isEqualTo(Instruction.ACCEPT);
        assertThat(always.get(0).failure()).isEqualTo(Instruction.ACCEPT);
        // processId is always relevant at SOCKET: failing "> 5" means "<= 5".
        assertThat(FilterCompiler.compile("processId > 5 or processId <= 5", Layer.SOCKET).instructions().get(0)
                .failure()).isEqualTo(Instruction.ACCEPT);
        // tcp.DstPort may be irrelevant: failing "> 5" does not make "<= 5" pass.
        assertThat(FilterCompiler.compile("tcp.DstPort > 5 or tcp.DstPort <= 5", Layer.NETWORK).instructions())
                .hasSize(2);
    }

    private static String expression(Random r, String[] fields, int depth) {
        int kind = depth == 0 ? 0 : r.nextInt(6);
        switch (kind) {
            case 1:
            case 2:
                return "(" + expression(r, fields, depth - 1) + (r.nextBoolean() ? " and " : " or ")
                        + expression(r, fields, depth - 1) + ")";
            case 3:
                return "(" + expression(r, fields, depth - 1) + " ? " + expression(r, fields, depth - 1) + " : "
                        + expression(r, fields, depth - 1) + ")";
            case 4:
                return "not " + expression(r, fields, depth - 1);
            default:
                String field = fields[r.nextInt(fields.length)];
                if (r.nextInt(5) == 0) {
                    return field;
                }
                String[] constants = field.endsWith("Addr") ? ADDRESSES : CONSTANTS;
                return field + " " + OPS[r.nextInt(OPS.length)] + " " + constants[r.nextInt(constants.length)];
        }
    }
}
