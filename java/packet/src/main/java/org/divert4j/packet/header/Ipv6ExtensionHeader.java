package org.divert4j.packet.header;

import java.nio.ByteBuffer;

/**
 * One IPv6 extension header of the chain WinDivert walks (docs/spec/helpers.md §3.1 step 4): Hop-by-hop
 * (0), Routing (43), Fragment (44), AH (51), Destination options (60) or Mobility (135). Every
 * one starts with the next-header byte; the length rule depends on the type.
 */
public final class Ipv6ExtensionHeader extends HeaderView {
    private final int type;

    /**
     * A view of an extension header of protocol number {@code type} at absolute index
     * {@code offset}.
     *
     * @param buf the buffer the header lives in
     * @param offset absolute index of the header's first byte in {@code buf}
     * @param type the header's protocol number (the previous header's next header)
     * @param onWrite run after every write (may be null)
     */
    public Ipv6ExtensionHeader(ByteBuffer buf, int offset, int type, Runnable onWrite) {
        super(buf, offset, onWrite);
        this.type = type;
    }

    /** {@return the protocol number that identifies this header (the previous header's next header)} */
    public int type() {
        return type;
    }

    /** {@return the next header} */
    public int nextHeader() {
        return u8(0);
    }

    /**
     * Sets the next header.
     *
     * @param v the new value, 0 … 255
     */
    public void setNextHeader(int v) {
        put8(0, v, "next header");
    }

    /**
     * {@return the header's length in bytes by WinDivert's rules: 8 for a fragment header,
     * (byte1 + 2) × 4 for AH, (byte1 + 1) × 8 otherwise}
     */
    public int length() {
        return lengthOf(type, u8(1));
    }

    /**
     * The header length rule of docs/spec/helpers.md §3.1.
     *
     * @param type the extension header's protocol number
     * @param byte1 its byte 1 (the length field)
     * @return the header's length in bytes
     */
    public static int lengthOf(int type, int byte1) {
        return switch (type) {
            case 44 -> 8;
            case 51 -> (byte1 + 2) * 4;
            default -> (byte1 + 1) * 8;
        };
    }

    /** {@return the whole header (next header and length bytes included) as a slice sharing the buffer} */
    public ByteBuffer bytes() {
        return slice(0, length());
    }
}
