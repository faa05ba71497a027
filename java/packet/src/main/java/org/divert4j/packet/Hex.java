package org.divert4j.packet;

/** Hexadecimal text to bytes and back, with errors that say where the text is wrong. */
public final class Hex {
    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex() {
    }

    /**
     * Parses hex digits (either case); whitespace and colons between bytes are ignored.
     *
     * @param text the hex digits
     * @return the bytes they spell
     * @throws IllegalArgumentException naming the position of the first bad character, or an
     *     odd number of digits
     */
    public static byte[] decode(CharSequence text) {
        byte[] out = new byte[text.length() / 2];
        int n = 0;
        int high = -1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':') {
                if (high >= 0) {
                    throw new IllegalArgumentException("bad hex: separator inside a byte at position " + i);
                }
                continue;
            }
            int v = Character.digit(c, 16);
            if (v < 0 || c > 0x7F) {
                throw new IllegalArgumentException("bad hex: unexpected character '" + c + "' at position " + i);
            }
            if (high < 0) {
                high = v;
            } else {
                out[n++] = (byte) (high << 4 | v);
                high = -1;
            }
        }
        if (high >= 0) {
            throw new IllegalArgumentException("bad hex: odd number of digits");
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /**
     * Lower-case hex of {@code bytes}.
     *
     * @param bytes the bytes
     * @return two digits per byte
     */
    public static String encode(byte[] bytes) {
        return encode(bytes, 0, bytes.length);
    }

    /**
     * Lower-case hex of {@code length} bytes of {@code bytes} from {@code offset}.
     *
     * @param bytes the bytes
     * @param offset index of the first byte to encode
     * @param length the number of bytes to encode
     * @return two digits per byte
     */
    public static String encode(byte[] bytes, int offset, int length) {
        StringBuilder sb = new StringBuilder(length * 2);
        for (int i = offset; i < offset + length; i++) {
            sb.append(DIGITS[(bytes[i] >> 4) & 0xF]).append(DIGITS[bytes[i] & 0xF]);
        }
        return sb.toString();
    }
}
