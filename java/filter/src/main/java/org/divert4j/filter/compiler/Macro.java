package org.divert4j.filter.compiler;

import java.util.HashMap;
import java.util.Map;
import org.divert4j.abi.Layer;

/** The upper-case macros that stand for numbers (docs/spec/filter-language.md §6). */
enum Macro {
    TRUE(1, 0x1F), FALSE(0, 0x1F), TCP(6, 0x1F), UDP(17, 0x1F), ICMP(1, 0x1F), ICMPV6(58, 0x1F),
    NETWORK(0, 0x1F), NETWORK_FORWARD(1, 0x1F), FLOW(2, 0x1F), SOCKET(3, 0x1F), REFLECT(4, 0x1F),
    PACKET(0, 0x03), ESTABLISHED(1, 0x04), DELETED(2, 0x04), BIND(3, 0x08), CONNECT(4, 0x08),
    LISTEN(5, 0x08), ACCEPT(6, 0x08), CLOSE(7, 0x18), OPEN(8, 0x10);

    private static final Map<String, Macro> BY_NAME = new HashMap<>();

    static {
        for (Macro m : values()) {
            BY_NAME.put(m.name(), m);
        }
    }

    private final int value;
    private final int layers;

    Macro(int value, int layers) {
        this.value = value;
        this.layers = layers;
    }

    /** The macro named {@code word}, or null. */
    static Macro byName(String word) {
        return BY_NAME.get(word);
    }

    boolean validIn(Layer layer) {
        return (layers & (1 << layer.value())) != 0;
    }

    /** The value in {@code layer}; CLOSE is the socket event 7 but the reflect event 9. */
    int value(Layer layer) {
        return this == CLOSE && layer == Layer.REFLECT ? 9 : value;
    }
}
