package org.divert4j.cli;

import java.util.List;
import java.util.Map;

/**
 * Renders maps, lists, strings, numbers, booleans and null as JSON (RFC 8259): indented, or
 * compact on one line (JSON Lines).
 */
final class JsonOut {
    /** The indentation that means "one line, no spaces". */
    private static final int COMPACT = -1;

    private JsonOut() {
    }

    /** Indented, two spaces a level. */
    static String render(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    /** On one line without spaces. */
    static String line(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, COMPACT);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        if (v instanceof Map<?, ?> m) {
            sb.append('{');
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(i++ > 0 ? "," : "");
                newline(sb, indent + 2, indent);
                string(sb, e.getKey().toString());
                sb.append(indent == COMPACT ? ":" : ": ");
                write(sb, e.getValue(), deeper(indent));
            }
            if (!m.isEmpty()) {
                newline(sb, indent, indent);
            }
            sb.append('}');
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                sb.append(i > 0 ? "," : "");
                newline(sb, indent + 2, indent);
                write(sb, l.get(i), deeper(indent));
            }
            if (!l.isEmpty()) {
                newline(sb, indent, indent);
            }
            sb.append(']');
        } else if (v instanceof String s) {
            string(sb, s);
        } else if (v == null || v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else {
            throw new IllegalArgumentException("not a JSON value: " + v);
        }
    }

    private static int deeper(int indent) {
        return indent == COMPACT ? COMPACT : indent + 2;
    }

    /** A line break and {@code pad} spaces, unless compact. */
    private static void newline(StringBuilder sb, int pad, int indent) {
        if (indent != COMPACT) {
            sb.append('\n').append(" ".repeat(pad));
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
