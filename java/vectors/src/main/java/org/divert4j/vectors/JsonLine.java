package org.divert4j.vectors;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader for one line of a JSON-lines file: a single object whose values are strings,
 * numbers, booleans, null, arrays or objects. Numbers are kept as their text (so 64-bit and
 * larger values lose nothing). Enough for the test vectors and batch inputs; no dependency.
 */
public final class JsonLine {
    private final String s;
    private int i;

    private JsonLine(String s) {
        this.s = s;
    }

    /**
     * The object on the line, keys in order: strings become {@link String}, numbers
     * {@link JsonNumber}, booleans {@link Boolean}, null {@code null}, arrays {@link List},
     * objects {@link Map}.
     *
     * @throws IllegalArgumentException naming the offset of the first syntax error
     */
    public static Map<String, Object> parse(String line) {
        JsonLine p = new JsonLine(line);
        p.ws();
        if (!p.peek('{')) {
            throw p.error("expected '{'");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) p.value(0);
        p.ws();
        if (p.i != line.length()) {
            throw p.error("trailing characters");
        }
        return m;
    }

    /**
     * A JSON number, as written.
     *
     * @param text the number's text
     */
    public record JsonNumber(String text) {
    }

    private static final int MAX_NESTING = 64;

    private Object value(int depth) {
        if (depth > MAX_NESTING) {
            throw error("nested too deeply");
        }
        ws();
        if (i >= s.length()) {
            throw error("unexpected end of line");
        }
        char c = s.charAt(i);
        switch (c) {
            case '{': {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (peek('}')) {
                    i++;
                    return Collections.unmodifiableMap(m);
                }
                while (true) {
                    ws();
                    if (!peek('"')) {
                        throw error("expected a key");
                    }
                    String k = string();
                    ws();
                    expect(':');
                    m.put(k, value(depth + 1));
                    ws();
                    if (peek(',')) {
                        i++;
                        continue;
                    }
                    expect('}');
                    return Collections.unmodifiableMap(m);
                }
            }
            case '[': {
                i++;
                List<Object> l = new ArrayList<>();
                ws();
                if (peek(']')) {
                    i++;
                    return Collections.unmodifiableList(l);
                }
                while (true) {
                    l.add(value(depth + 1));
                    ws();
                    if (peek(',')) {
                        i++;
                        continue;
                    }
                    expect(']');
                    return Collections.unmodifiableList(l);
                }
            }
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) {
            throw error("unexpected character");
        }
        i += word.length();
        return v;
    }

    private JsonNumber number() {
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        if (start == i) {
            throw error("unexpected character");
        }
        return new JsonNumber(s.substring(start, i));
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(i++);
            if (c == '"') {
                return b.toString();
            }
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (i >= s.length()) {
                throw error("unterminated string");
            }
            char e = s.charAt(i++);
            switch (e) {
                case '"': case '\\': case '/': b.append(e); break;
                case 'b': b.append('\b'); break;
                case 'f': b.append('\f'); break;
                case 'n': b.append('\n'); break;
                case 'r': b.append('\r'); break;
                case 't': b.append('\t'); break;
                case 'u':
                    if (i + 4 > s.length()) {
                        throw error("bad \\u escape");
                    }
                    try {
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                    } catch (NumberFormatException ex) {
                        throw error("bad \\u escape");
                    }
                    i += 4;
                    break;
                default:
                    throw error("bad escape");
            }
        }
    }

    private void ws() {
        while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
    }

    private boolean peek(char c) {
        return i < s.length() && s.charAt(i) == c;
    }

    private void expect(char c) {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        i++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
    }
}
