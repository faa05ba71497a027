package org.divert4j.vectors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.divert4j.abi.Address;
import org.divert4j.abi.Layer;
import org.divert4j.abi.LayerData;
import org.divert4j.abi.U128;
import org.divert4j.filter.eval.Outcome;
import org.divert4j.packet.Hex;
import org.divert4j.packet.IpAddresses;

/**
 * One line of a test-vector file (docs/spec/README.md §2): an evaluation case ({@code packet},
 * {@code addr}, {@code expect}) or a syntax case ({@code accept}, {@code object} or
 * {@code errorPos}/{@code error}).
 *
 * @param name the case id
 * @param layer the layer ({@code NETWORK} when absent)
 * @param filter filter text or object string
 * @param packet the packet bytes, or null when absent
 * @param address the address record built from {@code addr} (defaults applied)
 * @param expect the expected outcome of an evaluation case, or null
 * @param tags the tags (empty when absent)
 * @param accept for syntax cases: whether the filter compiles; null otherwise
 * @param object for accepted syntax cases: WinDivert's object string; null otherwise
 * @param errorPos for rejected syntax cases: the error position (unsigned 32-bit); -1 otherwise
 * @param error for rejected syntax cases: WinDivert's message; null otherwise
 */
public record VectorCase(String name, Layer layer, String filter, byte[] packet, Address address, Outcome expect,
        List<String> tags, Boolean accept, String object, long errorPos, String error) {

    private static final Set<String> KEYS = Set.of("name", "layer", "filter", "packet", "addr", "expect", "tags",
            "accept", "object", "errorPos", "error");
    private static final Set<String> COMMON = Set.of("outbound", "loopback", "impostor", "ipv6", "timestamp", "event");
    private static final Set<String> NETWORK = Set.of("ifIdx", "subIfIdx");
    private static final Set<String> ENDPOINT = Set.of("processId", "endpointId", "parentEndpointId", "localAddr",
            "remoteAddr", "localPort", "remotePort", "protocol");
    private static final Set<String> REFLECT = Set.of("processId", "reflectTimestamp", "reflectLayer",
            "reflectFlags", "reflectPriority");
    private static final BigInteger U64 = BigInteger.ONE.shiftLeft(64);

    /**
     * Parses one line.
     *
     * @throws IllegalArgumentException saying which key is wrong and why
     */
    public static VectorCase parse(String line) {
        Map<String, Object> json = JsonLine.parse(line);
        for (Object key : json.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key \"" + key + "\"");
            }
        }
        String name = string(json, "name", "");
        Layer layer = Layer.parse(string(json, "layer", "NETWORK"));
        String filter = string(json, "filter", null);
        if (filter == null) {
            throw new IllegalArgumentException("the key \"filter\" is missing");
        }
        String hex = string(json, "packet", null);
        byte[] packet = hex == null ? null : Hex.decode(hex);
        Object addr = json.containsKey("addr") ? json.get("addr") : Map.of();
        if (!(addr instanceof Map<?, ?> addrMap)) {
            throw new IllegalArgumentException("\"addr\" must be an object");
        }
        Address address = address(layer, packet, addrMap);
        String expect = string(json, "expect", null);
        List<String> tags = new ArrayList<>();
        if (json.get("tags") instanceof List<?> list) {
            for (Object t : list) {
                tags.add(t instanceof String s ? s : t.toString());
            }
        } else if (json.containsKey("tags")) {
            throw new IllegalArgumentException("\"tags\" must be an array");
        }
        Object accept = json.get("accept");
        if (accept != null && !(accept instanceof Boolean)) {
            throw new IllegalArgumentException("\"accept\" must be true or false");
        }
        return new VectorCase(name, layer, filter, packet, address, expect == null ? null : Outcome.ofWord(expect),
                List.copyOf(tags), (Boolean) accept, string(json, "object", null),
                json.containsKey("errorPos") ? integer(json, "errorPos", 0, 0xFFFFFFFFL) : -1,
                string(json, "error", null));
    }

    /**
     * Reads every non-blank line of a vector file.
     *
     * @throws IllegalArgumentException naming the file, line and problem
     * @throws UncheckedIOException if the file cannot be read
     */
    public static List<VectorCase> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<VectorCase> cases = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                cases.add(parse(lines.get(i)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return cases;
    }

    /**
     * The address of {@code addr} for {@code layer}: absent keys are 0/false, except that at
     * the network layers {@code ipv6} defaults to the packet's IP version.
     */
    private static Address address(Layer layer, byte[] packet, Map<?, ?> addr) {
        Set<String> layerKeys = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> NETWORK;
            case FLOW, SOCKET -> ENDPOINT;
            case REFLECT -> REFLECT;
        };
        for (Object key : addr.keySet()) {
            if (!COMMON.contains(key) && !layerKeys.contains(key)) {
                throw new IllegalArgumentException("addr key \"" + key + "\" does not belong to layer " + layer);
            }
        }
        boolean ipv6Default = layer.isNetwork() && packet != null && packet.length > 0 && (packet[0] & 0xF0) == 0x60;
        LayerData data = switch (layer) {
            case NETWORK, NETWORK_FORWARD -> new LayerData.Network((int) integer(addr, "ifIdx", 0, 0xFFFFFFFFL),
                    (int) integer(addr, "subIfIdx", 0, 0xFFFFFFFFL));
            case FLOW, SOCKET -> new LayerData.Endpoint(u64(addr, "endpointId"), u64(addr, "parentEndpointId"),
                    (int) integer(addr, "processId", 0, 0xFFFFFFFFL), ip(addr, "localAddr"), ip(addr, "remoteAddr"),
                    (int) integer(addr, "localPort", 0, 0xFFFF), (int) integer(addr, "remotePort", 0, 0xFFFF),
                    (int) integer(addr, "protocol", 0, 0xFF));
            case REFLECT -> new LayerData.Reflect(integer(addr, "reflectTimestamp", Long.MIN_VALUE, Long.MAX_VALUE),
                    (int) integer(addr, "processId", 0, 0xFFFFFFFFL),
                    Layer.of((int) integer(addr, "reflectLayer", 0, 4)), u64(addr, "reflectFlags"),
                    (short) integer(addr, "reflectPriority", Short.MIN_VALUE, Short.MAX_VALUE));
        };
        return new Address(integer(addr, "timestamp", Long.MIN_VALUE, Long.MAX_VALUE), layer,
                (int) integer(addr, "event", 0, 255), false, bool(addr, "outbound", false),
                bool(addr, "loopback", false), bool(addr, "impostor", false), bool(addr, "ipv6", ipv6Default),
                false, false, false, data);
    }

    private static String string(Map<?, ?> json, String key, String absent) {
        Object v = json.get(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("\"" + key + "\" must be a string");
        }
        return s;
    }

    private static boolean bool(Map<?, ?> json, String key, boolean absent) {
        Object v = json.get(key);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof Boolean b)) {
            throw new IllegalArgumentException("\"" + key + "\" must be true or false");
        }
        return b;
    }

    private static BigInteger bigInteger(Map<?, ?> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            return BigInteger.ZERO;
        }
        if (v instanceof JsonLine.JsonNumber n) {
            try {
                return new BigDecimal(n.text()).toBigIntegerExact();
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("\"" + key + "\" must be an integer, not " + n.text(), e);
            }
        }
        throw new IllegalArgumentException("\"" + key + "\" must be an integer, not " + v);
    }

    private static long integer(Map<?, ?> json, String key, long min, long max) {
        BigInteger v = bigInteger(json, key);
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new IllegalArgumentException("\"" + key + "\" = " + v + " is outside " + min + ".." + max);
        }
        return v.longValue();
    }

    private static long u64(Map<?, ?> json, String key) {
        BigInteger v = bigInteger(json, key);
        if (v.signum() < 0 || v.compareTo(U64) >= 0) {
            throw new IllegalArgumentException("\"" + key + "\" = " + v + " is not an unsigned 64-bit value");
        }
        return v.longValue();
    }

    /** An IP literal; IPv4 means the IPv4-mapped address. */
    private static U128 ip(Map<?, ?> json, String key) {
        Object v = json.get(key);
        if (v == null) {
            return U128.ZERO;
        }
        if (!(v instanceof String s)) {
            throw new IllegalArgumentException("\"" + key + "\" must be an IP address in quotes");
        }
        OptionalInt v4 = IpAddresses.parseIpv4(s);
        if (v4.isPresent()) {
            return U128.ipv4Mapped(v4.getAsInt());
        }
        return IpAddresses.parseIpv6(s).orElseThrow(
                () -> new IllegalArgumentException("\"" + key + "\" = \"" + s + "\" is not an IPv4 or IPv6 address"));
    }
}
