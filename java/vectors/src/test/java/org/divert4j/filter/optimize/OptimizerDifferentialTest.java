package org.divert4j.filter.optimize;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.Instruction;
import org.divert4j.filter.eval.FilterEvaluationException;
import org.divert4j.filter.eval.FilterEvaluator;
import org.divert4j.filter.object.InvalidProgramException;
import org.divert4j.filter.object.ProgramValidator;
import org.divert4j.vectors.VectorCase;
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
    private static final String[] REFLECT_FIELDS = {"zero", "event", "timestamp", "processId", "layer",
        "priority"};
    private static final String[] CONSTANTS = {"0", "1", "2", "3", "6", "17", "53", "64", "69", "80", "443",
        "0x45", "-1", "-0", "255", "65535", "true", "false", "4", "5", "7", "8", "9", "41", "42", "1000",
        "1234", "-2", "-1000", "-30000", "30000", "0xFFFFFFFF"};
    private static final String[] ADDRESSES = {"0", "10.0.0.1", "1.1.1.1", "::1", "::ffff:10.0.0.1", "2001:db8::1",
        "4294967296"};
    private static final String[] OPS = {"==", "!=", "<", "<=", ">", ">="};

    private static List<VectorCase> read(String file) {
        String root = System.getProperty("divert4j.root");
        Path dir = (root != null ? Paths.get(root) : Paths.get("../..")).resolve("tests/vectors");
        return VectorCase.read(dir.resolve(file));
    }

    /** A packet (null at FLOW, SOCKET, REFLECT) and its address. */
    private record Input(String name, byte[] packet, Address address) {
        static Input of(VectorCase c) {
            return new Input(c.name(), c.packet(), c.address());
        }
    }

    private static String run(List<Instruction> program, Input c) {
        try {
            return FilterEvaluator.evaluate(program, c.packet(), c.address()) ? "match" : "nomatch";
        } catch (FilterEvaluationException e) {
            return "error";
        }
    }

    /** Compares both programs of a filter on the packets; returns false if it does not compile. */
    private static boolean compare(String filter, Layer layer, List<Input> packets, List<String> failures) {
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
        String refused = refusal(straight, layer);
        String optimizedRefused = refusal(optimized, layer);
        if (refused == null && optimizedRefused != null) {
            failures.add(filter + ": optimized program refused: " + optimizedRefused);
        }
        if (refused != null && optimizedRefused == null) {
            failures.add(filter + ": the driver refuses WinDivert's program (" + refused + ") but not the optimized one");
        }
        for (Input c : packets) {
            String want = run(straight, c);
            String got = run(optimized, c);
            if (!want.equals(got)) {
                failures.add(filter + " on " + c.name() + ": " + got + ", straightforward " + want);
            }
        }
        return true;
    }

    /** Why a driver refuses the program at the layer, or null if it takes it. */
    private static String refusal(List<Instruction> program, Layer layer) {
        try {
            ProgramValidator.validate(program, layer);
            return null;
        } catch (InvalidProgramException e) {
            return "rule " + e.rule();
        }
    }

    @Test
    void everyVectorFilterKeepsItsVerdict() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (String file : List.of("oracle-eval.jsonl", "windivert-suite.jsonl")) {
            for (VectorCase c : read(file)) {
                if (c.expect() != null && compare(c.filter(), c.layer(), List.of(Input.of(c)), failures)) {
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

    @Test
    void randomFiltersKeepTheirVerdictsOnEdgeValuedEvents() {
        Random random = new Random(9);
        randomFilters(Layer.FLOW, ENDPOINT_FIELDS, 400, edgeEvents(Layer.FLOW, random));
        randomFilters(Layer.SOCKET, ENDPOINT_FIELDS, 400, edgeEvents(Layer.SOCKET, random));
        randomFilters(Layer.REFLECT, REFLECT_FIELDS, 600, edgeEvents(Layer.REFLECT, random));
    }

    /** Events whose fields sit on and next to the constants the random filters compare with. */
    private static List<Input> edgeEvents(Layer layer, Random r) {
        long[] numbers = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 17, 41, 42, 43, 53, 58, 80, 443, 1233, 1234, 1235, 65535,
            0xFFFFFFFFL, 0xFFFFFFFFFFFFL, -1};
        long[] timestamps = {Long.MIN_VALUE, -2, -1, 0, 1, 5, 6, 123456789, Long.MAX_VALUE};
        short[] priorities = {-30000, -1001, -2, -1, 0, 1, 999, 1000, 30000};
        U128[] addresses = {U128.ZERO, U128.of(1), U128.of(2), U128.ipv4Mapped(0x0A000001), U128.ipv4Mapped(0x08080808),
            U128.ipv4Mapped(0x7F000001), new U128(0x20010DB800000000L, 1), U128.of(0xFFFF00000000L)};
        int[] protocols = {0, 1, 6, 17, 58, 255};
        List<Input> inputs = new ArrayList<>();
        for (int k = 0; k < 300; k++) {
            LayerData data = layer == Layer.REFLECT
                    ? new LayerData.Reflect(pick(r, timestamps), (int) pick(r, numbers), Layer.values()[r.nextInt(5)],
                        0, priorities[r.nextInt(priorities.length)])
                    : new LayerData.Endpoint(pick(r, numbers), pick(r, numbers), (int) pick(r, numbers),
                        addresses[r.nextInt(addresses.length)], addresses[r.nextInt(addresses.length)],
                        (int) pick(r, numbers) & 0xFFFF, (int) pick(r, numbers) & 0xFFFF,
                        protocols[r.nextInt(protocols.length)]);
            Address a = new Address(pick(r, timestamps), layer, r.nextInt(10), false, r.nextBoolean(), r.nextBoolean(),
                    false, r.nextBoolean(), false, false, false, data);
            inputs.add(new Input("edge " + k, null, a));
        }
        return inputs;
    }

    private static long pick(Random r, long[] values) {
        return values[r.nextInt(values.length)];
    }

    private static void randomFilters(Layer layer, String[] fields, int count) {
        List<Input> inputs = new ArrayList<>();
        for (VectorCase c : read("oracle-eval.jsonl")) {
            if (c.layer() == layer && c.expect() != null && inputs.size() < 300) {
                inputs.add(Input.of(c));
            }
        }
        randomFilters(layer, fields, count, inputs);
    }

    private static void randomFilters(Layer layer, String[] fields, int count, List<Input> inputs) {
        assertThat(inputs.size()).isGreaterThan(20);
        Random random = new Random(20261127L + layer.ordinal() + inputs.size());
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

    @Test
    void eachPathKeepsWhatItKnowsWhereItJoinsOthers() throws FilterException {
        // Inbound decides loopback's branch away and outbound's test; WinDivert's program has 8.
        List<Instruction> p = FilterCompiler.compile("(!inbound or !loopback? protocol or !tcp and !outbound: inbound)"
                + " and processId > 0x0 and parentEndpointId >= 0x29", Layer.SOCKET).instructions();
        assertThat(p).hasSize(4);
        assertThat(p.get(0).field()).isEqualTo(Field.INBOUND.id());
    }

    @Test
    void testsMoveWhereTheyDecideTheMost() throws FilterException {
        // timestamp first: then layer == FLOW is asked once instead of twice.
        String filter = "processId >= 0x4d2 and layer = FLOW and event== 8 or timestamp != 0 and zero == 0x0"
                + " or layer = FLOW and priority < -1";
        assertThat(FilterCompiler.compile(filter, Layer.REFLECT, false).instructions()).hasSize(6);
        List<Instruction> p = FilterCompiler.compile(filter, Layer.REFLECT).instructions();
        assertThat(p).hasSize(5);
        assertThat(p.get(0).field()).isEqualTo(Field.TIMESTAMP.id());
    }

    @Test
    void fieldValueDomainsDecideTests() throws FilterException {
        // ip.TOS is one byte (folding allows up to 65535): "> 255" never passes.
        assertThat(FilterCompiler.compile("ip.TOS > 255 or tcp", Layer.NETWORK).instructions()).hasSize(1);
        // Every SeqNum passes ">= 0", so with TCP known it passes.
        assertThat(FilterCompiler.compile("tcp and tcp.SeqNum >= 0", Layer.NETWORK).instructions()).hasSize(1);
        // layer is unsigned: "!= 0" means ">= 1".
        List<Instruction> never = FilterCompiler.compile("layer != 0 and layer < 1", Layer.REFLECT).instructions();
        assertThat(never).hasSize(1);
        assertThat(never.get(0).success()).isEqualTo(Instruction.REJECT);
        // -0 lies between -1 and 0: "> -0" is ">= 0", "< -0" is "<= -1".
        assertThat(FilterCompiler.compile("timestamp > -0 and timestamp >= 0", Layer.REFLECT).instructions())
                .hasSize(1);
        assertThat(FilterCompiler.compile("timestamp < -0 and timestamp <= -1", Layer.FLOW).instructions())
                .hasSize(1);
        assertThat(FilterCompiler.compile("timestamp < -0 and timestamp < 0", Layer.FLOW).instructions()).hasSize(1);
        assertThat(FilterCompiler.compile("timestamp < -0 and timestamp != -1", Layer.FLOW).instructions())
                .hasSize(2);
    }

    @Test
    void aProgramTheDriverRefusesStaysRefused() throws FilterException, InvalidProgramException {
        String filter = "ip.TOS == 300 or tcp or tcp or udp";
        List<Instruction> straight = FilterCompiler.compile(filter, Layer.NETWORK, false).instructions();
        assertThat(straight).hasSize(4);
        assertThat(refusal(straight, Layer.NETWORK)).isEqualTo("rule 6");
        List<Instruction> p = FilterCompiler.compile(filter, Layer.NETWORK).instructions();
        assertThat(p).hasSize(3);
        assertThat(refusal(p, Layer.NETWORK)).isEqualTo("rule 6");
        // Too long for the driver: kept as it is.
        List<String> terms = new ArrayList<>();
        for (int k = 0; k < 256; k++) {
            terms.add("tcp.DstPort == " + k % 200);
        }
        assertThat(FilterCompiler.compile(String.join(" or ", terms), Layer.NETWORK).instructions()).hasSize(256);
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
