package org.divert4j.filter.compiler;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.divert4j.abi.Layer;
import org.divert4j.filter.CompiledFilter;
import org.divert4j.filter.Field;
import org.divert4j.filter.FilterCompiler;
import org.divert4j.filter.FilterError;
import org.divert4j.filter.FilterException;
import org.divert4j.filter.object.FilterObject;
import org.junit.jupiter.api.Test;

/**
 * Property test: random token soup and random mutations of valid filters. Nothing but
 * FilterException may escape; whatever compiles must format, the formatted text must compile
 * again, and the object string must decode to a program of the same length that re-encodes to it. Length: system property
 * {@code divert4j.fuzz.iterations} (default 20,000; the nightly run uses 100,000+), seed
 * {@code divert4j.fuzz.seed}.
 */
class FuzzTest {
    private static final String[] SOUP = {
        "tcp", "udp", "ip", "ipv6", "icmp", "icmpv6", "tcp.DstPort", "ip.SrcAddr", "ipv6.DstAddr",
        "packet", "packet16", "packet32", "tcp.Payload", "udp.Payload32", "event", "layer",
        "priority", "timestamp", "processId", "localAddr", "true", "false", "zero", "ipv6.FlowLabel",
        "and", "or", "not", "&&", "||", "!", "(", ")", "[", "]", "?", ":", "-", "==", "=", "!=",
        "<", "<=", ">", ">=", "b", "0", "1", "80", "65535", "65536", "0x", "0xffffffff",
        "0x100000000", "12b", "1.2.3.4", "::", "::1", "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8:9",
        "TCP", "CLOSE", "PACKET", "SOCKET", "&", "|", "#", "@", "%", "\0", "\u00e9", "5:", "a::",
        "340282366920938463463374607431768211455", "4294967306.0.0.1", "ab::", "0X5",
    };
    private static final String[] SPACE = {"", " ", " ", " ", "\t", "\n", "  "};

    private final long seed = Long.getLong("divert4j.fuzz.seed", 0x5eedL);
    private final int iterations = Integer.getInteger("divert4j.fuzz.iterations", 20_000);

    @Test
    void randomInputOnlyEverFailsWithFilterException() throws FilterException {
        Random rnd = new Random(seed);
        List<Map<String, Object>> valid = new ArrayList<>();
        for (Map<String, Object> row : Vectors.read("oracle-syntax.jsonl")) {
            if (Boolean.TRUE.equals(row.get("accept"))) {
                valid.add(row);
            }
        }
        int compiled = 0;
        for (int i = 0; i < iterations; i++) {
            Layer layer = Layer.of(rnd.nextInt(5));
            String input;
            switch (i % 3) {
                case 0:
                    input = soup(rnd);
                    break;
                case 1:
                    Map<String, Object> row = valid.get(rnd.nextInt(valid.size()));
                    layer = Vectors.layer(row);
                    input = mutate((String) row.get("filter"), rnd);
                    break;
                default:
                    input = generate(rnd, layer, 4);
                    break;
            }
            if (check(input, layer)) {
                compiled++;
            }
        }
        // The generators must reach the back end, or the property says little.
        assertThat(compiled).isGreaterThan(iterations / 5);
    }

    /** Returns true if the input compiled; fails the test on anything but FilterException. */
    private static boolean check(String input, Layer layer) throws FilterException {
        CompiledFilter f;
        try {
            f = FilterCompiler.compile(input, layer);
        } catch (FilterException e) {
            assertWithMessage(input).that(e.error()).isNotNull();
            return false;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError("compiling " + quote(input) + " for " + layer + " threw " + e, e);
        }
        if (f.instructions().size() < 256) {
            // The object keeps what its format carries (b.4), and re-encodes to itself.
            List<org.divert4j.filter.Instruction> decoded = FilterObject.decode(f.object());
            assertWithMessage(input).that(decoded).hasSize(f.instructions().size());
            assertWithMessage(input).that(FilterObject.encode(decoded)).isEqualTo(f.object());
        }
        String text;
        try {
            text = FilterCompiler.format(input, layer);
        } catch (FilterException e) {
            assertWithMessage(input).that(e.error()).isEqualTo(FilterError.OBJECT_BUFFER_TOO_SHORT);
            return true;
        }
        try {
            FilterCompiler.compile(text, layer);
        } catch (FilterException e) {
            // Formatting re-creates every instruction, so it can only exceed the budgets, or
            // hit the reference printer's glued colon.
            if (GluedColon.explains(text, e)) {
                return true;
            }
            assertWithMessage(quote(input) + " formatted as " + quote(text) + ": " + e.getMessage())
                    .that(e.error()).isAnyOf(FilterError.TOO_LONG, FilterError.TOO_DEEP,
                            FilterError.PARSE_ERROR);
        }
        return true;
    }

    private static String soup(Random rnd) {
        StringBuilder sb = new StringBuilder();
        int n = 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 400 : 14);
        for (int k = 0; k < n; k++) {
            sb.append(SOUP[rnd.nextInt(SOUP.length)]).append(SPACE[rnd.nextInt(SPACE.length)]);
        }
        return sb.toString();
    }

    private static final String[] VALUES = {"0", "1", "2", "5", "80", "255", "256", "65535",
        "65536", "0xffffffff", "0x100000005", "1.2.3.4", "::1", "::ffff:10.0.0.1", "fe80::2",
        "TCP", "-1", "-0", "- 5", "0x7fffffffffffffff", "30000", "-30001", "0x"};
    private static final String[] OPS = {"==", "=", "!=", "<", "<=", ">", ">="};

    /** A random filter that follows the grammar, with fields legal for the layer. */
    private static String generate(Random rnd, Layer layer, int depth) {
        int pick = depth == 0 ? 0 : rnd.nextInt(6);
        switch (pick) {
            case 1: return generate(rnd, layer, depth - 1) + " and " + generate(rnd, layer, depth - 1);
            case 2: return generate(rnd, layer, depth - 1) + (rnd.nextBoolean() ? " or " : " || ")
                    + generate(rnd, layer, depth - 1);
            case 3: return "(" + generate(rnd, layer, depth - 1) + ")";
            case 4: return "(" + generate(rnd, layer, depth - 1) + " ? " + generate(rnd, layer, depth - 1)
                    + " : " + generate(rnd, layer, depth - 1) + ")";
            default: break;
        }
        List<Field> legal = new ArrayList<>();
        for (Field f : Field.values()) {
            if (f.legalIn(layer)) {
                legal.add(f);
            }
        }
        StringBuilder t = new StringBuilder("not ".repeat(rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(2) : 0));
        if (rnd.nextInt(12) == 0) {
            t.append(rnd.nextBoolean() ? "true" : "false");
        } else {
            Field f = legal.get(rnd.nextInt(legal.size()));
            t.append(f.text());
            if (f.isArray()) {
                t.append('[').append(rnd.nextBoolean() ? "-" : "").append(1 + rnd.nextInt(60))
                        .append(rnd.nextBoolean() ? "b" : "").append(']');
            }
        }
        if (rnd.nextInt(4) != 0) {
            t.append(' ').append(OPS[rnd.nextInt(OPS.length)]).append(' ')
                    .append(VALUES[rnd.nextInt(VALUES.length)]);
        }
        return t.toString();
    }

    private static String mutate(String s, Random rnd) {
        StringBuilder sb = new StringBuilder(s);
        int edits = 1 + rnd.nextInt(2);
        for (int k = 0; k < edits && sb.length() > 0; k++) {
            int at = rnd.nextInt(sb.length());
            switch (rnd.nextInt(5)) {
                case 0: sb.deleteCharAt(at); break;
                case 1: sb.insert(at, (char) (0x20 + rnd.nextInt(0x5F))); break;
                case 2: sb.setCharAt(at, (char) (0x20 + rnd.nextInt(0x5F))); break;
                case 3: sb.insert(at, SOUP[rnd.nextInt(SOUP.length)]); break;
                default:
                    int end = Math.min(sb.length(), at + rnd.nextInt(20));
                    sb.insert(at, sb.substring(at, end));
                    break;
            }
        }
        return sb.toString();
    }

    @Test
    void pathologicalInputsFailCleanly() {
        List<String> inputs = List.of("(".repeat(100_000), "(".repeat(1000) + "tcp" + ")".repeat(1000),
                "not ".repeat(50_000) + "tcp", "tcp or ".repeat(5000) + "tcp",
                "tcp and ".repeat(5000) + "tcp", " ".repeat(1_000_000), "x".repeat(10_000),
                "(tcp ? ".repeat(400) + "udp", "-".repeat(10_000), "[".repeat(10_000));
        for (String input : inputs) {
            FilterException e = org.junit.jupiter.api.Assertions.assertThrows(FilterException.class,
                    () -> FilterCompiler.compile(input, Layer.NETWORK));
            assertThat(e.error()).isNotNull();
        }
        Random rnd = new Random(seed);
        for (int k = 0; k < 50; k++) {
            StringBuilder garbage = new StringBuilder();
            for (int i = 0; i < 10_000; i++) {
                garbage.append((char) rnd.nextInt(0x80));
            }
            try {
                FilterCompiler.compile(garbage.toString(), Layer.NETWORK);
            } catch (FilterException e) {
                assertThat(e.error()).isNotNull();
            }
        }
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            sb.append(c < 0x20 || c > 0x7E ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return sb.append('"').toString();
    }
}
